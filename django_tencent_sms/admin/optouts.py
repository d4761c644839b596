"""The opt-out list in the admin: staff see it, add a number and take one off, on record."""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.account.optouts import as_e164, opt_out
from django_tencent_sms.admin.paginator import CappedCountAdmin
from django_tencent_sms.admin.phones import PhoneColumnAdmin
from django_tencent_sms.admin.privacy import FilterLookupsOnly, may_see_full_phone
from django_tencent_sms.admin.search import PhoneSearchAdmin, looks_like_phone
from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.masking import display_phone, mask_phone
from django_tencent_sms.models import SmsOptOut

__all__ = ["OptOutAddForm", "SmsOptOutAdmin"]

logger = logging.getLogger("django_tencent_sms")


class OptOutAddForm(forms.ModelForm):
    """A number written any way a person writes one, and a note. Whether the number was on
    the list already is not said: the answer is the same either way, so the form cannot be
    used to test numbers by someone who may not see them."""

    number = forms.CharField(
        label=pgettext_lazy("SMS", "Phone number"),
        max_length=32,
        help_text=_(
            "With its country code (+86 138 0013 8000), or a number of the default region."
        ),
    )

    class Meta:
        model = SmsOptOut
        fields = ["note"]
        help_texts = {"note": _("Why, for the record: the person's request by phone, say.")}

    def clean_number(self) -> str:
        try:
            return as_e164(self.cleaned_data["number"])
        except InvalidMessage:
            raise forms.ValidationError(
                gettext("This is not a valid phone number."), code="invalid_phone"
            ) from None


class SmsOptOutAdmin(
    FilterLookupsOnly, PhoneSearchAdmin, PhoneColumnAdmin, CappedCountAdmin, admin.ModelAdmin
):
    """Entries are added (``add_smsoptout``) and deleted (``delete_smsoptout``), never edited;
    both are written to the admin log, with the number masked. Numbers are masked unless the
    viewer may see whole numbers (``view_full_phone``), and only such viewers search by
    number, as on the send log."""

    list_display = ["created_at", "masked_phone", "source", "reply_text", "added_by", "note"]
    list_display_links = ["created_at"]
    list_filter = ["source", "created_at"]
    allowed_lookup_roots = ("source", "created_at")
    list_select_related = ["reply", "added_by"]
    search_fields = ["phone"]  # the real search is get_search_results below
    search_help_text = _(
        "A phone number in any format, or words of the note. Part of a number (like 5678) "
        "works for users allowed to see whole numbers."
    )
    masked_search_help_text = _(
        "Words of the note. Searching by phone number needs the permission to see whole numbers."
    )
    list_per_page = 100
    empty_value_display = "—"
    fields = ["phone_number", "source", "created_at", "reply_link", "added_by", "note"]

    class Media:
        css = {"all": ["tencent_sms/admin.css"]}

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an opt-out is a person's request: added or removed, never rewritten

    # Changelist -------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        """A number (for viewers who may see whole numbers), else words of the note; a
        number never matches the note for others."""
        term = search_term.strip()
        if not term:
            return queryset, False
        phone = self.phone_search(request, term)
        if phone is not None:
            return queryset.filter(phone), False
        if looks_like_phone(term):
            return queryset.none(), False
        return queryset.filter(note__icontains=term), False

    @admin.display(description=_("reply"))
    def reply_text(self, entry):
        return Truncator(entry.reply.text).chars(40) if entry.reply is not None else None

    # Detail and add pages -----------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OptOutAddForm
            kwargs["fields"] = ["number", "note"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["number", "note"]
        if not may_see_full_phone(request, self.opts.app_label):
            return self.fields
        return ["full_phone_number" if f == "phone_number" else f for f in self.fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    @admin.display(description=_("phone"))
    def full_phone_number(self, entry):
        return display_phone(entry.phone, full=True)

    @admin.display(description=_("phone"))
    def phone_number(self, entry):
        return format_html(
            '{} <span class="help">({})</span>',
            display_phone(entry.phone, full=False),
            gettext(
                "masked: seeing whole numbers needs the permission "
                "“Can see full phone numbers in the SMS log”"
            ),
        )

    @admin.display(description=_("reply"))
    def reply_link(self, entry):
        if entry.reply is None:
            return None
        url = reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_smsreply_change", args=[entry.reply.pk]
        )
        return format_html('<a href="{}">{}</a>', url, Truncator(entry.reply.text).chars(80))

    def save_model(self, request, obj, form, change):
        """Through ``opt_out``, so a new entry is signalled like any other; a number already
        listed keeps its entry, which this page then shows."""
        entry, created = opt_out(
            form.cleaned_data["number"],
            source=SmsOptOut.Source.STAFF,
            user=request.user,
            note=form.cleaned_data.get("note", ""),
        )
        obj.pk, obj.phone, obj.source, obj.created_at = (
            entry.pk,
            entry.phone,
            entry.source,
            entry.created_at,
        )
        obj.added_by_id, obj.reply_id, obj.note = entry.added_by_id, entry.reply_id, entry.note
        obj.opt_out_created = created

    def log_addition(self, request, obj, message):
        if getattr(obj, "opt_out_created", True):  # a number listed already was not added now
            return super().log_addition(request, obj, message)
        return None

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        logger.info("%s was taken off the opt-out list in the admin", mask_phone(obj.phone))

    def delete_queryset(self, request, queryset):
        phones = [mask_phone(p) for p in queryset.values_list("phone", flat=True)]
        super().delete_queryset(request, queryset)
        for phone in phones:
            logger.info("%s was taken off the opt-out list in the admin", phone)
