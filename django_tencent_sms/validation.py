"""Phone numbers as this app accepts them: the public validators for forms and other packages.

    from django_tencent_sms.validation import normalize_phone, validate_phone

    number = normalize_phone("138 0013 8000")              # PhoneNumber, +8613800138000
    number = normalize_phone(text, for_codes=True)         # and may it receive codes?
    phone = forms.CharField(validators=[validate_phone])   # a form field that says why not

``normalize_phone`` is the check every message gets before it is logged or sent: a valid number
(national numbers read in ``TENCENT_SMS["DEFAULT_REGION"]`` unless ``region`` is given), and
not a landline. With ``for_codes=True`` it also applies the verification-code rules,
``OTP["ALLOWED_REGIONS"]`` and ``OTP["NUMBER_TYPES"]`` (premium-rate, VoIP and the like are
refused), exactly as ``otp.send_code`` does. Every refusal is a ``ValidationError`` with a
stable ``code``: ``invalid_phone`` (``InvalidMessage``), ``region_not_allowed`` or
``number_type`` (``CodeRequestRefused``), and a translated message for the person.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.otp.conf import otp_settings
from django_tencent_sms.otp.numbers import allowed_number
from django_tencent_sms.sending import validation

__all__ = ["normalize_phone", "validate_code_phone", "validate_phone"]

#: What a value that is not a number at all is told (no text of it repeated back).
NOT_A_NUMBER = _("Enter a valid mobile phone number, with its country code.")

#: The longest text looked at: E.164 numbers have at most 15 digits, so anything far longer is
#: refused before a parser spends time on it.
MAX_INPUT = 64


def normalize_phone(
    value: Any, region: str | None = None, *, for_codes: bool = False
) -> PhoneNumber:
    """``value`` (text or a ``PhoneNumber``) as a valid mobile ``PhoneNumber``, or a
    ``ValidationError`` (``InvalidMessage`` or ``CodeRequestRefused``) saying why not."""
    if value is None or (isinstance(value, str) and (len(value) > MAX_INPUT or "\0" in value)):
        raise InvalidMessage(str(NOT_A_NUMBER), code="invalid_phone")
    if not isinstance(value, (str, PhoneNumber)):
        raise TypeError(f"phone must be a string or a PhoneNumber, not {type(value).__name__}")
    if for_codes:
        return allowed_number(value, otp_settings(), region=region)
    return validation.normalize_phone(value, region or sms_settings.DEFAULT_REGION)


def validate_phone(value: Any) -> None:
    """A form or model field validator: ``normalize_phone(value)`` must succeed."""
    check(value, for_codes=False)


def validate_code_phone(value: Any) -> None:
    """A validator for numbers that are to receive codes (``for_codes=True``)."""
    check(value, for_codes=True)


def check(value: Any, *, for_codes: bool) -> None:
    try:
        normalize_phone(value, for_codes=for_codes)
    except TypeError as exc:
        raise ValidationError(NOT_A_NUMBER, code="invalid_phone") from exc
