"""Per-number frequency limits (results 1023, 1024, 1025)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

__all__ = ["FrequencyCounter", "FrequencyLimits"]

CHINA_UTC_OFFSET = 8 * 3600
_DAY = 86400
# Sends older than this can no longer matter to any limit; pruned to bound memory.
_KEEP = 2 * _DAY


@dataclass(frozen=True)
class FrequencyLimits:
    """Accepted sends allowed per number; ``None`` switches one limit off.

    The defaults are the commonly quoted Tencent defaults (reference §6.3).
    """

    #: Sends per number within any 30 seconds (1023 beyond).
    per_30s: int | None = 1
    #: Sends per number within any hour (1024 beyond).
    per_hour: int | None = 5
    #: Sends per number within one calendar day, China time (1025 beyond).
    per_day: int | None = 10

    def __post_init__(self) -> None:
        for name in ("per_30s", "per_hour", "per_day"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"FrequencyLimits.{name} must be a non-negative int or None")


def china_day(timestamp: float) -> int:
    """The calendar day (days since the epoch) of ``timestamp`` in China time (UTC+8)."""
    return int((timestamp + CHINA_UTC_OFFSET) // _DAY)


class FrequencyCounter:
    """Remembers when each number was sent to. Not thread-safe: the caller holds a lock."""

    def __init__(self) -> None:
        self._sent: dict[tuple[str, str], list[float]] = defaultdict(list)

    def refusal(
        self, key: tuple[str, str], now: float, limits: FrequencyLimits | None
    ) -> int | None:
        """The result code a send to ``key`` at ``now`` would get, or ``None`` if allowed."""
        if limits is None:
            return None
        times = self._sent.get(key, ())
        checks = (
            (limits.per_30s, 1023, lambda t: now - t < 30),
            (limits.per_hour, 1024, lambda t: now - t < 3600),
            (limits.per_day, 1025, lambda t: china_day(t) == china_day(now)),
        )
        for limit, code, counts in checks:
            if limit is not None and sum(1 for t in times if counts(t)) >= limit:
                return code
        return None

    def record(self, key: tuple[str, str], now: float) -> None:
        """Count an accepted send."""
        times = self._sent[key]
        times[:] = [t for t in times if now - t < _KEEP]
        times.append(now)

    def clear(self) -> None:
        self._sent.clear()
