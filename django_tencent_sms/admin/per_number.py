""" "Ask Tencent about this number" on a send log's page: the number's records, beside the log.

A POST (with CSRF) from the log's page, for staff who may view logs and see whole numbers
(``view_full_phone``: the records name the number and every message it got). It asks Tencent
for the number's delivery reports over the week around the log (as much of it as Tencent still
keeps), applies those whose sid a log has exactly as a callback would (``reports.apply``), and
shows them, the log's own marked. Tencent refusing or not answering is a message, never a 500.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from django_tencent_sms.account.per_number import lookup_number, oldest_reachable
from django_tencent_sms.account.reconcile import reconcile_log
from django_tencent_sms.admin.phones import timestamp
from django_tencent_sms.admin.privacy import may_see_full_phone
from django_tencent_sms.backends import get_backend
from django_tencent_sms.exceptions import SmsError
from django_tencent_sms.masking import display_phone
from django_tencent_sms.models import SmsLog
from django_tencent_sms.protocol.reports import DeliveryReport
from django_tencent_sms.reports.apply import apply_delivery_reports

__all__ = ["BEFORE", "SPAN", "ask_tencent_view", "may_ask_tencent"]

#: The window asked about: from a day before the log, a week long.
BEFORE = timedelta(days=1)
SPAN = timedelta(days=7)


def may_ask_tencent(model_admin: Any, request: HttpRequest) -> bool:
    """View permission on the log, and ``view_full_phone``."""
    return model_admin.has_view_permission(request) and may_see_full_phone(
        request, model_admin.opts.app_label
    )


def _back(log: SmsLog, text: str, request: HttpRequest) -> HttpResponseRedirect:
    messages.error(request, text)
    return HttpResponseRedirect(reverse("admin:tencent_sms_smslog_change", args=[log.pk]))


def ask_tencent_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    if not may_ask_tencent(model_admin, request):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    log = model_admin.get_object(request, object_id)
    if log is None:
        raise Http404
    now = timezone.now()
    if log.created_at < oldest_reachable(now) - BEFORE:
        return _back(log, gettext("Tencent keeps a number's records for 7 days only."), request)
    backend = get_backend()
    if not getattr(backend, "can_lookup_number", False):
        return _back(
            log,
            gettext("The backend %(name)s cannot ask Tencent.") % {"name": backend.name},
            request,
        )
    begin = log.created_at - BEFORE
    try:
        records = lookup_number(backend, log.phone.as_e164, begin, begin + SPAN, now=now)
    except SmsError as exc:
        return _back(
            log, gettext("Tencent could not be asked: %(error)s") % {"error": exc}, request
        )
    # An unknown log whose record is there, certainly its, gets its sid (and report) first.
    reconciled = reconcile_log(backend, log, now=now)
    if reconciled.matched:
        text = gettext("Tencent's records show this message was accepted: sid %(sid)s recorded.")
        messages.success(request, text % {"sid": reconciled.matched[0][1]})
    elif reconciled.asked:
        messages.warning(
            request,
            gettext(
                "This message stays unknown: no record below is certainly its (see "
                "manage.py tencent_sms_recover for why)."
            ),
        )
    reports = [r for r in records.items if isinstance(r, DeliveryReport)]
    owners = dict(SmsLog.objects.filter(sid__in={r.sid for r in reports}).values_list("sid", "pk"))
    applied = apply_delivery_reports([r for r in reports if r.sid in owners], now=now)
    log.refresh_from_db()
    rows = [
        {
            "time": timestamp(report.received_at) if report.received_at else None,
            "sid": report.sid,
            "delivered": report.delivered,
            "code": report.code,
            "description": report.description,
            "log_id": owners.get(report.sid),
            "this_log": report.sid == log.sid and bool(log.sid),
        }
        for report in reversed(reports)
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        # Only viewers who may see whole numbers get here (may_ask_tencent).
        "title": gettext("Tencent's records for %(phone)s")
        % {"phone": display_phone(log.phone, full=True)},
        "opts": model_admin.opts,
        "original": log,
        "phone": display_phone(log.phone, full=True),
        "created": timestamp(log.created_at),
        "rows": rows,
        "begin": records.begin,
        "end": records.end,
        "complete": records.complete,
        "rejected": len(records.rejected),
        "applied": applied.applied,
    }
    return TemplateResponse(request, "admin/tencent_sms/smslog/tencent_records.html", context)
