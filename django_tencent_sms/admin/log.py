"""The send log in the admin: read-only history, searchable by any way a person writes a number."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.admin.dashboard import dashboard_view
from django_tencent_sms.admin.display import format_elapsed, result_meaning, status_badge
from django_tencent_sms.admin.log_detail import LogDetailFields
from django_tencent_sms.admin.paginator import CappedCountAdmin
from django_tencent_sms.admin.per_number import ask_tencent_view, may_ask_tencent
from django_tencent_sms.admin.phones import EMPTY, PhoneColumnAdmin, timestamp
from django_tencent_sms.admin.privacy import (
    FilterLookupsOnly,
    PhoneSortingAdmin,
    may_see_full_phone,
)
from django_tencent_sms.admin.readonly import ReadOnlyAdmin
from django_tencent_sms.admin.resend import (
    MAX_RESEND,
    confirmation,
    resend_and_report,
    resend_blocker,
    take_token,
)
from django_tencent_sms.admin.routes import admin_path
from django_tencent_sms.admin.search import PhoneSearchAdmin
from django_tencent_sms.admin.stale import StaleFilter, stale_mark
from django_tencent_sms.models import SmsLog

__all__ = ["SmsLogAdmin", "TemplateFilter"]

#: The template column of a voice-code call, which has none.
VOICE_MARK = _("☎ voice code")


class TemplateFilter(admin.RelatedFieldListFilter):
    """The template filter, whose entry for rows without a template row says what they are."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_value_display = escape(gettext("(no template row: by ID, or a voice call)"))


