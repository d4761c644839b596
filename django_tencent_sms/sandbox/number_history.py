"""Every delivery report and reply the sandbox made, by number, for the per-number lookups.

Unlike the pull queue (``sandbox.reports``), which hands each item out once, this keeps them
all: ``pullstatus4mobile`` and ``PullSms…StatusByPhoneNumber`` are lookups over a time window,
and asking twice answers twice. A report is listed from the time it states (when the phone got
the message), as Tencent can only know it then. Thread-safe.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime, timezone

from django_tencent_sms.protocol.reports import DeliveryReport, IncomingReply

__all__ = ["NumberHistory"]


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(int(seconds), timezone.utc)


class NumberHistory:
    """The reports and replies of each number (``(nationcode, mobile)``), oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reports: dict[tuple[str, str], list[DeliveryReport]] = defaultdict(list)
        self._replies: dict[tuple[str, str], list[IncomingReply]] = defaultdict(list)

    def add_report(self, report: DeliveryReport) -> None:
        with self._lock:
            self._reports[(report.nationcode, report.mobile)].append(report)

    def add_reply(self, reply: IncomingReply) -> None:
        with self._lock:
            self._replies[(reply.nationcode, reply.mobile)].append(reply)

    def clear(self) -> None:
        with self._lock:
            self._reports.clear()
            self._replies.clear()

    def reports(
        self, number: tuple[str, str], begin: float, end: float, limit: int, now: float
    ) -> list[DeliveryReport]:
        """Up to ``limit`` reports for ``number`` dated from ``begin`` to ``end`` (Unix
        seconds, both included) and no later than ``now``, oldest first."""
        low, high = _moment(begin), _moment(min(end, now))
        with self._lock:
            found = [
                r
                for r in self._reports.get(number, ())
                if r.received_at is not None and low <= r.received_at <= high
            ]
        found.sort(key=lambda r: r.received_at or low)
        return found[:limit]

    def replies(
        self, number: tuple[str, str], begin: float, end: float, limit: int, now: float
    ) -> list[IncomingReply]:
        """Up to ``limit`` replies from ``number`` sent from ``begin`` to ``end``, oldest first."""
        low, high = _moment(begin), _moment(min(end, now))
        with self._lock:
            found = [r for r in self._replies.get(number, ()) if low <= r.replied_at <= high]
        found.sort(key=lambda r: r.replied_at)
        return found[:limit]
