"""Replies (MO) in the admin: a read-only record of what people sent back."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.admin.paginator import CappedCountAdmin
from django_tencent_sms.admin.phones import PhoneColumnAdmin
from django_tencent_sms.admin.privacy import (
    FilterLookupsOnly,
    PhoneSortingAdmin,
    may_see_full_phone,
)
from django_tencent_sms.admin.readonly import ReadOnlyAdmin
from django_tencent_sms.admin.search import PhoneSearchAdmin, looks_like_phone
from django_tencent_sms.masking import display_phone

__all__ = ["SmsReplyAdmin"]


class SmsReplyAdmin(
    ReadOnlyAdmin,
    FilterLookupsOnly,
    PhoneSearchAdmin,
    PhoneColumnAdmin,
    PhoneSortingAdmin,
    CappedCountAdmin,
    admin.ModelAdmin,
):
    """Stored by Tencent's reply callback or ``manage.py tencent_sms_pull_status``; nobody adds,
    edits or deletes replies here. Numbers are masked unless the viewer may see whole numbers
    (``tencent_sms.view_full_phone``, as in the send log). The changelist costs a constant
    number of queries at any size."""

    list_display = ["replied_at", "masked_phone", "short_text", "sign", "extend", "received_at"]
    list_display_links = ["replied_at"]
    list_filter = ["replied_at"]
    allowed_lookup_roots = ("replied_at",)
    search_fields = ["phone"]  # the real search is get_search_results below
    search_help_text = _(
        "A phone number in any format, or words of the reply. Part of a number (like 5678) "
        "works for users allowed to see whole numbers."
    )
    masked_search_help_text = _(
        "Words of the reply. Searching by phone number needs the permission to see whole numbers."
    )
    list_per_page = 100
    actions = None
    empty_value_display = "—"
    fields = ["phone_number", "text", "sign", "extend", "replied_at", "received_at"]

    class Media:
        css = {"all": ["tencent_sms/admin.css"]}

    def has_full_phone_permission(self, request: HttpRequest) -> bool:
        return may_see_full_phone(request, self.opts.app_label)

    # Changelist -------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        """For users allowed to see whole numbers, a phone number written any way a person
        writes one (see ``PhoneSearchAdmin``); for anyone, words of the reply. A number never
        matches the text for others: it would find the rows a number search may not."""
        term = search_term.strip()
        if not term:
            return queryset, False
        phone = self.phone_search(request, term)
        if phone is not None:
            return queryset.filter(phone), False
        if looks_like_phone(term):
            return queryset.none(), False
        return queryset.filter(text__icontains=term), False

    @admin.display(description=_("text"))
    def short_text(self, reply):
        return Truncator(reply.text).chars(80)

    # Detail page ------------------------------------------------------------------------

    def get_fields(self, request, obj=None):
        """The whole number only for viewers with ``view_full_phone`` (decided per request:
        the admin instance is shared between threads)."""
        if not self.has_full_phone_permission(request):
            return self.fields
        return ["full_phone_number" if f == "phone_number" else f for f in self.fields]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("phone"))
    def full_phone_number(self, reply):
        return display_phone(reply.phone, full=True)

    @admin.display(description=_("phone"))
    def phone_number(self, reply):
        return format_html(
            '{} <span class="help">({})</span>',
            display_phone(reply.phone, full=False),
            gettext(
                "masked: seeing whole numbers needs the permission "
                "“Can see full phone numbers in the SMS log”"
            ),
        )
