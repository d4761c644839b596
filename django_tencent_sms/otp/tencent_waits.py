"""How long one of Tencent's frequency refusals lasts, for the ``Retry-After`` of a 429.

Tencent's per-number limits are a 30-second window, a one-hour window and the natural day in
China time (UTC+8, which has no daylight saving): 1023, 1024 and 1025/1026 (the API 3.0
``LimitExceeded.PhoneNumber*`` names map to them). The application's daily totals (1022, 1047)
also end at midnight there. For the other rate limits the length is not known, and the caller's
fallback is used. Pure: the clock is passed in.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

__all__ = ["tencent_wait"]

CHINA_TIME = timezone(timedelta(hours=8), "CST")

#: Rolling windows, in seconds, by legacy result code.
WINDOWS = {1023: 30, 1024: 3600}
#: Limits that last until the next midnight in China time.
DAILY = frozenset({1022, 1025, 1026, 1047})


def tencent_wait(result: int | None, now: datetime, fallback: int) -> int:
    """Seconds (at least one) until Tencent's limit ``result`` can let a new message through;
    ``fallback`` when the code's window is not known."""
    if result in WINDOWS:
        return WINDOWS[result]
    if result in DAILY:
        local = now.astimezone(CHINA_TIME)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
        left = midnight.replace(tzinfo=CHINA_TIME) - local
        return max(1, math.ceil(left.total_seconds()))
    return max(1, fallback)
