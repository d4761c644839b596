"""The HTTP/1.1 plumbing of one connection: keep-alive, one write per response, quiet.

It knows nothing of Tencent: an application object turns each :class:`HttpRequest` into a
:class:`Reply`. ``sandbox.listener`` runs the connections.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "Application",
    "ConnectionHandler",
    "ConnectionOwner",
    "HttpRequest",
    "Reply",
    "json_reply",
    "text_reply",
]

MAX_BODY = 1 << 20
#: Seconds a worker waits for the rest of a request it started reading (or to write).
REQUEST_TIMEOUT = 30


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    #: Serial number of the TCP connection.
    connection: int


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    #: Close the connection without answering.
    drop: bool = False
    #: The body, made as it is written (instead of ``body``): generated chunks.
    stream: Callable[[], Iterator[bytes]] | None = None
    #: The ``Content-Length`` announced for ``stream``; ``None``: sent chunked.
    length: int | None = None
    #: Seconds between the bytes of the response, written one at a time (None: all at once).
    trickle: float | None = None
    #: How a trickled response pauses: ``wait(seconds)``, true when it should stop instead.
    wait: Callable[[float], bool] | None = None


def json_reply(data: Any, status: int = 200) -> Reply:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(status, body)


def text_reply(status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> Reply:
    return Reply(status, text.encode("utf-8"), content_type)


class Application(Protocol):
    """What answers the requests: ``Sandbox``."""

    def handle_http(self, request: HttpRequest) -> Reply: ...

    def connection_opened(self) -> int: ...


class ConnectionOwner(Protocol):
    """What a :class:`ConnectionHandler` needs of its server."""

    app: Application
    closing: bool

    def track(self, sock: socket.socket) -> bool: ...

    def untrack(self, sock: socket.socket) -> None: ...

    def shutdown_request(self, request: Any) -> None: ...


class _BadRequest(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


class ConnectionHandler(BaseHTTPRequestHandler):
    """One keep-alive connection: :meth:`serve_waiting` answers what has arrived on it."""

    protocol_version = "HTTP/1.1"
    server_version = "TencentSmsSandbox"
    sys_version = ""
    timeout = REQUEST_TIMEOUT

    def __init__(self, request: socket.socket, client_address: Any, server: Any) -> None:
        # Not BaseRequestHandler's, which serves the connection to its end right here: the
        # server calls serve_waiting() whenever a request has arrived, then close().
        self.request, self.client_address, self.server = request, client_address, server
        self.owner: ConnectionOwner = server
        self.close_connection = False
        self.setup()

    def serve_waiting(self) -> bool:
        """Answer the requests that have arrived; whether to keep the connection open."""
        while True:
            self.handle_one_request()
            if self.close_connection or self.owner.closing:
                return False
            if not self._buffered():
                return True

    def _buffered(self) -> bool:
        """Whether more of a request is already read into ``rfile`` (a pipelining client)."""
        try:
            self.connection.setblocking(False)
            return isinstance(self.rfile, io.BufferedReader) and bool(self.rfile.peek(1))
        except OSError:
            return False
        finally:
            with contextlib.suppress(OSError):
                self.connection.settimeout(self.timeout)

    def close(self) -> None:
        try:
            with contextlib.suppress(OSError):
                self.finish()
        finally:
            self.owner.shutdown_request(self.connection)

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.serial = self.owner.app.connection_opened()
        if not self.owner.track(self.connection):
            self.close_connection = True

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.owner.untrack(self.connection)

    def handle_one_request(self) -> None:
        if self.owner.closing:
            self.close_connection = True
            return
        super().handle_one_request()

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _BadRequest as exc:
            self.close_connection = True
            self._send(text_reply(exc.status, f"{exc}\n"))
            return
        split = urlsplit(self.path)
        query: dict[str, str] = {}
        for name, value in parse_qsl(split.query, keep_blank_values=True):
            query.setdefault(name, value)
        request = HttpRequest(
            method=self.command,
            path=split.path,
            query=query,
            headers=dict(self.headers.items()),
            body=body,
            connection=self.serial,
        )
        reply = self.owner.app.handle_http(request)
        if reply.drop:
            self.close_connection = True
            return
        self._send(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            size = int(length)
        except ValueError:
            raise _BadRequest(400, "bad Content-Length") from None
        if size < 0:
            raise _BadRequest(400, "bad Content-Length")
        if size > MAX_BODY:
            raise _BadRequest(413, "request body too large")
        return self.rfile.read(size)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400, "bad chunk size") from None
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise _BadRequest(413, "request body too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(65537)

    def _send(self, reply: Reply) -> None:
        reason = self.responses.get(reply.status, ("",))[0]
        if reply.stream is None:
            framing = f"Content-Length: {len(reply.body)}"
        elif reply.length is not None:
            framing = f"Content-Length: {reply.length}"
        else:
            framing = "Transfer-Encoding: chunked"
        lines = [
            f"{self.protocol_version} {reply.status} {reason}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
            f"Content-Type: {reply.content_type}",
            framing,
            *(f"{name}: {value}" for name, value in reply.headers),
        ]
        if self.close_connection or reply.trickle is not None or reply.stream is not None:
            self.close_connection = True  # the client may give up half-way
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if reply.stream is not None:
            self.wfile.write(head)
            for chunk in reply.stream():
                if reply.length is None:
                    chunk = b"%x\r\n%s\r\n" % (len(chunk), chunk)
                self.wfile.write(chunk)
            if reply.length is None:
                self.wfile.write(b"0\r\n\r\n")
        elif reply.trickle is not None:
            self._trickle(head + reply.body, reply.trickle, reply.wait)
        else:
            # One write: headers and body in separate segments would meet the client's delayed
            # ACK.
            self.wfile.write(head + reply.body)

    def _trickle(self, data: bytes, interval: float, wait: Callable[[float], bool] | None) -> None:
        pause = wait or threading.Event().wait
        for index in range(len(data)):
            self.wfile.write(data[index : index + 1])
            if pause(interval):
                return

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet; the application logs when asked to
