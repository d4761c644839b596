"""What both API generations check alike: the JSON body, the number, the lengths, the send id.

Pure: no state, no I/O.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any, TypeGuard

import phonenumbers

from django_tencent_sms.protocol.billing import DOMESTIC_NATIONCODE

__all__ = [
    "MAX_CLOUD_CONTENT_LENGTH",
    "MAX_CONTENT_LENGTH",
    "MAX_PARAM_LENGTH",
    "NOT_JSON",
    "is_int",
    "is_text",
    "lenient_content",
    "new_sid",
    "parse_json",
    "valid_number",
]

#: Characters per template parameter (1036, API 3.0 ``TemplateParameterLengthLimit`` beyond).
MAX_PARAM_LENGTH = 12
#: Characters of a legacy message, signature included (1017 beyond).
MAX_CONTENT_LENGTH = 450
#: Characters of an API 3.0 message, signature included (``ContentLengthLimit`` beyond): the
#: 500 of Tencent's current content rules.
MAX_CLOUD_CONTENT_LENGTH = 500

#: Stands for a body that is not JSON.
NOT_JSON: Any = object()

_DIGITS = re.compile(r"[0-9]+")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> Any:
    """The parsed body, or :data:`NOT_JSON`. Raw UTF-8 and ``\\uXXXX`` escapes are both fine."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return NOT_JSON


def is_text(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a string that UTF-8 can carry (no lone surrogate from ``\\ud800``)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_int(value: object) -> TypeGuard[int]:
    """Whether ``value`` is a JSON integer (``true`` is not one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def new_sid() -> str:
    """A fresh send id shaped like Tencent's."""
    return "2019:" + secrets.token_hex(10)


def valid_number(nationcode: str, mobile: str) -> bool:
    """Whether Tencent would take ``mobile`` in country ``nationcode`` (result 1016 if not)."""
    if not (_DIGITS.fullmatch(nationcode) and _DIGITS.fullmatch(mobile)):
        return False
    if nationcode == DOMESTIC_NATIONCODE:
        return len(mobile) == 11 and mobile.startswith("1")
    if len(nationcode) > 3 or len(mobile) > 17:
        return False
    try:
        number = phonenumbers.parse(f"+{nationcode}{mobile}")
    except phonenumbers.NumberParseException:
        return False
    return number.country_code == int(nationcode) and phonenumbers.is_valid_number(number)


def lenient_content(tpl_id: object, params: list[str]) -> str:
    """What a sandbox without that template sends in lenient mode: the id and the parameters."""
    return f"template {tpl_id}" + (": " + ", ".join(params) if params else "")
