"""The fee and volume dashboard page: messages and billed parts per day, template and status."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from django_tencent_sms.admin.account_figures import account_context
from django_tencent_sms.admin.charts import fee_chart, volume_chart
from django_tencent_sms.admin.dashboard_tables import table_body
from django_tencent_sms.admin.stats import (
    DEFAULT_DAYS,
    PRESETS,
    aggregate,
    local_today,
    parse_range,
    range_text,
    summarize,
)
from django_tencent_sms.rollup import reading as rollup

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

__all__ = ["dashboard_view"]


# -- View -------------------------------------------------------------------------------------


def _presets(today: date, start: date, end: date) -> list[dict[str, Any]]:
    presets = []
    for days in PRESETS:
        first = today - timedelta(days=days - 1)
        presets.append(
            {
                "label": ngettext("Last %(count)d day", "Last %(count)d days", days)
                % {"count": days},
                "query": "?" + urlencode({"start": first.isoformat(), "end": today.isoformat()}),
                "current": (first, today) == (start, end),
            }
        )
    return presets


def dashboard_view(model_admin: ModelAdmin[Any], request: HttpRequest) -> TemplateResponse:
    """The page; ``SmsLogAdmin.dashboard_view`` has checked the view permission."""
    opts = model_admin.opts
    request.current_app = model_admin.admin_site.name
    tz = timezone.get_current_timezone()
    today = local_today()
    start, end, errors = parse_range(request.GET, today, tz)
    # The daily rollup when it holds the log in the days shown now; else the log itself.
    from_rollup, needs_rebuild = rollup.usable()
    if from_rollup:
        rows = rollup.rows(start, end)
    else:
        rows = aggregate(model_admin.get_queryset(request), start, end, tz)
    summary = summarize(rows, start, end)
    day_rows, template_rows, status_rows = (
        summary.day_rows(),
        summary.template_rows(),
        summary.status_rows(),
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "app_label": opts.app_label,
        "title": _("Fee and volume dashboard"),
        "subtitle": _("%(start)s to %(end)s") % range_text(summary),
        "errors": errors,
        "from_rollup": from_rollup,
        "needs_rebuild": needs_rebuild,
        "default_days": DEFAULT_DAYS,
        "start": start,
        "end": end,
        "day_count": len(summary.days),
        "time_zone": timezone.get_current_timezone_name(),
        "presets": _presets(today, start, end),
        "summary": summary,
        "status_columns": summary.status_columns(),
        "day_rows": day_rows,
        "template_rows": template_rows,
        "status_rows": status_rows,
        # The tables' rows as HTML, each number and day formatted once (admin.dashboard_tables).
        "day_body": table_body(summary, day_rows, "day"),
        "template_body": table_body(summary, template_rows),
        "status_body": table_body(summary, status_rows, "status"),
        "total": summary.total,
        "volume_chart": volume_chart(summary),
        "fee_chart": fee_chart(summary),
        # Tencent's figures of the period and the package balance (admin.account_figures).
        **account_context(request, model_admin.get_queryset(request), start, end, tz),
    }
    return TemplateResponse(
        request,
        [
            f"admin/{opts.app_label}/{opts.model_name}/dashboard.html",
            f"admin/{opts.app_label}/dashboard.html",
        ],
        context,
    )
