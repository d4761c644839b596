"""A challenge before a code is sent (a captcha): ``OTP["CHALLENGE"]`` and ``CHALLENGE_AFTER``.

``OTP["CHALLENGE"]`` names a ``verify(request, phone, purpose) -> bool`` (``phone`` in E.164).
``send_code`` asks it before anything is written or sent: for every code, or, with
``CHALLENGE_AFTER = N``, once N codes went to the number, or came from the client's network, in
the last hour. Anything but ``True`` refuses with ``challenge_required``; a verifier that raises
(Tencent Captcha unreachable, a broken setting, a bug) refuses with ``challenge_unavailable``:
fail closed, never a 500, and the reason goes to the log, never a secret.

The person's answer travels with the request: the shipped pages post ``ticket`` and ``randstr``
form fields, and the JSON endpoint hands its body's ``ticket`` and ``randstr`` over with
``set_challenge_answer``; a verifier reads them with ``challenge_answer``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import router
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.exceptions import CodeRequestRefused
from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp.conf import OTP_SETTING, whole_number

__all__ = [
    "ANSWER_ATTRIBUTE",
    "CHALLENGE_WINDOW",
    "MAX_ANSWER_LENGTH",
    "challenge_answer",
    "challenge_problems",
    "challenge_refused",
    "require_challenge",
    "set_challenge_answer",
]

logger = logging.getLogger("django_tencent_sms")

#: The request attribute the JSON endpoint leaves the answer in (its body is read already).
ANSWER_ATTRIBUTE = "tencent_sms_challenge_answer"
#: Longest ticket or randstr accepted; Tencent's tickets are a few hundred characters.
MAX_ANSWER_LENGTH = 2048
#: The window ``CHALLENGE_AFTER`` counts codes in.
CHALLENGE_WINDOW = timedelta(hours=1)

REQUIRED_MESSAGE = _("Please complete the security check, then ask for the code again.")
UNAVAILABLE_MESSAGE = _(
    "The security check is not available right now. Please try again in a moment."
)


def challenge_refused() -> CodeRequestRefused:
    """The refusal of a missing or failed challenge."""
    return CodeRequestRefused(REQUIRED_MESSAGE, code="challenge_required")


def _clean(value: Any) -> str:
    """``value`` when it is visible ASCII text of a sane length, else ``""``."""
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= MAX_ANSWER_LENGTH
        or not all("!" <= char <= "~" for char in value)
    ):
        return ""
    return value


def set_challenge_answer(request: HttpRequest, ticket: Any, randstr: Any) -> None:
    """Hand the person's answer (``ticket``, ``randstr``) to the verifier with ``request``."""
    setattr(request, ANSWER_ATTRIBUTE, (_clean(ticket), _clean(randstr)))


def challenge_answer(request: HttpRequest | None) -> tuple[str, str]:
    """The ``(ticket, randstr)`` sent with ``request``: what ``set_challenge_answer`` left, else
    the POSTed form fields; ``""`` for each that is missing, too long or not plain text."""
    if request is None:
        return "", ""
    given = getattr(request, ANSWER_ATTRIBUTE, None)
    if isinstance(given, tuple) and len(given) == 2:
        return _clean(given[0]), _clean(given[1])
    if request.method != "POST":
        return "", ""
    return _clean(request.POST.get("ticket")), _clean(request.POST.get("randstr"))


def challenge_problems(conf: dict[str, Any]) -> list[str]:
    """What is wrong with ``CHALLENGE`` and ``CHALLENGE_AFTER`` (check E051)."""
    problems = []
    path = conf.get("CHALLENGE")
    if path is not None:
        try:
            func = import_string(path) if isinstance(path, str) else path
        except Exception as exc:  # ImportError, or whatever importing the module raised
            problems.append(
                f"{OTP_SETTING}['CHALLENGE'] cannot be imported ({type(exc).__name__})."
            )
        else:
            if not callable(func):
                problems.append(
                    f"{OTP_SETTING}['CHALLENGE'] must be the dotted path of a "
                    "function(request, phone, purpose) -> bool."
                )
    after = conf.get("CHALLENGE_AFTER")
    if after is not None and not whole_number(after, 0):
        problems.append(
            f"{OTP_SETTING}['CHALLENGE_AFTER'] must be None or a whole number ≥ 0, "
            f"not {type(after).__name__}."
        )
    return problems


def _over_soft_limit(phone: str, ip: str | None, after: int, now: datetime) -> bool:
    """Whether ``after`` codes went to ``phone``, or came from ``ip``, in the last hour."""
    codes = (
        VerificationCode.objects.using(router.db_for_write(VerificationCode))
        .filter(created_at__gt=now - CHALLENGE_WINDOW, uncounted_at__isnull=True)
        .exclude(state=VerificationCode.State.FAILED)
    )
    if after == 0 or codes.filter(phone=phone)[after - 1 : after].exists():
        return True
    return ip is not None and codes.filter(ip=ip)[after - 1 : after].exists()


def require_challenge(
    request: HttpRequest | None,
    phone: str,
    purpose: str,
    conf: dict[str, Any],
    *,
    ip: str | None,
    now: datetime,
) -> bool:
    """Ask ``OTP["CHALLENGE"]`` when one is due; True when it was asked and passed, False when
    none is configured or due; ``CodeRequestRefused`` when it failed or could not be asked."""
    if conf.get("CHALLENGE") is None:
        return False
    problems = challenge_problems(conf)
    if problems:
        logger.error("No code sent: %s", problems[0])
        raise CodeRequestRefused(UNAVAILABLE_MESSAGE, code="challenge_unavailable")
    after = conf.get("CHALLENGE_AFTER")
    if after is not None and not _over_soft_limit(phone, ip, after, now):
        return False
    path = conf["CHALLENGE"]
    verify = import_string(path) if isinstance(path, str) else path
    try:
        passed = verify(request, phone, purpose)
    except CodeRequestRefused:
        raise
    except Exception as exc:
        # Only the type: a message could carry what the verifier was given.
        logger.error("No code sent: the challenge could not be checked (%s).", type(exc).__name__)
        raise CodeRequestRefused(UNAVAILABLE_MESSAGE, code="challenge_unavailable") from None
    if passed is not True:
        raise challenge_refused()
    return True
