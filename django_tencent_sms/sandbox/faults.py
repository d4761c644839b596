"""Scripted failures (``Sandbox.fail_next``): what the next requests suffer instead of an answer."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FAULT_KINDS", "Fault"]

#: ``http_error``: answer HTTP ``status`` with a text body.
#: ``slow``: wait ``delay`` seconds, then answer normally.
#: ``drop``: read the request, then close the connection without answering.
#: ``not_json``: HTTP 200 with an HTML body.
#: ``result``: answer ``{"result": result, "errmsg": errmsg, …}`` without checking anything.
FAULT_KINDS = ("http_error", "slow", "drop", "not_json", "result")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Fault:
    """One scripted failure, consumed by one request."""

    kind: str
    status: int = 500
    delay: float = 1.0
    result: int = 1008
    errmsg: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if not _is_int(self.status) or not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status code (100-599)")
        if isinstance(self.delay, bool) or not isinstance(self.delay, (int, float)):
            raise ValueError("delay must be a number of seconds")
        if not 0 <= self.delay <= 3600:
            raise ValueError("delay must be between 0 and 3600 seconds")
        if not _is_int(self.result):
            raise ValueError("result must be an int")
        if self.errmsg is not None and not isinstance(self.errmsg, str):
            raise ValueError("errmsg must be a str or None")


def validate_count(count: object) -> int:
    """``count`` as a positive int, or ValueError."""
    if not _is_int(count) or count < 1:  # type: ignore[operator]
        raise ValueError("count must be a positive int")
    return count  # type: ignore[return-value]
