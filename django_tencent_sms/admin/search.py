"""Finding rows by a phone number written any way a person writes one, for those who may."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext

from django_tencent_sms.admin.privacy import may_see_full_phone
from django_tencent_sms.conf import sms_settings

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.contrib.admin.views.main import ChangeList

    AdminBase = ModelAdmin[Any]
else:
    AdminBase = object

__all__ = ["PhoneSearchAdmin", "looks_like_phone", "looks_masked", "parse_phone", "phone_condition"]

PHONE_PUNCTUATION = re.compile(r"[\s\-().]")

#: A fragment shorter than this would match too much to be a search.
MIN_FRAGMENT_DIGITS = 3

#: A number as the lists show it masked (``+86 138 **** 5678``, ``138****5678``), copied into
#: the search box: its hidden digits cannot be searched for.
MASKED_NUMBER = re.compile(r"^\+?[\d\s\-().]*[*•]+[\d\s\-().*•]*$")


def looks_masked(term: str) -> bool:
    """Whether ``term`` is a masked number: digits and masks (``*``), with some digits."""
    term = term.strip()
    return bool(MASKED_NUMBER.match(term)) and sum(c.isdigit() for c in term) >= 2


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
    matches the numbers containing it. Only for people who may see whole numbers: searching
    ``13812``, then ``13813``… would reveal the masked digits one by one, and so would trying
    whole numbers (10,000 guesses unmask a 4-digit mask).
    """
    compact = PHONE_PUNCTUATION.sub("", term.strip())
    e164 = parse_phone(compact)
    if e164:
        return Q(**{field: e164})
    digits = compact.lstrip("+")
    if fragments and digits.isdigit() and len(digits) >= MIN_FRAGMENT_DIGITS:
        return Q(**{f"{field}__contains": digits})
    return None


def looks_like_phone(term: str) -> bool:
    """Whether ``term`` is (part of) a number, in any format: 3 or more digits and nothing else
    but the punctuation people write numbers with."""
    return phone_condition(term) is not None


class PhoneSearchAdmin(AdminBase):
    """A ``ModelAdmin`` mixin: searching by number only for who may see whole numbers.

    ``phone_search`` gives the phone filter for a search term to viewers with
    ``view_full_phone``; to anyone else it gives None and, when the term is a number, says why
    nothing matches it. Their changelist shows ``masked_search_help_text`` instead of
    ``search_help_text``.
    """

    #: The search box's help for viewers who see masked numbers (None keeps search_help_text).
    masked_search_help_text: Any = None

    def phone_search(self, request: HttpRequest, term: str) -> Q | None:
        full = may_see_full_phone(request, self.opts.app_label)
        if looks_masked(term):
            messages.warning(
                request,
                gettext(
                    "A masked number (with *) cannot be searched: its hidden digits are not "
                    "known. Search by the whole number or by digits you know (like 5678)."
                )
                if full
                else gettext(
                    "A masked number (with *) cannot be searched, and searching by phone number "
                    "needs the permission “Can see full phone numbers in the SMS log”."
                ),
                fail_silently=True,
            )
            return None
        if full:
            return phone_condition(term)
        if looks_like_phone(term):
            messages.warning(
                request,
                gettext(
                    "Searching by phone number needs the permission “Can see full phone "
                    "numbers in the SMS log”: where numbers are masked, a search by number "
                    "would reveal them."
                ),
                fail_silently=True,
            )
        return None

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        changelist = super().get_changelist_instance(request)
        if self.masked_search_help_text is not None and not may_see_full_phone(
            request, self.opts.app_label
        ):
            changelist.search_help_text = self.masked_search_help_text
        return changelist
