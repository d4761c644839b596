"""Verification codes in the admin: a read-only record of what was sent, never the code."""

from __future__ import annotations

import ipaddress
from datetime import datetime

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.admin.code_limits import AtLimitFilter, clear_limits
from django_tencent_sms.admin.display import status_badge
from django_tencent_sms.admin.paginator import CappedCountAdmin
from django_tencent_sms.admin.phones import PhoneColumnAdmin, timestamp
from django_tencent_sms.admin.privacy import (
    FilterLookupsOnly,
    PhoneSortingAdmin,
    may_see_full_phone,
)
from django_tencent_sms.admin.readonly import ReadOnlyAdmin
from django_tencent_sms.admin.search import PhoneSearchAdmin
from django_tencent_sms.masking import display_phone
from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import service as otp
from django_tencent_sms.otp.conf import OTP_DEFAULTS, usable_limit
from django_tencent_sms.otp.numbers import counted_ip

__all__ = ["CodeStatus", "VerificationCodeAdmin", "code_status"]

State = VerificationCode.State


def max_attempts() -> int:
    """The tries a code allows, as the pages show it (the default when the setting is bad)."""
    return usable_limit("MAX_ATTEMPTS") or OTP_DEFAULTS["MAX_ATTEMPTS"]


class CodeStatus:
    """Whether a code can still be used, and if not why, in the order ``check_code`` decides
    it. Each status is a label, an icon (so colour is not the only cue) and a filter."""

    USED = "used"
    FAILED = "failed"
    WITHHELD = "withheld"
    SUPERSEDED = "superseded"
    LOCKED = "locked"
    EXPIRED = "expired"
    PENDING = "pending"
    VALID = "valid"

    LABELS = {
        VALID: _("Valid"),
        USED: _("Used"),
        EXPIRED: _("Expired"),
        SUPERSEDED: _("Replaced by a newer code"),
        LOCKED: _("Too many tries"),
        FAILED: _("Not sent"),
        WITHHELD: _("Not sent: no account"),
        PENDING: _("Being sent"),
    }
    ICONS = {
        VALID: "✓",
        USED: "✓✓",
        EXPIRED: "◷",
        SUPERSEDED: "↻",
        LOCKED: "✗",
        FAILED: "✗",
        WITHHELD: "∅",
        PENDING: "…",
    }

    @classmethod
    def condition(cls, status: str, now: datetime, attempts: int) -> Q:
        """The rows with ``status`` at ``now``: the same decision as ``code_status``."""
        unused = Q(used_at__isnull=True)
        sent = unused & ~Q(state__in=[State.FAILED, State.WITHHELD])
        live = sent & Q(superseded_at__isnull=True)
        tries_left = live & Q(attempts__lt=attempts)
        unexpired = tries_left & Q(expires_at__gt=now)
        return {
            cls.USED: ~unused,
            cls.FAILED: unused & Q(state=State.FAILED),
            cls.WITHHELD: unused & Q(state=State.WITHHELD),
            cls.SUPERSEDED: sent & Q(superseded_at__isnull=False),
            cls.LOCKED: live & Q(attempts__gte=attempts),
            cls.EXPIRED: tries_left & Q(expires_at__lte=now),
            cls.PENDING: unexpired & Q(state=State.PENDING),
            cls.VALID: unexpired & Q(state__in=[State.SENT, State.UNKNOWN]),
        }[status]


def code_status(code: VerificationCode, now: datetime, attempts: int) -> str:
    """The ``CodeStatus`` of ``code`` at ``now`` when ``attempts`` tries are allowed."""
    if code.used_at is not None:
        return CodeStatus.USED
    if code.state == State.FAILED:
        return CodeStatus.FAILED
    if code.state == State.WITHHELD:
        return CodeStatus.WITHHELD
    if code.superseded_at is not None:
        return CodeStatus.SUPERSEDED
    if code.attempts >= attempts:
        return CodeStatus.LOCKED
    if code.expires_at <= now:
        return CodeStatus.EXPIRED
    if code.state == State.PENDING:
        return CodeStatus.PENDING
    return CodeStatus.VALID


