"""A deadline for a whole answer: connection pools whose every socket read stops at it.

``requests`` and urllib3 bound each socket read, not the request: a server that sends one byte
just inside the read timeout, again and again, keeps a worker forever. The adapter here makes
connections whose responses (the status line, the headers and the body alike) read through
:class:`DeadlineReader`, which shortens each read's timeout to what is left before the deadline
set by :func:`deadline` and raises ``TimeoutError`` (``socket.timeout``) once it has passed;
urllib3 reports that as the read timeout it is. (Connecting, the TLS handshake included, is
bounded by the connect timeout, which is never longer than the whole.)
"""

from __future__ import annotations

import contextlib
import contextvars
import http.client
import io
import socket
import time
from collections.abc import Iterator
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["DeadlineAdapter", "DeadlineReader", "DeadlineResponse", "deadline"]

#: ``time.monotonic()`` by which the answer being read in this thread must be complete.
_current: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "tencent_sms_deadline", default=None
)


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Within this block, answers read in this thread through a :class:`DeadlineAdapter` stop
    at ``at`` (``time.monotonic()`` seconds)."""
    token = _current.set(at)
    try:
        yield
    finally:
        _current.reset(token)


class DeadlineReader(io.RawIOBase):
    """The raw reader of one response on ``sock``: every read ends by ``at``.

    Holds one of the socket's file references (as ``sock.makefile`` does), so the answer stays
    readable after the connection object lets go of the socket (``Connection: close``).
    """

    def __init__(self, sock: socket.socket, at: float) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)
        self._at = at

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        remaining = self._at - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the answer did not come within the request's deadline")
        base = self._sock.gettimeout()
        if base is not None and base <= remaining:
            return self._raw.readinto(buffer)
        self._sock.settimeout(remaining)
        try:
            return self._raw.readinto(buffer)
        finally:
            with contextlib.suppress(OSError):
                self._sock.settimeout(base)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class DeadlineResponse(http.client.HTTPResponse):
    """``http.client``'s response, read through a :class:`DeadlineReader` when a deadline is
    set (:func:`deadline`)."""

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        at = _current.get()
        if at is not None:
            self.fp.close()  # the plain reader, unread: hands its socket reference back
            self.fp = io.BufferedReader(DeadlineReader(sock, at))


class _Connection(HTTPConnection):
    response_class = DeadlineResponse


class _TlsConnection(HTTPSConnection):
    response_class = DeadlineResponse


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TlsPool(HTTPSConnectionPool):
    ConnectionCls = _TlsConnection


def _pool_classes() -> dict[str, type[HTTPConnectionPool]]:
    return {"http": _Pool, "https": _TlsPool}


class DeadlineAdapter(HTTPAdapter):
    """``HTTPAdapter`` whose connections (direct, or through an HTTP(S) proxy) keep the
    deadline of :func:`deadline`. Through a SOCKS proxy, urllib3's own connections are used:
    only the body is then bounded, by the caller's reading loop."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes()

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _pool_classes()
        return manager
