"""Serving connections: a bounded pool of workers, idle keep-alive connections in a selector.

One thread watches the listening socket and the idle keep-alive connections; a connection with a
request waiting is handed to one of a fixed number of workers, and back when it is answered. So
idle connections hold no thread, and a burst queues instead of spawning threads: past
:data:`MAX_CONNECTIONS`, new connections wait in the listen backlog, never refused.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import selectors
import socket
import socketserver
import sys
import threading
import time
from http.server import HTTPServer
from typing import Any

from django_tencent_sms.sandbox.server import Application, ConnectionHandler
from django_tencent_sms.sandbox.workers import WorkerPool

__all__ = ["DEFAULT_WORKERS", "IDLE_TIMEOUT", "SandboxHTTPServer"]

#: Seconds an idle keep-alive connection is kept open.
IDLE_TIMEOUT = 300
#: Threads that answer requests, by default.
DEFAULT_WORKERS = 16
#: Open connections at most; further ones wait in the listen backlog until one closes.
MAX_CONNECTIONS = 512
#: Connections the kernel queues before they are accepted.
LISTEN_BACKLOG = 128


class SandboxHTTPServer(HTTPServer):
    """An HTTP server with a fixed pool of ``workers`` threads that can close its open
    keep-alive connections on shutdown."""

    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self, address: tuple[str, int], app: Application, *, workers: int = DEFAULT_WORKERS
    ) -> None:
        self.app = app
        self.closing = False
        self._pool = WorkerPool(workers, "tencent-sms-sandbox-worker")
        self._sockets: set[socket.socket] = set()
        self._sockets_lock = threading.Lock()
        self._returned: queue.SimpleQueue[ConnectionHandler] = queue.SimpleQueue()
        self._stop_requested = threading.Event()
        self._stopped = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, ConnectionHandler)
        self.socket.setblocking(False)
        self._pool.name = f"tencent-sms-sandbox-worker-{self.port}"

    @property
    def workers(self) -> list[threading.Thread]:
        """The threads that answer requests (started by :meth:`serve`)."""
        return self._pool.threads

    def serve(self) -> None:
        """Accept connections until :meth:`stop_serving`; woken at once, no polling interval."""
        idle: dict[ConnectionHandler, float] = {}
        self._pool.start()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                selector.register(self._wake_r, selectors.EVENT_READ)
                listening = True
                while not self._stop_requested.is_set():
                    ready = selector.select(_idle_wait(idle))
                    if self._stop_requested.is_set():
                        break
                    for key, _ in ready:
                        if key.fileobj is self:
                            self._accept(selector, idle)
                        elif key.fileobj is self._wake_r:
                            with contextlib.suppress(OSError):
                                self._wake_r.recv(4096)
                        else:
                            selector.unregister(key.fileobj)
                            handler = key.data
                            del idle[handler]
                            self._pool.submit(functools.partial(self._work, handler))
                    self._take_back(selector, idle)
                    self._expire(selector, idle)
                    if listening != (len(self._sockets) < MAX_CONNECTIONS):
                        listening = not listening
                        if listening:
                            selector.register(self, selectors.EVENT_READ)
                        else:
                            selector.unregister(self)
        finally:
            self._pool.stop()
            for handler in idle:
                handler.close()
            self._stopped.set()

    def _accept(
        self, selector: selectors.BaseSelector, idle: dict[ConnectionHandler, float]
    ) -> None:
        """Take the waiting connections; each waits, idle, for its first request."""
        for _ in range(LISTEN_BACKLOG):
            try:
                sock, client_address = self.get_request()
            except OSError:
                return  # none left (or the client went away)
            if not self.verify_request(sock, client_address):
                self.shutdown_request(sock)
                continue
            try:
                handler = ConnectionHandler(sock, client_address, self)
            except Exception:
                self.handle_error(sock, client_address)
                self.shutdown_request(sock)
                continue
            if handler.close_connection:
                handler.close()
                continue
            selector.register(sock, selectors.EVENT_READ, handler)
            idle[handler] = time.monotonic()

    def _work(self, handler: ConnectionHandler) -> None:
        """In a worker: answer ``handler``'s requests, then hand it back or close it."""
        try:
            keep = handler.serve_waiting()
        except Exception:
            self.handle_error(handler.connection, handler.client_address)
            keep = False
        if not keep or self._stop_requested.is_set():
            handler.close()  # (once serve() has returned, nothing would take it back)
            return
        self._returned.put(handler)
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")

    def _take_back(
        self, selector: selectors.BaseSelector, idle: dict[ConnectionHandler, float]
    ) -> None:
        while True:
            try:
                handler = self._returned.get_nowait()
            except queue.Empty:
                return
            if self.closing:
                handler.close()
                continue
            selector.register(handler.connection, selectors.EVENT_READ, handler)
            idle[handler] = time.monotonic()

    def _expire(
        self, selector: selectors.BaseSelector, idle: dict[ConnectionHandler, float]
    ) -> None:
        """Close the connections idle for :data:`IDLE_TIMEOUT`."""
        if not idle:
            return
        now = time.monotonic()
        for handler, since in list(idle.items()):
            if now - since >= IDLE_TIMEOUT:
                selector.unregister(handler.connection)
                del idle[handler]
                handler.close()

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

    def handle_error(self, request: Any, client_address: Any) -> None:  # in an except block
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client went away, or stop() closed the connection
        super().handle_error(request, client_address)


def _idle_wait(idle: dict[ConnectionHandler, float]) -> float | None:
    """Seconds until the oldest idle connection expires (None: no idle connection)."""
    if not idle:
        return None
    return max(0.0, min(idle.values()) + IDLE_TIMEOUT - time.monotonic())
