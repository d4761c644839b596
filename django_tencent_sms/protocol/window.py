"""The time window of a per-number lookup, checked as both API generations take it.

``PullSmsSendStatusByPhoneNumber``/``PullSmsReplyStatusByPhoneNumber`` (API 3.0) and
``pullstatus4mobile`` (legacy) ask for one number's records between two Unix times, at most
100 at a time, reaching back at most 7 days. Pure: the current time is a parameter.
"""

from __future__ import annotations

__all__ = ["MAX_LOOKBACK", "MAX_RECORDS", "check_window"]

#: How far back Tencent keeps a number's records for these endpoints: 7 days, in seconds.
MAX_LOOKBACK = 7 * 24 * 3600
#: Records one request hands out at most (``Limit``/``max``).
MAX_RECORDS = 100


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_window(begin: int, end: int, limit: int, *, name: str) -> None:
    """``ValueError`` unless ``begin`` ≤ ``end`` are Unix seconds and ``limit`` is 1 to 100.

    The 7-day reach is Tencent's to enforce (it answers with an error); callers clamp to it
    with their clock (see ``account.per_number``)."""
    if not (_is_int(begin) and _is_int(end)) or begin < 0 or end < begin:
        raise ValueError(f"{name} takes Unix times with begin <= end, not {begin!r}..{end!r}")
    if not _is_int(limit) or not 1 <= limit <= MAX_RECORDS:
        raise ValueError(f"{name} takes a limit of 1 to {MAX_RECORDS}, not {limit!r}")
