"""What Tencent counts for an account, in one shape for both API generations.

The figures of a period (:class:`SendStatistics`, :class:`CallbackStatistics`), one
prepaid package (:class:`SmsPackage`), the hour span Tencent is asked about (:class:`HourSpan`,
China time, ``yyyymmddhh``) and :func:`count`, the strict reader of one number of an answer.
Pure, and free of Django.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django_tencent_sms.exceptions import InvalidResponse
from django_tencent_sms.protocol.reports import CHINA_TIME

__all__ = [
    "HOUR_FORMAT",
    "MAX_COUNT",
    "MAX_SPAN_HOURS",
    "CallbackStatistics",
    "HourSpan",
    "SendStatistics",
    "SmsPackage",
    "count",
    "hour_text",
]

#: ``BeginTime``/``EndTime`` (API 3.0, strings) and ``begin_date``/``end_date`` (legacy, numbers).
HOUR_FORMAT = "%Y%m%d%H"
#: The longest span one statistics request covers: Tencent documents "相差不超过32天" (at most
#: 32 days apart) for ``CallbackStatusStatistics``; the same bound is used for every endpoint.
MAX_SPAN_HOURS = 32 * 24
#: The largest count believed (2**53: exact in any JSON reader); a larger one is garbage.
MAX_COUNT = 2**53


def hour_text(moment: datetime) -> str:
    """``moment`` (aware) as the China-time hour that contains it, ``yyyymmddhh``."""
    if moment.tzinfo is None:
        raise ValueError("the moment must be timezone-aware")
    return moment.astimezone(CHINA_TIME).strftime(HOUR_FORMAT)


@dataclass(frozen=True)
class HourSpan:
    """Whole China-time hours, ``first`` to ``last`` included, as Tencent's statistics count.

    ``first`` and ``last`` are the starts of their hours, aware, in China time.
    """

    first: datetime
    last: datetime

    @classmethod
    def covering(cls, start: datetime, end: datetime) -> HourSpan:
        """The hours that hold the instants from ``start`` up to (not including) ``end``."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("the period's ends must be timezone-aware")
        if end <= start:
            raise ValueError("the period ends before it starts")
        first = start.astimezone(CHINA_TIME).replace(minute=0, second=0, microsecond=0)
        last = (end - timedelta(microseconds=1)).astimezone(CHINA_TIME)
        return cls(first, last.replace(minute=0, second=0, microsecond=0))

    @property
    def begin(self) -> str:
        return self.first.strftime(HOUR_FORMAT)

    @property
    def end(self) -> str:
        return self.last.strftime(HOUR_FORMAT)

    @property
    def hours(self) -> int:
        return int((self.last - self.first).total_seconds() // 3600) + 1

    @property
    def start_instant(self) -> datetime:
        """Where the first hour begins."""
        return self.first

    @property
    def end_instant(self) -> datetime:
        """Where the last hour ends (exclusive)."""
        return self.last + timedelta(hours=1)

    def split(self, max_hours: int = MAX_SPAN_HOURS) -> list[HourSpan]:
        """This span in consecutive pieces of at most ``max_hours`` hours each."""
        pieces, first = [], self.first
        while first <= self.last:
            last = min(first + timedelta(hours=max_hours - 1), self.last)
            pieces.append(HourSpan(first, last))
            first = last + timedelta(hours=1)
        return pieces


def count(data: dict[str, Any], name: str, text: str) -> int:
    """``data[name]`` as a count: a JSON integer from 0 to :data:`MAX_COUNT`.

    Anything else (missing, ``null``, a string, a float, a boolean, a negative or absurd number)
    raises ``InvalidResponse`` naming the field: a figure Tencent did not give is never
    guessed as 0.
    """
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
        raise InvalidResponse(
            f"The SMS API's statistics have no usable {name!r} (a whole number from 0 is "
            f"expected, not {type(value).__name__})",
            text,
        )
    return value


class _Sums:
    def __add__(self, other: Any) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        return type(self)(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class SendStatistics(_Sums):
    """What Tencent counts of the sends of a period (``SendStatusStatistics``,
    ``pullsendstatus``): numbers submitted, accepted, and billed parts."""

    requests: int = 0
    accepted: int = 0
    billed: int = 0


@dataclass(frozen=True)
class CallbackStatistics(_Sums):
    """What Tencent counts of the delivery reports of a period (``CallbackStatusStatistics``,
    ``pullcallbackstatus``): the reports, delivered or failed, and why they failed."""

    accepted: int = 0
    reports: int = 0
    delivered: int = 0
    failed: int = 0
    carrier_error: int = 0
    invalid_number: int = 0
    switched_off: int = 0
    blacklisted: int = 0
    carrier_rate_limited: int = 0


@dataclass(frozen=True)
class SmsPackage:
    """One prepaid package: ``amount`` units of which ``used`` are spent, valid from
    ``effective_at`` to ``expires_at``. ``kind`` is 0 for a gift, 1 for a purchase."""

    package_id: int
    amount: int
    used: int
    kind: int
    created_at: datetime | None
    effective_at: datetime | None
    expires_at: datetime | None

    @property
    def remaining(self) -> int:
        """Units left; never negative (Tencent may count a last message past the amount)."""
        return max(self.amount - self.used, 0)

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def as_json(self) -> dict[str, Any]:
        def when(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment is not None else None

        return {
            "package_id": self.package_id,
            "amount": self.amount,
            "used": self.used,
            "remaining": self.remaining,
            "kind": self.kind,
            "created_at": when(self.created_at),
            "effective_at": when(self.effective_at),
            "expires_at": when(self.expires_at),
        }