class StatusFilter(admin.SimpleListFilter):
    """The one status filter: whether a code can still be used, and if not why. (Its sending
    state is part of it: "Being sent", "Not sent".)"""

    title = _("code status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(CodeStatus.LABELS.items())

    def queryset(self, request, queryset):
        status = self.value()
        if status is None or status not in CodeStatus.LABELS:
            return queryset
        return queryset.filter(CodeStatus.condition(status, otp.clock(), max_attempts()))


class PurposeFilter(admin.SimpleListFilter):
    """The purposes of the newest codes (one bounded query, not a ``DISTINCT`` over the
    whole table), plus the one chosen."""

    title = _("purpose")
    parameter_name = "purpose"
    #: How many of the newest codes are looked at for the purposes offered.
    sample_size = 1000

    def lookups(self, request, model_admin):
        recent = model_admin.get_queryset(request).order_by("-created_at")
        purposes = set(recent.values_list("purpose", flat=True)[: self.sample_size])
        if self.value():
            purposes.add(self.value())
        return [(purpose, purpose) for purpose in sorted(purposes)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(purpose=self.value())
        return queryset


class VerificationCodeAdmin(
    ReadOnlyAdmin,
    FilterLookupsOnly,
    PhoneSearchAdmin,
    PhoneColumnAdmin,
    PhoneSortingAdmin,
    CappedCountAdmin,
    admin.ModelAdmin,
):
    """A read-only record: nobody adds, edits or deletes codes here (``manage.py
    purge_verification_codes`` removes expired ones). The code's hash is shown nowhere, and
    numbers are masked. The changelist costs a constant number of queries at any size."""

    #: One status (the code's: usable until when, or why not), beside the SMS's in the log
    #: column; the times of use and replacement are on the detail page.
    list_display = [
        "created_time",
        "masked_phone",
        "purpose",
        "status_label",
        "attempts_label",
        "log_link",
    ]
    list_display_links = ["created_time"]
    list_filter = [StatusFilter, PurposeFilter, AtLimitFilter, "channel", "created_at"]
    # status, at_limit: StatusFilter, AtLimitFilter
    allowed_lookup_roots = ("status", "purpose", "at_limit", "channel", "created_at")
    list_select_related = ["log"]
    search_fields = ["phone"]  # the real search is get_search_results below
    search_help_text = _(
        "A phone number in any format, or a client IP address. Part of a number (like 5678) "
        "works for users allowed to see whole numbers."
    )
    masked_search_help_text = _(
        "A client IP address. Searching by phone number needs the permission to see whole numbers."
    )
    list_per_page = 100
    actions = [clear_limits]
    empty_value_display = "—"
    exclude = ["code_hash"]
    change_list_template = "admin/tencent_sms/verificationcode/change_list.html"

    code_fields = ("phone_number", "purpose", "channel", "status_label", "ip", "log_link")
    use_fields = ("created_time", "expires_time", "attempts_label", "used_time", "superseded_time")
    fieldsets = [
        (
            _("Code"),
            {
                "fields": code_fields,
                "description": _("Only a keyed hash of the code is stored, and it is never shown."),
            },
        ),
        (_("Use"), {"fields": use_fields}),
    ]
    readonly_fields = [*code_fields, *use_fields]

    class Media:
        css = {"all": ["tencent_sms/admin.css"]}

    # Changelist -------------------------------------------------------------------------

    def has_clear_limits_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.clear_code_limits")

    def get_search_results(self, request, queryset, search_term):
        """A client IP address exactly; for users allowed to see whole numbers, also a phone
        number written any way a person writes one (see ``PhoneSearchAdmin``); anything else
        matches nothing."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            address = str(ipaddress.ip_address(term))
        except ValueError:
            pass
        else:  # an IPv6 client is recorded by its network (OTP["IPV6_PREFIX"]), older rows not
            prefix = usable_limit("IPV6_PREFIX") or OTP_DEFAULTS["IPV6_PREFIX"]
            network = counted_ip(address, {"IPV6_PREFIX": prefix})
            return queryset.filter(Q(ip=address) | Q(ip=network)), False
        phone = self.phone_search(request, term)
        if phone is None:
            return queryset.none(), False
        return queryset.filter(phone), False

    @admin.display(description=_("created"), ordering="created_at")
    def created_time(self, code):
        return timestamp(code.created_at)

    @admin.display(description=_("expires"), ordering="expires_at")
    def expires_time(self, code):
        return timestamp(code.expires_at)

    @admin.display(description=_("used"))
    def used_time(self, code):
        return timestamp(code.used_at)

    @admin.display(description=_("superseded"))
    def superseded_time(self, code):
        return timestamp(code.superseded_at)

    @admin.display(description=_("code status"))
    def status_label(self, code):
        status = code_status(code, otp.clock(), max_attempts())
        until = ""
        if status in (CodeStatus.VALID, CodeStatus.PENDING):
            until = format_html(
                '<div class="tencent-sms-code-until">{}</div>',
                gettext("until %(time)s") % {"time": timestamp(code.expires_at)},
            )
        return format_html(
            '<span class="tencent-sms-status tencent-sms-code-{}">'
            '<span aria-hidden="true">{}</span> {}</span>{}',
            status,
            CodeStatus.ICONS[status],
            CodeStatus.LABELS[status],
            until,
        )

    @admin.display(description=_("attempts"), ordering="attempts")
    def attempts_label(self, code):
        return gettext("%(attempts)d of %(max)d") % {
            "attempts": code.attempts,
            "max": max_attempts(),
        }

    @admin.display(description=_("SMS sent"))
    def log_link(self, code):
        if code.log is None:
            return "—"
        url = reverse("admin:tencent_sms_smslog_change", args=[code.log_id])
        return format_html('<a href="{}">#{}</a> {}', url, code.log_id, status_badge(code.log))

    # Detail page ------------------------------------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        queryset = self.get_queryset(request).select_related("log")
        try:
            return queryset.get(pk=object_id)
        except (VerificationCode.DoesNotExist, ValueError, TypeError):
            return None

    @admin.display(description=_("phone"))
    def phone_number(self, code):
        return format_html(
            '{} <span class="help">({})</span>',
            display_phone(code.phone, full=False),
            gettext("masked"),
        )

    @admin.display(description=_("phone"))
    def full_phone_number(self, code):
        return display_phone(code.phone, full=True)

    def get_fieldsets(self, request, obj=None):
        """The whole number only for viewers who may see whole numbers (per request)."""
        if not may_see_full_phone(request, self.opts.app_label):
            return self.fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": [
                        "full_phone_number" if f == "phone_number" else f for f in options["fields"]
                    ],
                },
            )
            for name, options in self.fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        return [f for _name, options in self.get_fieldsets(request, obj) for f in options["fields"]]
