"""What the send log's detail page shows of a message: its times, number, content, resends."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.admin.display import result_meaning
from django_tencent_sms.admin.phones import EMPTY, timestamp
from django_tencent_sms.masking import display_phone
from django_tencent_sms.models import SmsLog
from django_tencent_sms.result_codes import lookup
from django_tencent_sms.sending.content import is_verification
from django_tencent_sms.wording import format_duration

__all__ = ["HIDDEN_CODE", "LogDetailFields"]

HIDDEN_CODE = "••••••"


class LogDetailFields:
    """The read-only fields of ``SmsLogAdmin``'s detail page that are not model fields."""

    @admin.display(description=_("taken by a worker"))
    def claimed_time(self, log):
        return timestamp(log.claimed_at)

    @admin.display(description=_("finished"))
    def finished_time(self, log):
        return timestamp(log.finished_at)

    @admin.display(description=_("report received"))
    def reported_time(self, log):
        return timestamp(log.reported_at)

    @admin.display(description=_("duration"))
    def duration_label(self, log):
        return EMPTY if log.duration is None else format_duration(log.duration)

    @admin.display(description=_("carrier's report"))
    def carrier_report(self, log):
        if log.reported_at is None:
            return gettext("No delivery report yet.")
        return format_html(
            "<code>{}</code> {}",
            log.report_code or "—",
            log.report_description,
        )

    @admin.display(description=_("received by the phone"))
    def received_by_phone(self, log):
        if log.delivered_at is None:
            return "—"
        when = timestamp(log.delivered_at)
        if log.status == SmsLog.Status.UNDELIVERED:
            return gettext("Not received: the carrier reported the failure at %(time)s.") % {
                "time": when
            }
        return when

    @admin.display(description=_("phone"))
    def full_phone_number(self, log):
        return display_phone(log.phone, full=True)

    @admin.display(description=_("phone"))
    def phone_number(self, log):
        return format_html(
            '{} <span class="help">({})</span>',
            display_phone(log.phone, full=False),
            gettext(
                "masked: seeing whole numbers needs the permission "
                "“Can see full phone numbers in the SMS log”"
            ),
        )

    @admin.display(description=_("template"))
    def template_link(self, log):
        if log.channel == SmsLog.Channel.VOICE:
            return gettext("(a voice call reading a code: no template)")
        if log.template is None:
            return gettext("(no template row: sent by ID)")
        url = reverse("admin:tencent_sms_smstemplate_change", args=[log.template_id])
        return format_html('<a href="{}">{}</a>', url, log.template.name)

    @admin.display(description=_("parameters"))
    def parameters(self, log):
        if not log.params:
            return "—"
        if is_verification(log):
            return format_html(
                '{} <span class="help">({})</span>',
                HIDDEN_CODE,
                gettext("verification codes are never shown"),
            )
        return format_html_join(
            " ", '<code class="tencent-sms-param">{{{}}} = {}</code>', enumerate(log.params, 1)
        )

    @admin.display(description=_("text"))
    def text_preview(self, log):
        if log.template is None or is_verification(log):
            return "—"
        try:
            text = log.template.render([str(p) for p in log.params])
        except IndexError:
            return "—"
        return f"【{log.sign}】{text}" if log.sign else text

    @admin.display(description=_("Tencent result"))
    def result_detail(self, log):
        if log.result is None:
            return "—"
        info = lookup(log.result)
        hint = gettext(info.hint) if log.result and info.hint else ""
        return format_html(
            "<strong>{}</strong> {}{}",
            log.result,
            result_meaning(log.result),
            format_html('<div class="help">{}</div>', hint) if hint else "",
        )

    @admin.display(description=_("resend of"))
    def resend_of_link(self, log):
        if log.resend_of is None:
            return "—"
        url = reverse("admin:tencent_sms_smslog_change", args=[log.resend_of_id])
        return format_html('<a href="{}">{}</a>', url, log.resend_of)

    @admin.display(description=_("resent as"))
    def resends_list(self, log):
        resends = list(log.resends.order_by("created_at", "id")[:50])
        if not resends:
            return "—"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:tencent_sms_smslog_change", args=[r.pk]), f"#{r.pk}")
                for r in resends
            ),
        )
