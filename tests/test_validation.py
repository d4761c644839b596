"""The public phone validators, ``django_tencent_sms.validation``: what a form or another package
(``contrib.allauth``) gets for each kind of number."""

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from django_tencent_sms.validation import normalize_phone, validate_code_phone, validate_phone


def example(region, kind):
    number = phonenumbers.example_number_for_type(region, kind)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_a_national_number_is_read_in_the_default_region_and_given_as_e164(settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "DEFAULT_REGION": "CN"}
    assert normalize_phone("138 1234 5678").as_e164 == "+8613812345678"
    assert normalize_phone("(202) 555-0123", "US").as_e164 == "+12025550123"


@pytest.mark.parametrize(
    "value", ["", "12", "+861065529988", "+" + "8" * 5000, "+86138\x0012345678", "电话"]
)
def test_what_cannot_receive_sms_is_invalid_phone(value):
    with pytest.raises(ValidationError) as info:
        normalize_phone(value)
    assert info.value.code == "invalid_phone"
    with pytest.raises(ValidationError):
        validate_phone(value)


def test_something_that_is_not_text_is_a_validation_error_for_a_form():
    with pytest.raises(ValidationError) as info:
        validate_phone(13812345678)
    assert info.value.code == "invalid_phone"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (example("GB", phonenumbers.PhoneNumberType.PREMIUM_RATE), "number_type"),
        (example("GB", phonenumbers.PhoneNumberType.VOIP), "number_type"),
        (example("US", phonenumbers.PhoneNumberType.MOBILE), "region_not_allowed"),
    ],
)
def test_for_codes_applies_the_code_rules(settings, value, code):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OTP": {"ALLOWED_REGIONS": ["CN", "GB"]}}
    if code == "number_type":
        assert normalize_phone(value).as_e164 == value  # a valid number, for other messages
    with pytest.raises(ValidationError) as info:
        validate_code_phone(value)
    assert info.value.code == code
    assert normalize_phone("+8613812345678", for_codes=True).as_e164 == "+8613812345678"


def test_the_message_is_translated():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        normalize_phone("+" + "8" * 100)
    assert info.value.messages == ["请输入有效的手机号码，包括国家或地区代码。"]
