"""Frequency limits per number and the application's international cap (1023, 1024, 1025, 1047)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

__all__ = ["DOMESTIC", "FrequencyCounter", "FrequencyLimits"]

CHINA_UTC_OFFSET = 8 * 3600
#: The nation code of numbers that are not international.
DOMESTIC = "86"
_DAY = 86400
# Sends older than this can no longer matter to any limit; pruned to bound memory.
_KEEP = 2 * _DAY
_FIELDS = ("per_30s", "per_hour", "per_day", "international_per_day")


@dataclass(frozen=True)
class FrequencyLimits:
    """Accepted sends allowed; ``None`` switches one limit off.

    The defaults are Tencent's console defaults for a new account: the same content at most
    once per 30 s to a number, 2 messages per number per calendar day, no hourly limit, and 100
    international messages a day for the application. Each is adjustable in Tencent's console,
    and here.
    """

    #: Sends of the same content (the same text) to one number within any 30 seconds (1023).
    per_30s: int | None = 1
    #: Sends per number within any hour, whatever the content (1024 beyond).
    per_hour: int | None = None
    #: Sends per number within one calendar day, China time (1025 beyond).
    per_day: int | None = 2
    #: Sends to international numbers (nation code other than 86) by the whole application
    #: within one calendar day, China time (1047; API 3.0 ``LimitExceeded.AppGlobalDailyLimit``).
    international_per_day: int | None = 100

    def __post_init__(self) -> None:
        for name in _FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"FrequencyLimits.{name} must be a non-negative int or None")


def china_day(timestamp: float) -> int:
    """The calendar day (days since the epoch) of ``timestamp`` in China time (UTC+8)."""
    return int((timestamp + CHINA_UTC_OFFSET) // _DAY)


class FrequencyCounter:
    """Remembers when each number was sent what. Not thread-safe: the caller holds a lock."""

    def __init__(self) -> None:
        self._sent: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
        self._international: list[float] = []

    def refusal(
        self,
        key: tuple[str, str],
        now: float,
        limits: FrequencyLimits | None,
        content: str = "",
    ) -> int | None:
        """The result code a send of ``content`` to ``key`` (nation code, number) at ``now``
        would get, or ``None`` if allowed."""
        if limits is None:
            return None
        sent = self._sent.get(key, ())
        today = china_day(now)
        counts = (
            (limits.per_30s, 1023, sum(1 for t, c in sent if c == content and now - t < 30)),
            (limits.per_hour, 1024, sum(1 for t, _ in sent if now - t < 3600)),
            (limits.per_day, 1025, sum(1 for t, _ in sent if china_day(t) == today)),
        )
        for limit, code, count in counts:
            if limit is not None and count >= limit:
                return code
        cap = limits.international_per_day
        if key[0] == DOMESTIC or cap is None:
            return None
        international = sum(1 for t in self._international if china_day(t) == today)
        return 1047 if international >= cap else None

    def record(self, key: tuple[str, str], now: float, content: str = "") -> None:
        """Count an accepted send of ``content`` to ``key``."""
        sent = self._sent[key]
        sent[:] = [(t, c) for t, c in sent if now - t < _KEEP]
        sent.append((now, content))
        if key[0] != DOMESTIC:
            self._international[:] = [t for t in self._international if now - t < _KEEP]
            self._international.append(now)

    def clear(self) -> None:
        self._sent.clear()
        self._international.clear()
