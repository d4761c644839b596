"""Tencent's figures of a period beside the log's, and whether they agree.

:func:`tencent_figures` fetches Tencent's counts of sends and delivery reports for a period
(split into the spans Tencent allows, summed) and caches them; :func:`log_figures` counts the
same China-time hours in ``SmsLog``; :func:`compare` puts them side by side and marks each
difference beyond ``TENCENT_SMS["STATS_TOLERANCE"]``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.account.fetching import cache_key, figures_backend, reading_tencent
from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.backends.http import Timeout
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.models import SmsLog
from django_tencent_sms.protocol.statistics import CallbackStatistics, HourSpan, SendStatistics

__all__ = [
    "CACHE_TIMEOUT",
    "DEFAULT_TOLERANCE",
    "Comparison",
    "Line",
    "LogFigures",
    "TencentFigures",
    "cached_figures",
    "compare",
    "differs",
    "log_figures",
    "tencent_figures",
]

#: Seconds Tencent's figures of a period are kept in Django's cache.
CACHE_TIMEOUT = 300
#: The default ``STATS_TOLERANCE``: a difference of more than 2 % of the larger figure.
DEFAULT_TOLERANCE = 0.02


@dataclass(frozen=True)
class TencentFigures:
    """What Tencent counted in ``span``, fetched at ``fetched_at``."""

    span: HourSpan
    sent: SendStatistics
    reports: CallbackStatistics
    fetched_at: datetime


@dataclass(frozen=True)
class LogFigures:
    """What ``SmsLog`` holds for the same hours: rows Tencent answered (``requests``), accepted
    (result 0), the fee billed for them, and delivery reports delivered or not."""

    requests: int = 0
    accepted: int = 0
    billed: int = 0
    delivered: int = 0
    failed: int = 0


def _cached(key: str) -> TencentFigures | None:
    try:
        value = cache.get(key)
    except Exception:  # a broken cache must not break the page
        return None
    return value if isinstance(value, TencentFigures) else None


def _key(span: HourSpan) -> str:
    return cache_key("figures", span.begin, span.end)


def cached_figures(span: HourSpan) -> TencentFigures | None:
    """Tencent's figures of ``span`` when fetched in the last :data:`CACHE_TIMEOUT` seconds."""
    return _cached(_key(span))


def tencent_figures(
    span: HourSpan,
    *,
    backend: BaseBackend | None = None,
    timeout: Timeout | None = None,
    quick: bool = False,
    refresh: bool = False,
) -> TencentFigures:
    """Tencent's figures of ``span``: from the cache, else fetched (``refresh`` skips the
    cache) in pieces of at most 32 days, summed, then cached for :data:`CACHE_TIMEOUT` s.

    ``backend`` defaults to a new one of the configured class (with ``timeout``). Raises
    ``FiguresUnavailable`` when the figures cannot be had; nothing is cached then.
    """
    key = _key(span)
    if not refresh and (found := _cached(key)) is not None:
        return found
    with reading_tencent():
        owned = backend is None
        backend = backend or figures_backend(timeout, quick=quick)
        try:
            sent, reports = SendStatistics(), CallbackStatistics()
            for piece in span.split():
                sent += backend.send_statistics(piece)
                reports += backend.callback_statistics(piece)
        finally:
            if owned:
                backend.close()
    figures = TencentFigures(span, sent, reports, timezone.now())
    with contextlib.suppress(Exception):  # a broken cache only costs the next fetch
        cache.set(key, figures, CACHE_TIMEOUT)
    return figures


def log_figures(span: HourSpan, queryset: QuerySet[SmsLog] | None = None) -> LogFigures:
    """Count ``queryset`` (all logs by default) over the hours of ``span``, in one query."""
    rows = queryset if queryset is not None else SmsLog.objects.all()
    accepted = Q(result=0)
    counts = rows.filter(
        created_at__gte=span.start_instant, created_at__lt=span.end_instant
    ).aggregate(
        requests=Count("pk", filter=Q(result__isnull=False)),
        accepted=Count("pk", filter=accepted),
        billed=Coalesce(Sum("fee", filter=accepted), 0),
        delivered=Count("pk", filter=Q(status=SmsLog.Status.DELIVERED)),
        failed=Count("pk", filter=Q(status=SmsLog.Status.UNDELIVERED)),
    )
    return LogFigures(**{name: int(value or 0) for name, value in counts.items()})


def tolerance() -> float:
    """``TENCENT_SMS["STATS_TOLERANCE"]``, or the default when it is not a usable fraction
    (the system check says so)."""
    value = sms_settings.STATS_TOLERANCE
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        return DEFAULT_TOLERANCE
    return float(value)


def differs(tencent: int, log: int, allowed: float) -> bool:
    """Whether the two figures differ by more than ``allowed`` (a fraction) of the larger."""
    return abs(tencent - log) > allowed * max(tencent, log)


@dataclass(frozen=True)
class Line:
    """One figure: what Tencent says, what the log says, and whether they disagree."""

    key: str
    label: Any
    tencent: int
    log: int
    differs: bool

    @property
    def difference(self) -> int:
        return self.tencent - self.log


@dataclass(frozen=True)
class Comparison:
    span: HourSpan
    tencent: TencentFigures
    log: LogFigures
    tolerance: float
    lines: tuple[Line, ...] = field(default=())

    @property
    def disagrees(self) -> bool:
        return any(line.differs for line in self.lines)


def compare(tencent: TencentFigures, log: LogFigures, allowed: float | None = None) -> Comparison:
    """The figures side by side, each difference beyond ``allowed`` (``STATS_TOLERANCE``)
    marked."""
    allowed = tolerance() if allowed is None else allowed
    pairs = (
        ("requests", _("Requests Tencent answered"), tencent.sent.requests, log.requests),
        ("accepted", _("Accepted"), tencent.sent.accepted, log.accepted),
        ("billed", _("Billed parts"), tencent.sent.billed, log.billed),
        ("delivered", _("Delivered"), tencent.reports.delivered, log.delivered),
        ("failed", _("Not delivered"), tencent.reports.failed, log.failed),
    )
    lines = tuple(Line(k, label, t, g, differs(t, g, allowed)) for k, label, t, g in pairs)
    return Comparison(tencent.span, tencent, log, allowed, lines)
