"""Times and time limits in words a person reads: "180 ms", "1.2 s", "3 s to connect"."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext

__all__ = ["format_duration", "format_timeout", "no_answer_within"]


def _number(value: float, places: int) -> str:
    """``value`` with at most ``places`` decimals and no trailing zeros: 1.2, 10, 3.05."""
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_duration(value: timedelta | float) -> str:
    """A measured duration (a timedelta or seconds): ``3 ms``, ``180 ms``, ``1.2 s``, ``45 s``,
    ``3 min 5 s``, ``2 h 10 min``. A negative one (two machines' clocks) counts as none."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    seconds = max(0.0, seconds)
    if seconds < 1:
        milliseconds = round(seconds * 1000)
        if milliseconds < 1:
            return gettext("< 1 ms")
        return gettext("%(ms)s ms") % {"ms": milliseconds}
    if seconds < 60:
        return gettext("%(seconds)s s") % {"seconds": _number(seconds, 1 if seconds < 10 else 0)}
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}


def _limit(seconds: float) -> str:
    return gettext("%(seconds)s s") % {"seconds": _number(seconds, 2)}


def format_timeout(timeout: float | tuple[float, float]) -> str:
    """A ``TIMEOUT`` setting in words: ``10 s``, or for a ``(connect, read)`` pair
    ``3.05 s to connect, 10 s to answer``."""
    if isinstance(timeout, tuple):
        connect, read = timeout
        return gettext("%(connect)s to connect, %(read)s to answer") % {
            "connect": _limit(connect),
            "read": _limit(read),
        }
    return _limit(timeout)


def no_answer_within(timeout: float | tuple[float, float]) -> str:
    """The message of an attempt that got no complete answer within ``timeout``, which bounds
    the whole attempt (a pair: their sum)."""
    if isinstance(timeout, tuple):
        return gettext(
            "No complete answer from the SMS API within %(total)s (%(parts)s); the message "
            "may still be delivered."
        ) % {"total": format_timeout(sum(timeout)), "parts": format_timeout(timeout)}
    return gettext(
        "No complete answer from the SMS API within %(limit)s; the message may still be delivered."
    ) % {"limit": format_timeout(timeout)}
