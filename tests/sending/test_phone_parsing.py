"""Reading a number: the quick way for domestic mobile numbers in E.164 gives exactly what
``phonenumbers.parse`` gives, and the E.164 text a checked number remembers follows its digits."""

import random

import phonenumbers
import pytest

from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.sending.validation import CheckedNumber, _parsed, normalize_phone

FIELDS = (
    "country_code",
    "national_number",
    "extension",
    "italian_leading_zero",
    "number_of_leading_zeros",
    "raw_input",
    "country_code_source",
    "preferred_domestic_carrier_code",
)


def fields(number):
    return tuple(getattr(number, name) for name in FIELDS)


def test_every_domestic_prefix_reads_as_phonenumbers_reads_it():
    # Every 4-digit start of an 11-digit national number beginning with 1, carrier prefixes
    # (11xx, 12xx, 179x, which parse strips) included, with the lowest, highest and a random
    # rest.
    chance = random.Random(86)
    for start in range(1000, 2000):
        for rest in ("0000000", "9999999", f"{chance.randrange(10**7):07d}"):
            text = f"+86{start}{rest}"
            assert fields(_parsed(text, "CN")) == fields(
                CheckedNumber.from_string(text, region="CN")
            ), text


@pytest.mark.parametrize(
    "text",
    [
        "+86 138 1234 5678",
        "+861381234567",
        "+8613812345678 ",
        "+８６13812345678",
        "+86138123456789",
    ],
)
def test_anything_else_is_left_to_phonenumbers(text):
    try:
        expected = fields(CheckedNumber.from_string(text, region="CN"))
    except phonenumbers.NumberParseException:
        with pytest.raises(phonenumbers.NumberParseException):
            _parsed(text, "CN")
        return
    assert fields(_parsed(text, "CN")) == expected


def test_a_landline_and_an_unassigned_number_are_still_refused():
    with pytest.raises(InvalidMessage, match="landline"):
        normalize_phone("+861065529988", "CN")
    with pytest.raises(InvalidMessage, match="not a valid"):
        normalize_phone("+8610000000000", "CN")


def test_the_e164_text_follows_a_changed_number():
    number = normalize_phone("+8613812345678", "CN")
    assert number.as_e164 == "+8613812345678"
    number.national_number = 13912345678
    assert number.as_e164 == "+8613912345678"
    assert number.format_as(phonenumbers.PhoneNumberFormat.INTERNATIONAL) == "+86 139 1234 5678"
