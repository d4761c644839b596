"""What the rollup must equal: ``GROUP BY`` day, template, ``tpl_id`` and status over the log."""

from collections import Counter
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Sum

from django_tencent_sms.models import SmsDailyStat, SmsLog


def from_log():
    """Each bucket's (messages, fee) counted over the log in Python, row by row: the local
    day of ``created_at`` in ``settings.TIME_ZONE``, NULL fees as 0."""
    zone = ZoneInfo(settings.TIME_ZONE)
    counts = Counter()
    fees = Counter()
    for created_at, template_id, tpl_id, status, fee in SmsLog.objects.values_list(
        "created_at", "template_id", "tpl_id", "status", "fee"
    ):
        key = (created_at.astimezone(zone).date(), template_id or 0, tpl_id, status)
        counts[key] += 1
        fees[key] += fee or 0
    return {key: (counts[key], fees[key]) for key in counts}


def grouped_in_database():
    """The same, as the database groups it (days by the dashboard's own arithmetic)."""
    from django_tencent_sms.rollup.rebuild import _from_log

    bounds = SmsLog.objects.order_by("created_at").values_list("created_at", flat=True)
    if not bounds:
        return {}
    zone = ZoneInfo(settings.TIME_ZONE)
    first, last = bounds.first().astimezone(zone).date(), bounds.last().astimezone(zone).date()
    return {tuple(key): value for key, value in _from_log(first, last, "default").items()}


def stored():
    """The rollup's buckets that hold anything."""
    return {
        (day, template_pk, tpl_id, status): (messages, fee)
        for day, template_pk, tpl_id, status, messages, fee in SmsDailyStat.objects.values_list(
            "day", "template_pk", "tpl_id", "status", "messages", "fee"
        )
        if messages or fee
    }


def totals():
    return SmsLog.objects.aggregate(n=Count("pk"), fee=Sum("fee"))
