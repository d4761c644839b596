"""Test numbers, ``OTP["TEST_NUMBERS"]``: numbers that always get the same code and no SMS.

For app-store review and QA: ``{"+8613800000000": "246810"}`` gives that number the code
``246810``. ``send_code`` goes through every step as for any number (the number checks, every
limit, the code's row, the send log), but the message goes to ``TestNumberBackend``, which sends
nothing: no request leaves the machine and nothing is billed. Its log row says so: ``backend`` is
``TEST_NUMBER_BACKEND``, ``fee`` 0, ``sid`` ``test-…``, and the code is redacted as in every
verification log. Each use is also logged at WARNING. The fixed codes are secrets too: no
message here, nor any check, shows one.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import phonenumbers

from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import ConfigurationError, InvalidMessage
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.message import SendResult, SmsMessage
from django_tencent_sms.sending.validation import normalize_phone

__all__ = [
    "TEST_NUMBER_BACKEND",
    "TestNumberBackend",
    "test_code_for",
    "test_numbers_problems",
]

logger = logging.getLogger("django_tencent_sms")

#: The ``backend`` of the send log's rows for test numbers: how they are told apart.
TEST_NUMBER_BACKEND = "django_tencent_sms.otp.test_numbers.TestNumberBackend"

SETTING = "TENCENT_SMS['OTP']['TEST_NUMBERS']"


def _e164(key: Any) -> str | None:
    """``key`` as E.164 text, or None when it is no valid mobile number."""
    try:
        return normalize_phone(key, sms_settings.DEFAULT_REGION).as_e164
    except (InvalidMessage, TypeError, ValueError):
        return None


def test_numbers_problems(numbers: Any, length: Any) -> list[str]:
    """What is wrong with ``TEST_NUMBERS`` (a dict of numbers to codes of ``LENGTH`` digits);
    one sentence per problem, never showing a code."""
    if numbers is None:
        return []
    if not isinstance(numbers, dict):
        return [
            f"{SETTING} must be a dict of phone numbers to codes, not {type(numbers).__name__}."
        ]
    problems = []
    seen: set[str] = set()
    for key, code in numbers.items():
        e164 = _e164(key) if isinstance(key, str) else None
        shown = key if isinstance(key, str) else type(key).__name__
        if e164 is None:
            problems.append(f"{SETTING} key {shown!r:.40} is not a valid mobile number.")
            continue
        if e164 in seen:
            problems.append(f"{SETTING} names {e164} twice.")
        seen.add(e164)
        digits = isinstance(code, str) and code.isascii() and code.isdigit()
        if not digits or (isinstance(length, int) and len(code) != length):
            problems.append(
                f"{SETTING}: the code of {e164} must be {length} digits (OTP['LENGTH'])."
            )
    return problems


def test_code_for(number: phonenumbers.PhoneNumber, conf: dict[str, Any]) -> str | None:
    """The fixed code of ``number`` when it is a test number, else None; a
    ``ConfigurationError`` while ``TEST_NUMBERS`` is broken (system check E050)."""
    numbers = conf.get("TEST_NUMBERS") or {}
    problems = test_numbers_problems(numbers, conf.get("LENGTH"))
    if problems:
        raise ConfigurationError(problems[0])
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    for key, code in numbers.items():
        if _e164(key) == e164:
            logger.warning("Test number %s: a fixed code, no SMS sent.", mask_phone(e164))
            return str(code)
    return None


class TestNumberBackend(BaseBackend):
    """Accepts the message of a test number and sends nothing (no request, no cost)."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def send(self, message: SmsMessage) -> SendResult:
        return SendResult(
            sid=f"test-{uuid.uuid4().hex}",
            fee=0,
            errmsg="Test number: no SMS sent",
            ext=message.ext,
        )
