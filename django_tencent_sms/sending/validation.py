"""Checks applied to every message before it is logged or sent, whatever the backend."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import phonenumbers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.models import MAX_CONTENT_LENGTH
from django_tencent_sms.protocol.text import has_link, is_unsafe

__all__ = [
    "MAX_PARAMS",
    "MAX_TPL_ID",
    "check_ext",
    "check_extend",
    "check_length",
    "check_sign",
    "check_tpl_id",
    "check_verification_params",
    "normalize_params",
    "normalize_phone",
]

MAX_SIGN_LENGTH = 12
#: The most digits a parameter of a verification-code template may hold (Tencent refuses
#: anything but 0 to 6 digits: ``InvalidParameterValue.TemplateParameterFormatError``).
MAX_CODE_DIGITS = 6
_CODE_PARAM = re.compile(f"[0-9]{{0,{MAX_CODE_DIGITS}}}")
MAX_EXTEND_LENGTH = 32
#: The largest template ID the log's column holds on every database (a positive 32-bit integer).
MAX_TPL_ID = 2**31 - 1
#: The most placeholders a template Tencent accepts can hold: ``{1}`` to ``{9}`` take 3 of its
#: 450 characters each, ``{10}`` on 4. The limit for a template the site has no row for.
MAX_PARAMS = 9 + (MAX_CONTENT_LENGTH - 9 * 3) // 4

_NOT_MOBILE = frozenset({phonenumbers.PhoneNumberType.FIXED_LINE})


class CheckedNumber(PhoneNumber):
    """A ``PhoneNumber`` that ``normalize_phone`` found valid, and remembers it.

    ``phonenumbers`` finds a number valid by matching it against a dozen of its country's
    patterns; the model field does that again each time the number is stored or compared, and
    a bulk send stores thousands. The answer is kept with the digits it was found for: should
    the number be changed afterwards, ``is_valid`` asks ``phonenumbers`` again.
    """

    _checked: tuple[object, ...] | None = None

    def _digits(self) -> tuple[object, ...]:
        return (
            self.country_code,
            self.national_number,
            self.italian_leading_zero,
            self.number_of_leading_zeros,
        )

    def is_valid(self) -> bool:
        if self._checked is not None and self._checked == self._digits():
            return True
        return super().is_valid()

    def mark_valid(self) -> None:
        """Remember that the number, as it is now, is valid."""
        self._checked = self._digits()

    def format_as(self, format: int) -> str:
        # E.164 is what the log stores and the requests carry: worked out once per number.
        if format != phonenumbers.PhoneNumberFormat.E164 or self._checked != self._digits():
            return str(super().format_as(format))
        if self._e164 is None or self._e164[0] != self._checked:
            self._e164 = (self._checked, str(super().format_as(format)))
        return self._e164[1]

    _e164: tuple[tuple[object, ...], str] | None = None


#: Domestic mobile numbers as E.164 text, the form a bulk send's numbers usually come in.
_DOMESTIC_E164 = re.compile(r"\+86(1[0-9]{10})")


def _parsed(text: str, region: str) -> CheckedNumber:
    """``text`` parsed as ``CheckedNumber.from_string`` parses it (``NumberParseException``).

    A domestic mobile number in E.164 ("+8613812345678") is taken apart here, a tenth of the
    cost: ``phonenumbers.parse`` would give exactly these fields for it, unless the national
    number starts like one of China's carrier prefixes, which parse strips (then it parses)."""
    match = _DOMESTIC_E164.fullmatch(text)
    if match is None or _CARRIER_PREFIX.match(match[1]):
        return CheckedNumber.from_string(text, region=region)
    return CheckedNumber(
        country_code=86,
        national_number=int(match[1]),
        raw_input=text,
        country_code_source=phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_PLUS_SIGN,
    )


#: What ``phonenumbers.parse`` strips from the front of a Chinese national number.
_CARRIER_PREFIX = re.compile(
    getattr(phonenumbers.PhoneMetadata.metadata_for_region("CN"), "national_prefix_for_parsing", "")
    or "(?!)"
)


