"""The HTTP/1.1 plumbing: keep-alive, one write per response, quiet, prompt to stop.

It knows nothing of Tencent: an application object turns each :class:`HttpRequest` into a
:class:`Reply`.
"""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

__all__ = ["HttpRequest", "Reply", "SandboxHTTPServer", "json_reply", "text_reply"]

MAX_BODY = 1 << 20
#: Seconds an idle keep-alive connection is kept open.
IDLE_TIMEOUT = 300


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
    def handle_http(self, request: HttpRequest) -> Reply: ...

    def connection_opened(self) -> int: ...


class _BadRequest(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TencentSmsSandbox"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.serial = self.server.app.connection_opened()
        if not self.server.track(self.connection):
            self.close_connection = True

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def handle_one_request(self) -> None:
        if self.server.closing:
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
        reply = self.server.app.handle_http(request)
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


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that can close its open keep-alive connections on shutdown."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: Application) -> None:
        self.app = app
        self.closing = False
        self._sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()
        self._stop_requested = threading.Event()
        self._stopped = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def serve(self) -> None:
        """Accept connections until :meth:`stop_serving`; woken at once, no polling interval."""
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._wake_r, selectors.EVENT_READ)
                while not self._stop_requested.is_set():
                    ready = selector.select()
                    if self._stop_requested.is_set():
                        break
                    if any(key.fileobj is self for key, _ in ready):
                        self._accept()
        finally:
            self._stopped.set()

    def _accept(self) -> None:
        """Take one waiting connection and hand it to a handler thread."""
        try:
            sock, client_address = self.get_request()
        except OSError:
            return
        if not self.verify_request(sock, client_address):
            self.shutdown_request(sock)
            return
        try:
            self.process_request(sock, client_address)
        except Exception:
            self.handle_error(sock, client_address)
            self.shutdown_request(sock)
        except BaseException:
            self.shutdown_request(sock)
            raise

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self.server_port

    def stop_serving(self) -> None:
        """Make :meth:`serve` return, and wait for it (call from another thread)."""
        self._stop_requested.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._wake_r.close()
        self._wake_w.close()

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup that can stall.
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, sock: socket.socket) -> bool:
        with self._sockets_lock:
            if self.closing:
                return False
            self._sockets.add(sock)
            return True

    def untrack(self, sock: socket.socket) -> None:
        with self._sockets_lock:
            self._sockets.discard(sock)

    def close_connections(self) -> None:
        """Refuse further requests and shut down every open connection."""
        with self._sockets_lock:
            self.closing = True
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client went away, or stop() closed the connection
        super().handle_error(request, client_address)
