"""Rebuilding the rollup from the log, a few days per transaction, while sends go on landing.

Each chunk of days is recomputed with the dashboard's own ``GROUP BY`` (``admin.stats``'s day
arithmetic) and replaces what the rollup held for those days, in one transaction that first
keeps the log's writers from changing those buckets: PostgreSQL locks the rollup table against
writes (``SHARE ROW EXCLUSIVE``: reads go on), MariaDB/MySQL run the chunk in ``REPEATABLE READ``
so that its ``SELECT … FOR UPDATE`` locks the days' key range, and SQLite takes its write lock
first. A writer whose log change the chunk did not see adds its move once the chunk commits,
so nothing is counted twice or lost. Memory holds one chunk's buckets, never log rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Count, Max, Min, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from django_tencent_sms.models import SmsDailyStat, SmsLog, SmsStatsState
from django_tencent_sms.rollup.buckets import Key, local_date, rollup_zone

__all__ = ["Rebuilt", "rebuild"]

#: Days per transaction: a week of a 10M-row year is about 200,000 log rows to group.
CHUNK_DAYS = 7


@dataclass
class Rebuilt:
    """What a rebuild found: the days it went through and the buckets that differed."""

    first: date | None = None
    last: date | None = None
    days: int = 0
    #: (key, stored (messages, fee), from the log (messages, fee)) for each bucket that differed.
    differences: list[tuple[Key, tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    #: How many differences there were (``differences`` keeps the first ``keep`` of them).
    differing: int = 0


def _span(since: date | None, until: date | None, using: str) -> tuple[date, date] | None:
    """The days to go through: those asked for, else from the first to the last day that the
    log or the rollup has."""
    log = QuerySet(SmsLog).using(using).aggregate(low=Min("created_at"), high=Max("created_at"))
    stored = QuerySet(SmsDailyStat).using(using).aggregate(low=Min("day"), high=Max("day"))
    lows = [d for d in (log["low"] and local_date(log["low"]), stored["low"]) if d]
    highs = [d for d in (log["high"] and local_date(log["high"]), stored["high"]) if d]
    first = since or (min(lows) if lows else None)
    last = until or (max(highs) if highs else None)
    if first is None or last is None or first > last:
        return None
    return first, last


def _chunks(first: date, last: date, size: int) -> Iterator[tuple[date, date]]:
    start = first
    while start <= last:
        end = min(start + timedelta(days=size - 1), last)
        yield start, end
        start = end + timedelta(days=1)


def _from_log(start: date, end: date, using: str) -> dict[Key, tuple[int, int]]:
    from django_tencent_sms.admin.stats import day_bounds, local_day

    zone = ZoneInfo(rollup_zone()) if settings.USE_TZ else None
    low, high = day_bounds(start, end, zone)
    day = local_day("created_at", low, high, zone) if zone else TruncDate("created_at")
    grouped = (
        QuerySet(SmsLog)
        .using(using)
        .filter(created_at__gte=low, created_at__lt=high)
        .annotate(day=day)
        .order_by()
        .values("day", "template_id", "tpl_id", "status")
        .annotate(messages=Count("pk"), fee_sum=Coalesce(Sum("fee"), 0))
    )
    found: dict[Key, tuple[int, int]] = {}
    for row in grouped:
        if not start <= row["day"] <= end:
            continue
        key = Key(row["day"], row["template_id"] or 0, row["tpl_id"], row["status"])
        found[key] = (int(row["messages"]), int(row["fee_sum"]))
    return found


def _lock(start: date, end: date, using: str) -> dict[Key, tuple[int, int]]:
    """Keep writers off the days' buckets until the transaction ends; what they hold now."""
    connection = connections[using]
    table = connection.ops.quote_name(SmsDailyStat._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        elif connection.vendor == "sqlite":
            cursor.execute(f"UPDATE {table} SET messages = messages WHERE 1 = 0")  # noqa: S608
    stored: QuerySet[SmsDailyStat] = QuerySet(SmsDailyStat).using(using)
    stored = stored.filter(day__gte=start, day__lte=end)
    if connection.vendor == "mysql":
        stored = stored.select_for_update()
    return {
        Key(day, template_pk, tpl_id, status): (messages, fee)
        for day, template_pk, tpl_id, status, messages, fee in stored.order_by(
            "day", "template_pk", "tpl_id", "status"
        ).values_list("day", "template_pk", "tpl_id", "status", "messages", "fee")
        if messages or fee
    }


def rebuild(
    since: date | None = None,
    until: date | None = None,
    *,
    using: str = "default",
    dry_run: bool = False,
    chunk_days: int = CHUNK_DAYS,
    keep: int = 100,
    on_chunk: Callable[[date, date, int], None] | None = None,
) -> Rebuilt:
    """Recompute the days ``since``–``until`` (default: all) from the log; with ``dry_run``
    only report what differs. A full rebuild (neither bound) records the rollup as built for
    ``settings.TIME_ZONE``, and the dashboard reads it from then on."""
    result = Rebuilt()
    span = _span(since, until, using)
    connection = connections[using]
    if span is not None:
        result.first, result.last = span
        for start, end in _chunks(*span, max(1, chunk_days)):
            if connection.vendor == "mysql" and not connection.in_atomic_block:
                # The next transaction's level (inside a caller's, the caller's level holds).
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            with transaction.atomic(using=using):
                stored = _lock(start, end, using)
                found = _from_log(start, end, using)
                changed = 0
                for key in sorted(set(stored) | set(found)):
                    old, new = stored.get(key, (0, 0)), found.get(key, (0, 0))
                    if old != new:
                        changed += 1
                        if len(result.differences) < keep:
                            result.differences.append((key, old, new))
                result.differing += changed
                if changed and not dry_run:
                    rows: QuerySet[SmsDailyStat] = QuerySet(SmsDailyStat).using(using)
                    rows.filter(day__gte=start, day__lte=end).delete()
                    rows.bulk_create(
                        SmsDailyStat(
                            day=k.day,
                            template_pk=k.template_pk,
                            tpl_id=k.tpl_id,
                            status=k.status,
                            messages=m,
                            fee=f,
                        )
                        for k, (m, f) in sorted(found.items())
                    )
            result.days += (end - start).days + 1
            if on_chunk is not None:
                on_chunk(start, end, changed)
    if not dry_run and since is None and until is None:
        with transaction.atomic(using=using):
            QuerySet(SmsStatsState).using(using).all().delete()
            QuerySet(SmsStatsState).using(using).create(
                time_zone=rollup_zone(), built_at=timezone.now()
            )
    return result
