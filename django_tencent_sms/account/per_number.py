"""One number's records at Tencent over a window: delivery reports or replies, every page.

Tencent answers at most 100 records per request and no ``Offset`` (API 3.0 documents it as
fixed at 0; the legacy API has none): a full page is followed by asking again from the time of
its latest record, and records seen twice (those of that second) are kept once. The window is
clamped to what Tencent keeps: 7 days back, minus a margin for the two clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.utils import timezone

from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.protocol.reports import DeliveryReport, IncomingReply
from django_tencent_sms.protocol.window import MAX_LOOKBACK, MAX_RECORDS

__all__ = ["CLOCK_MARGIN", "MAX_PAGES", "NumberRecords", "lookup_number", "oldest_reachable"]

#: Seconds kept off Tencent's 7 days, so that a request is not refused for a clock difference.
CLOCK_MARGIN = 300
#: Requests one lookup makes at most.
MAX_PAGES = 5

Kind = Literal["reports", "replies"]


@dataclass(frozen=True)
class NumberRecords:
    """What Tencent has for one number between ``begin`` and ``end``, oldest first."""

    items: tuple[Any, ...]
    rejected: tuple[str, ...]
    #: False when the pages ran out (``MAX_PAGES``) or could not move on: there may be more.
    complete: bool
    begin: datetime
    end: datetime
    requests: int = 0


def oldest_reachable(now: datetime) -> datetime:
    """The earliest time a lookup at ``now`` may start at."""
    return now - timedelta(seconds=MAX_LOOKBACK - CLOCK_MARGIN)


def _moment(item: DeliveryReport | IncomingReply) -> datetime | None:
    return item.received_at if isinstance(item, DeliveryReport) else item.replied_at


def _key(item: DeliveryReport | IncomingReply) -> tuple[Any, ...]:
    if isinstance(item, DeliveryReport):
        return (item.sid, item.delivered, item.received_at)
    return (item.replied_at, item.text, item.sign)


def lookup_number(
    backend: BaseBackend,
    phone: str,
    begin: datetime,
    end: datetime,
    *,
    kind: Kind = "reports",
    now: datetime | None = None,
    max_pages: int = MAX_PAGES,
) -> NumberRecords:
    """The ``kind`` records of ``phone`` (E.164) from ``begin`` to ``end``, clamped to the
    7 days Tencent keeps and to ``now``. Raises what the backend raises (``SmsError`` when
    Tencent refuses or does not answer, ``NotImplementedError`` without ``can_lookup_number``)."""
    now = now or timezone.now()
    begin = max(begin, oldest_reachable(now)).replace(microsecond=0)
    end = min(end, now).replace(microsecond=0)
    if begin > end:
        return NumberRecords((), (), True, begin, end)
    fetch = backend.number_reports if kind == "reports" else backend.number_replies
    seen: dict[tuple[Any, ...], Any] = {}
    rejected: list[str] = []
    start, requests, complete = begin, 0, False
    while requests < max_pages:
        batch = fetch(phone, start, end, MAX_RECORDS)
        requests += 1
        rejected.extend(batch.rejected)
        for item in batch.items:
            seen.setdefault(_key(item), item)
        if batch.fetched < MAX_RECORDS:
            complete = True
            break
        times = [t for t in map(_moment, batch.items) if t is not None]
        latest = max(times).replace(microsecond=0) if times else start
        if latest <= start:
            break  # a whole page within one second: no way on
        start = latest
    items = sorted(seen.values(), key=lambda item: _moment(item) or begin)
    return NumberRecords(tuple(items), tuple(rejected), complete, begin, end, requests)
