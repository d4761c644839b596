"""Checks applied to every message before it is logged or sent, whatever the backend."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import phonenumbers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.models import MAX_CONTENT_LENGTH

__all__ = [
    "check_extend",
    "check_length",
    "check_sign",
    "normalize_params",
    "normalize_phone",
]

MAX_SIGN_LENGTH = 12
MAX_EXTEND_LENGTH = 32

_NOT_MOBILE = frozenset({phonenumbers.PhoneNumberType.FIXED_LINE})


def normalize_phone(value: Any, region: str) -> PhoneNumber:
    """``value`` (E.164 text, a national number in ``region``, or a ``PhoneNumber``) as a valid
    ``PhoneNumber``; ``InvalidMessage(code="invalid_phone")`` otherwise."""
    if isinstance(value, phonenumbers.PhoneNumber):
        number = PhoneNumber()
        number.merge_from(value)
    elif isinstance(value, str):
        try:
            number = PhoneNumber.from_string(value.strip(), region=region)
        except phonenumbers.NumberParseException:
            number = None
    else:
        raise TypeError(f"phone must be a string or a PhoneNumber, not {type(value).__name__}")
    if number is None or not number.is_valid():
        raise InvalidMessage(
            _("%(phone)s is not a valid phone number."),
            code="invalid_phone",
            params={"phone": value if isinstance(value, str) else str(value)},
        )
    if phonenumbers.number_type(number) in _NOT_MOBILE:
        raise InvalidMessage(
            _("%(phone)s is a landline number and cannot receive SMS."),
            code="invalid_phone",
            params={"phone": number.as_e164},
        )
    return number


def normalize_params(
    params: Iterable[Any], *, expected: int | None, max_length: int | None
) -> tuple[str, ...]:
    """Parameters as strings, checked against the template's count and Tencent's length limit."""
    if isinstance(params, (str, bytes)):
        raise TypeError("params must be a list of values, not a single string")
    values: list[str] = []
    for index, value in enumerate(params, start=1):
        if value is None or isinstance(value, bytes):
            raise InvalidMessage(
                _("Parameter %(index)d is empty."), code="invalid_param", params={"index": index}
            )
        values.append(str(value))
    if expected is not None and len(values) != expected:
        raise InvalidMessage(
            ngettext(
                "The template takes %(expected)d parameter, %(given)d given.",
                "The template takes %(expected)d parameters, %(given)d given.",
                expected,
            ),
            code="param_count",
            params={"expected": expected, "given": len(values)},
        )
    if max_length is not None:
        for index, value in enumerate(values, start=1):
            if len(value) > max_length:
                raise InvalidMessage(
                    _("Parameter %(index)d is longer than %(max)d characters."),
                    code="param_too_long",
                    params={"index": index, "max": max_length},
                )
    return tuple(values)


def check_length(text: str, sign: str) -> None:
    """Tencent refuses more than 450 characters per message, signature included."""
    length = len(text) + (len(sign) + 2 if sign else 0)
    if length > MAX_CONTENT_LENGTH:
        raise InvalidMessage(
            _("The message is %(length)d characters long; Tencent accepts at most %(max)d."),
            code="too_long",
            params={"length": length, "max": MAX_CONTENT_LENGTH},
        )


def check_sign(sign: str) -> None:
    """Tencent's signatures are 2 to 12 characters (result 1012 otherwise); empty uses the
    account's default signature."""
    if sign and not 2 <= len(sign) <= MAX_SIGN_LENGTH:
        raise InvalidMessage(
            _("The signature must be 2 to %(max)d characters long, without 【】."),
            code="invalid_sign",
            params={"max": MAX_SIGN_LENGTH},
        )


def check_extend(extend: str) -> None:
    if extend and not (extend.isascii() and extend.isdigit() and len(extend) <= MAX_EXTEND_LENGTH):
        raise InvalidMessage(
            _("The extend code must be at most %(max)d digits."),
            code="invalid_extend",
            params={"max": MAX_EXTEND_LENGTH},
        )
