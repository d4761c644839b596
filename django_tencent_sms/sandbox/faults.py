"""Scripted failures (``Sandbox.fail_next``): what the next requests suffer instead of an answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django_tencent_sms.sandbox.server import Reply, text_reply

__all__ = ["FAULT_KINDS", "HUGE_SIZE", "Fault", "delivered", "transport_reply", "validate_count"]

#: ``http_error``: answer HTTP ``status`` with a text body.
#: ``slow``: wait ``delay`` seconds, then answer normally.
#: ``drop``: read the request, then close the connection without answering.
#: ``not_json``: HTTP 200 with an HTML body.
#: ``result``: answer ``{"result": result, "errmsg": errmsg, …}`` without checking anything; on
#: API 3.0, the error code of the same meaning. With ``code`` (an API 3.0 error-code name), API
#: 3.0 answers that code and the legacy API its equivalent ``result`` (``result`` without one).
#: ``trickle``: answer normally, but write the response one byte every ``delay`` seconds.
#: ``huge``: HTTP 200 announcing a body of ``size`` bytes (``Content-Length``) and streaming it.
#: ``huge_chunked``: the same without announcing it (``Transfer-Encoding: chunked``).
#: ``lost_answer``: take the request as usual (a send is accepted, recorded and reported),
#: then hold the answer ``delay`` seconds and close the connection without it: the client
#: times out on a message that went out.
FAULT_KINDS = (
    "http_error",
    "slow",
    "drop",
    "not_json",
    "result",
    "trickle",
    "huge",
    "huge_chunked",
    "lost_answer",
)

#: The body a ``huge`` fault streams by default: 200 MB, generated as it is written.
HUGE_SIZE = 200 * 1000 * 1000
_HUGE_CHUNK = b" " * (64 * 1024)


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
    size: int = HUGE_SIZE
    code: str | None = None

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
        if self.code is not None and not (isinstance(self.code, str) and self.code):
            raise ValueError("code must be an API 3.0 error-code name or None")
        if not _is_int(self.size) or not 0 <= self.size <= 1 << 40:
            raise ValueError("size must be a number of bytes (0 to 1 TiB)")


def validate_count(count: object) -> int:
    """``count`` as a positive int, or ValueError."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError("count must be a positive int")
    return count


def transport_reply(fault: Fault | None, not_json_page: str) -> Reply | None:
    """The answer of a fault that replaces the API's (``http_error``, ``drop``, ``not_json``
    with ``not_json_page`` as the HTML), else ``None``: the API answers."""
    if fault is None:
        return None
    if fault.kind == "http_error":
        return text_reply(fault.status, f"sandbox fault: HTTP {fault.status}\n")
    if fault.kind == "drop":
        return Reply(drop=True)
    if fault.kind == "not_json":
        return text_reply(200, not_json_page, "text/html")
    if fault.kind in ("huge", "huge_chunked"):
        size = fault.size
        return Reply(
            200,
            stream=lambda: _spaces(size),
            length=size if fault.kind == "huge" else None,
        )
    return None


def delivered(reply: Reply, fault: Fault | None, wait: Callable[[float], bool]) -> Reply:
    """``reply`` as the connection delivers it: trickled for a ``trickle`` fault, pausing with
    ``wait(seconds)`` (true: stop, the sandbox is being reset or stopped); never, after
    ``delay``, for a ``lost_answer`` fault."""
    if fault is not None and fault.kind == "lost_answer":
        wait(fault.delay)
        return Reply(drop=True)
    if fault is None or fault.kind != "trickle":
        return reply
    return dataclasses.replace(reply, trickle=fault.delay, wait=wait)


def _spaces(size: int) -> Iterator[bytes]:
    """``size`` bytes of JSON whitespace, in chunks, never all in memory."""
    while size > 0:
        chunk = _HUGE_CHUNK[:size]
        size -= len(chunk)
        yield chunk
