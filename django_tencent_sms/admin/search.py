"""Finding rows by a phone number written any way a person writes one."""

from __future__ import annotations

import re

import phonenumbers
from django.db.models import Q

from django_tencent_sms.conf import sms_settings

__all__ = ["parse_phone", "phone_condition"]

PHONE_PUNCTUATION = re.compile(r"[\s\-().]")

#: A fragment shorter than this would match too much to be a search.
MIN_FRAGMENT_DIGITS = 3


def parse_phone(text: str) -> str | None:
    """``text`` as E.164 when it is a whole valid number (read in ``DEFAULT_REGION`` if it has
    no country code), else None."""
    try:
        number = phonenumbers.parse(text, sms_settings.DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_condition(term: str, field: str = "phone", *, fragments: bool = True) -> Q | None:
    """A filter on ``field`` for a search term, or None when the term is no phone number.

    A whole number (``138 1234 5678``, ``+86 138-1234-5678``, ``008613812345678``) is matched
    exactly, so the phone index is used; with ``fragments``, a fragment of digits (``5678``)
    matches the numbers containing it. Only offer fragments to people who may see whole
    numbers: searching ``13812``, then ``13813``… would reveal the masked digits one by one.
    """
    compact = PHONE_PUNCTUATION.sub("", term.strip())
    e164 = parse_phone(compact)
    if e164:
        return Q(**{field: e164})
    digits = compact.lstrip("+")
    if fragments and digits.isdigit() and len(digits) >= MIN_FRAGMENT_DIGITS:
        return Q(**{f"{field}__contains": digits})
    return None
