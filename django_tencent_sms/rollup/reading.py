"""The dashboard's rows from the rollup: as ``admin.stats.aggregate`` gives them from the log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from django_tencent_sms.models import SmsDailyStat, SmsStatsState, SmsTemplate
from django_tencent_sms.rollup.buckets import NAIVE, rollup_zone

__all__ = ["needs_rebuild", "rows", "usable"]


def _built_zone() -> str | None:
    return SmsStatsState.objects.order_by("-built_at").values_list("time_zone", flat=True).first()


def usable() -> tuple[bool, bool]:
    """``(usable, needs_rebuild)``: whether the rollup holds the whole log in the days the
    dashboard shows now (the current time zone's), and whether it must be rebuilt first
    (never built, or built in another ``TIME_ZONE`` than the settings')."""
    built = _built_zone()
    zone = rollup_zone()
    if built != zone:
        return False, True
    shown = timezone.get_current_timezone_name() if settings.USE_TZ else NAIVE
    return shown == zone, False


def needs_rebuild() -> bool:
    return _built_zone() != rollup_zone()


def rows(start: date, end: date) -> list[Mapping[str, Any]]:
    """Messages and fee by day, template name, ``tpl_id`` and status for ``start``–``end``.

    Names as ``aggregate`` gives them: the row's template's, else that of a template with its
    ``tpl_id`` (an active one first), else None. Two queries, however many rows."""
    stored = list(
        SmsDailyStat.objects.filter(day__gte=start, day__lte=end)
        .exclude(messages=0, fee=0)
        .values_list("day", "template_pk", "tpl_id", "status", "messages", "fee")
    )
    pks = {row[1] for row in stored if row[1]}
    tpl_ids = {row[2] for row in stored}
    by_pk: dict[int, str] = {}
    by_tpl_id: dict[int, str] = {}
    if stored:
        templates = (
            SmsTemplate.objects.filter(Q(pk__in=pks) | Q(tpl_id__in=tpl_ids))
            .order_by("-is_active", "name")
            .values_list("pk", "tpl_id", "name")
        )
        for pk, tpl_id, name in templates:
            by_pk[pk] = name
            by_tpl_id.setdefault(tpl_id, name)
    return [
        {
            "day": day,
            "template_name": (
                by_pk[template_pk] if template_pk in by_pk else by_tpl_id.get(tpl_id)
            ),
            "tpl_id": tpl_id,
            "status": status,
            "messages": messages,
            "fee": fee,
        }
        for day, template_pk, tpl_id, status, messages, fee in stored
    ]