def normalize_phone(value: Any, region: str) -> PhoneNumber:
    """``value`` (E.164 text, a national number in ``region``, or a ``PhoneNumber``) as a valid
    ``PhoneNumber``; ``InvalidMessage(code="invalid_phone")`` otherwise."""
    number: CheckedNumber | None
    if isinstance(value, phonenumbers.PhoneNumber):
        number = CheckedNumber()
        number.merge_from(value)
    elif isinstance(value, str):
        try:
            number = _parsed(value.strip(), region)
        except phonenumbers.NumberParseException:
            number = None
    else:
        raise TypeError(f"phone must be a string or a PhoneNumber, not {type(value).__name__}")
    # One pass over the country's patterns: a number of no type (UNKNOWN) is exactly one
    # phonenumbers.is_valid_number refuses.
    kind = (
        phonenumbers.number_type(number)
        if number is not None
        else phonenumbers.PhoneNumberType.UNKNOWN
    )
    if number is None or kind == phonenumbers.PhoneNumberType.UNKNOWN:
        raise InvalidMessage(
            _("%(phone)s is not a valid phone number."),
            code="invalid_phone",
            params={"phone": value if isinstance(value, str) else str(value)},
        )
    number.mark_valid()
    if kind in _NOT_MOBILE:
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
        text = str(value)
        if any(is_unsafe(char) for char in text):
            raise InvalidMessage(
                _(
                    "Parameter %(index)d contains a control character (such as NUL or a line "
                    "break) or a broken character, which Tencent does not send."
                ),
                code="invalid_param",
                params={"index": index},
            )
        if has_link(text):
            raise InvalidMessage(
                _(
                    "Parameter %(index)d contains a link; Tencent refuses links in parameters "
                    "(put them in the template's text)."
                ),
                code="param_link",
                params={"index": index},
            )
        values.append(text)
    if expected is None and len(values) > MAX_PARAMS:
        raise InvalidMessage(
            _("A template takes at most %(max)d parameters, %(given)d given."),
            code="param_count",
            params={"max": MAX_PARAMS, "given": len(values)},
        )
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


def check_verification_params(values: Iterable[str]) -> None:
    """A verification-code template's parameters are 0 to 6 ASCII digits each (Tencent's rule
    for that template type)."""
    for index, value in enumerate(values, start=1):
        if not _CODE_PARAM.fullmatch(value):
            raise InvalidMessage(
                _(
                    "Parameter %(index)d of a verification-code template must be at most "
                    "%(max)d digits."
                ),
                code="verification_param",
                params={"index": index, "max": MAX_CODE_DIGITS},
            )


def check_length(text: str, sign: str) -> None:
    """Tencent refuses more than 450 characters per message, signature included."""
    length = len(text) + (len(sign) + 2 if sign else 0)
    if length > MAX_CONTENT_LENGTH:
        raise InvalidMessage(
            _("The message is %(length)d characters long; Tencent accepts at most %(max)d."),
            code="too_long",
            params={"length": length, "max": MAX_CONTENT_LENGTH},
        )


def check_tpl_id(tpl_id: int) -> None:
    """A Tencent template ID is a positive integer (and fits the log's column)."""
    if not 1 <= tpl_id <= MAX_TPL_ID:
        raise InvalidMessage(
            _("%(tpl_id)s is not a Tencent template ID: those are positive whole numbers."),
            code="invalid_tpl_id",
            params={"tpl_id": tpl_id},
        )


def check_sign(sign: str) -> None:
    """Tencent's signatures are 2 to 12 characters (result 1012 otherwise), without 【】 or
    control characters; empty uses the account's default signature."""
    if sign and (
        not 2 <= len(sign) <= MAX_SIGN_LENGTH
        or "【" in sign
        or "】" in sign
        or any(is_unsafe(char) for char in sign)
    ):
        raise InvalidMessage(
            _("The signature must be 2 to %(max)d characters long, without 【】."),
            code="invalid_sign",
            params={"max": MAX_SIGN_LENGTH},
        )


def check_extend(extend: Any) -> str:
    """The extend code as text: up to 32 ASCII digits, or empty; a whole number ``>= 0`` is
    taken as its digits."""
    if isinstance(extend, int) and not isinstance(extend, bool) and extend >= 0:
        extend = str(extend)
    if not isinstance(extend, str) or (
        extend and not (extend.isascii() and extend.isdigit() and len(extend) <= MAX_EXTEND_LENGTH)
    ):
        raise InvalidMessage(
            _("The extend code must be at most %(max)d digits."),
            code="invalid_extend",
            params={"max": MAX_EXTEND_LENGTH},
        )
    return extend


def check_ext(ext: Any) -> str:
    """The session context (``ext``) as text: anything a database can store, so not NUL or a
    broken character."""
    ext = str(ext)
    if any(char == "\0" or "\ud800" <= char <= "\udfff" for char in ext):
        raise InvalidMessage(
            _("The session context (ext) contains NUL or a broken character."),
            code="invalid_ext",
        )
    return ext