class SmsLogAdmin(
    LogDetailFields,
    ReadOnlyAdmin,
    FilterLookupsOnly,
    PhoneSearchAdmin,
    PhoneColumnAdmin,
    PhoneSortingAdmin,
    CappedCountAdmin,
    admin.ModelAdmin,
):
    """History is evidence: nothing is added or edited here, and deleting takes its own
    permission (``purge_smslog``). The changelist costs a constant number of queries at any
    size: it never counts more than ``count_limit`` rows (see ``CappedCountPaginator``)."""

    #: What fits a 1280 px screen beside the filters: the channel shows in the template column
    #: (a voice call has none), the delivery time under a delivered status.
    list_display = [
        "created_time",
        "masked_phone",
        "template_label",
        "status_label",
        "result_label",
        "sid",
        "fee",
    ]
    list_display_links = ["created_time"]
    list_filter = ["status", StaleFilter, "channel", ("template", TemplateFilter), "created_at"]
    allowed_lookup_roots = ("status", "stuck", "channel", "template", "created_at")
    list_select_related = ["template"]
    search_fields = ["sid"]  # the real search is get_search_results below
    search_help_text = _(
        "A phone number in any format, or a Tencent sid. Part of a number (like 5678) works "
        "for users allowed to see whole numbers."
    )
    masked_search_help_text = _(
        "A Tencent sid. Searching by phone number needs the permission to see whole numbers."
    )
    date_hierarchy = "created_at"
    list_per_page = 100
    empty_value_display = EMPTY
    sum_field = "fee"  # the changelist totals the fees of up to count_limit rows
    actions = ["resend_selected"]
    change_list_template = "admin/tencent_sms/smslog/change_list.html"
    change_form_template = "admin/tencent_sms/smslog/change_form.html"

    fieldsets = [
        (
            _("Message"),
            {
                "fields": [
                    "phone_number",
                    "channel",
                    "template_link",
                    "tpl_id",
                    "parameters",
                    "text_preview",
                    "sign",
                    "ext",
                    "extend",
                ]
            },
        ),
        (
            _("Outcome"),
            {
                "fields": [
                    "status_label",
                    "result_detail",
                    "errmsg",
                    "sid",
                    "fee",
                    "backend",
                    "created_time",
                    "claimed_time",
                    "finished_time",
                    "duration_label",
                ]
            },
        ),
        (
            _("Delivery report"),
            {
                "fields": [
                    "carrier_report",
                    "received_by_phone",
                    "delivered_in",
                    "reported_time",
                ]
            },
        ),
        (_("Resends"), {"fields": ["resend_of_link", "resent_by", "resends_list"]}),
    ]

    class Media:
        css = {"all": ["tencent_sms/admin.css"]}

    # Permissions: read-only, but rows may be deleted one by one with purge_smslog ---------

    def has_delete_permission(self, request: HttpRequest, obj: SmsLog | None = None) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.purge_smslog")

    def has_resend_permission(self, request: HttpRequest, obj: SmsLog | None = None) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.resend_smslog")

    def has_full_phone_permission(self, request: HttpRequest) -> bool:
        return may_see_full_phone(request, self.opts.app_label)

    # Changelist -------------------------------------------------------------------------

    def get_search_results(self, request, queryset, search_term):
        """Exact sid; for users allowed to see whole numbers, also a phone number written any
        way a person writes one, or a fragment of digits (see ``PhoneSearchAdmin``)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q(sid=term)
        phone = self.phone_search(request, term)
        if phone is not None:
            condition |= phone
        return queryset.filter(condition), False

    @admin.display(description=_("created"), ordering="created_at")
    def created_time(self, log):
        return timestamp(log.created_at)

    @admin.display(description=_("template"), ordering="tpl_id")
    def template_label(self, log):
        if log.channel == SmsLog.Channel.VOICE:
            return VOICE_MARK
        return log.template.name if log.template is not None else f"#{log.tpl_id}"

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, log):
        delivered = self.delivered_in(log)
        return format_html(
            "{}{}{}",
            status_badge(log),
            stale_mark(log),
            format_html(
                '<div class="tencent-sms-delivered-in">{}</div>',
                gettext("reached the phone in %(elapsed)s") % {"elapsed": delivered},
            )
            if delivered != EMPTY
            else "",
        )

    @admin.display(description=pgettext_lazy("Tencent", "result"), ordering="result")
    def result_label(self, log):
        if log.result is None:
            return "—"
        return format_html(
            '<span class="tencent-sms-result" title="{}">{}</span>',
            result_meaning(log.result),
            log.result,
        )

    @admin.display(description=_("delivered in"))
    def delivered_in(self, log):
        """How long the message took to reach the phone: from the log's creation to the
        delivery report's ``user_receive_time``; only for delivered messages."""
        if log.status != SmsLog.Status.DELIVERED or log.delivered_at is None:
            return "—"
        return format_elapsed(log.delivered_at - log.created_at)

    # Detail page ------------------------------------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        queryset = self.get_queryset(request).select_related("template", "resend_of", "resent_by")
        try:
            return queryset.get(pk=object_id)
        except (SmsLog.DoesNotExist, ValueError, TypeError):
            return None

    def render_change_form(self, request, context, *args, **kwargs):
        log = context.get("original")
        context["has_resend_permission"] = (
            self.has_resend_permission(request) and log is not None and resend_blocker(log) is None
        )
        context["may_ask_tencent"] = may_ask_tencent(self, request)
        return super().render_change_form(request, context, *args, **kwargs)

    def get_fieldsets(self, request, obj=None):
        """The phone field shown depends on the viewer's ``view_full_phone`` permission.

        Decided here, per request: display methods get no request, and the admin instance is
        shared between threads, so nothing request-specific may be stored on it."""
        if not self.has_full_phone_permission(request):
            return self.fieldsets
        return [
            (name, {**options, "fields": [self._unmasked(f) for f in options["fields"]]})
            for name, options in self.fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        return [
            field
            for _name, options in self.get_fieldsets(request, obj)
            for field in options["fields"]
        ]

    @staticmethod
    def _unmasked(field):
        return "full_phone_number" if field == "phone_number" else field

    # Resend -----------------------------------------------------------------------------

    def get_urls(self):
        return [
            admin_path(self, "dashboard/", self.dashboard_view, "dashboard"),
            admin_path(self, "<path:object_id>/resend/", self.resend_view, "resend"),
            admin_path(self, "<path:object_id>/ask-tencent/", self.ask_tencent_view, "ask_tencent"),
            *super().get_urls(),
        ]

    def ask_tencent_view(self, request, object_id):
        return ask_tencent_view(self, request, object_id)

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return dashboard_view(self, request)

    @admin.action(permissions=["resend"], description=_("Resend selected messages"))
    def resend_selected(self, request, queryset):
        logs = list(queryset.select_related("template")[: MAX_RESEND + 1])
        if len(logs) > MAX_RESEND:
            self.message_user(
                request,
                gettext("Select at most %(max)d messages to resend at once.") % {"max": MAX_RESEND},
                level="error",
            )
            return None
        if request.POST.get("post") == "yes":
            if take_token(self, request):
                resend_and_report(self, request, logs)
            return None
        return confirmation(self, request, logs, action=True)

    def resend_view(self, request, object_id):
        if not (self.has_view_permission(request) and self.has_resend_permission(request)):
            raise PermissionDenied
        log = self.get_object(request, object_id)
        if log is None:
            raise Http404
        if request.method != "POST":
            return confirmation(self, request, [log], action=False)
        target = log
        if take_token(self, request):
            target = next(iter(resend_and_report(self, request, [log])), log)
        return HttpResponseRedirect(reverse("admin:tencent_sms_smslog_change", args=[target.pk]))

    def get_actions(self, request, action_location=None):
        # Deleting a selection would load and list every row ("select all" on millions):
        # retention is purge_sms_logs' job; single rows can still be deleted with permission.
        # (action_location: Django 6.1 and later pass it.)
        extra = {} if action_location is None else {"action_location": action_location}
        actions = super().get_actions(request, **extra)
        actions.pop("delete_selected", None)
        return actions
