#!/usr/bin/env python3
"""A TCP proxy that adds a fixed delay each way, as a real-world network does.

    python bench/latency_proxy.py --port 8443 --upstream 127.0.0.1:9443 --delay-ms 25

Every chunk read from one side is written to the other ``--delay-ms`` after it was read, in
order, in both directions: requests, answers, TLS handshakes and connection closes (FIN) alike.
The TCP handshake is emulated too: the client's ``connect()`` returns at once (the kernel
completes it), so the first bytes the client sends are held until one round trip (SYN, SYN-ACK)
and one more one-way delay after the connection was accepted, which is when they would reach a
server that far away. Only latency is added: bandwidth is not limited and chunks are not
batched, so pipelined bytes stay pipelined.

Threads, not asyncio: each direction of a connection has a reader (``recv``, stamp the chunk
with its due time) and a writer (sleep until the head chunk is due, ``sendall``). ``time.sleep``
wakes within tens of µs; asyncio's selector timeouts are rounded up to whole milliseconds, which
would add up to 1 ms a way. How late the writers were is recorded, and written as JSON to
``--stats`` when the proxy stops (SIGTERM/SIGINT), so a benchmark can report how exact the
delay was.

For benchmarks on this machine only: it listens on the loopback address and forwards to one
fixed upstream address.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import signal
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

CHUNK = 65536
_EOF = object()


class Stats:
    """How late chunks were written (seconds past their due time), and what was carried."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lateness: list[float] = []
        self.connections = 0
        self.chunks = 0
        self.bytes = 0

    def summary(self, delay: float) -> dict:
        with self.lock:
            late = sorted(self.lateness)
        out = {
            "delay_ms": delay * 1e3,
            "connections": self.connections,
            "chunks": self.chunks,
            "bytes": self.bytes,
        }
        if late:
            out["late_ms"] = {
                "median": statistics.median(late) * 1e3,
                "p90": late[int(0.90 * (len(late) - 1))] * 1e3,
                "p99": late[int(0.99 * (len(late) - 1))] * 1e3,
                "max": late[-1] * 1e3,
            }
        return out


class Direction:
    """Bytes read from ``source``, written to ``target`` ``delay`` seconds later, in order."""

    def __init__(
        self,
        source: socket.socket,
        target: socket.socket,
        delay: float,
        stats: Stats,
        *,
        not_before: float = 0.0,
        done: threading.Event,
    ) -> None:
        self.source, self.target = source, target
        self.delay, self.stats = delay, stats
        #: The first chunk is not delivered before this (the emulated TCP handshake).
        self.not_before = not_before
        self.queue: collections.deque = collections.deque()
        self.ready = threading.Condition()
        self.done = done
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.writer = threading.Thread(target=self._write, daemon=True)

    def start(self) -> None:
        self.reader.start()
        self.writer.start()

    def _put(self, item: object) -> None:
        due = max(time.monotonic() + self.delay, self.not_before)
        with self.ready:
            self.queue.append((due, item))
            self.ready.notify()

    def _read(self) -> None:
        try:
            while True:
                data = self.source.recv(CHUNK)
                if not data:
                    break
                self._put(data)
        except OSError:
            pass
        self._put(_EOF)

    def _write(self) -> None:
        try:
            while True:
                with self.ready:
                    while not self.queue:
                        self.ready.wait()
                    due, item = self.queue[0]
                # Items are appended in due order: nothing can become due before the head.
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                late = time.monotonic() - due
                with self.ready:
                    self.queue.popleft()
                if item is _EOF:
                    with contextlib.suppress(OSError):
                        self.target.shutdown(socket.SHUT_WR)
                    return
                self.target.sendall(item)
                with self.stats.lock:
                    self.stats.lateness.append(late)
                    self.stats.chunks += 1
                    self.stats.bytes += len(item)
        except OSError:
            # The target went away: stop reading from the source as well.
            with contextlib.suppress(OSError):
                self.source.shutdown(socket.SHUT_RDWR)
        finally:
            self.done.set()


class LatencyProxy:
    """Listens on ``host:port`` (0: any free port) and forwards every connection to
    ``upstream``, adding ``delay`` seconds each way (see the module's docstring)."""

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        delay: float = 0.025,
        host: str = "127.0.0.1",
        port: int = 0,
        emulate_tcp_handshake: bool = True,
    ) -> None:
        self.upstream = upstream
        self.delay = delay
        self.emulate_tcp_handshake = emulate_tcp_handshake
        self.stats = Stats()
        self.listener = socket.create_server((host, port), backlog=128)
        self.port = self.listener.getsockname()[1]
        self._closing = False

    def serve_forever(self) -> None:
        while not self._closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                if self._closing:
                    return
                raise
            accepted = time.monotonic()
            threading.Thread(target=self._connect, args=(client, accepted), daemon=True).start()

    def _connect(self, client: socket.socket, accepted: float) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.stats.lock:
            self.stats.connections += 1
        # SYN (one way) + SYN-ACK (back) + the first data (one way) before it reaches the server.
        first = accepted + 3 * self.delay if self.emulate_tcp_handshake else 0.0
        up_done, down_done = threading.Event(), threading.Event()
        up = Direction(client, upstream, self.delay, self.stats, not_before=first, done=up_done)
        down = Direction(upstream, client, self.delay, self.stats, done=down_done)
        up.start()
        down.start()
        up_done.wait()
        down_done.wait()
        client.close()
        upstream.close()

    def close(self) -> None:
        self._closing = True
        with contextlib.suppress(OSError):
            self.listener.close()


def parse_address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any)")
    parser.add_argument("--upstream", type=parse_address, required=True, help="HOST:PORT")
    parser.add_argument("--delay-ms", type=float, default=25.0, help="added each way")
    parser.add_argument(
        "--no-tcp-handshake",
        action="store_true",
        help="do not hold a connection's first bytes for the emulated TCP handshake",
    )
    parser.add_argument("--stats", help="write delay statistics (JSON) here when stopped")
    args = parser.parse_args(argv)
    proxy = LatencyProxy(
        args.upstream,
        delay=args.delay_ms / 1e3,
        port=args.port,
        emulate_tcp_handshake=not args.no_tcp_handshake,
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    print(
        f"latency proxy on 127.0.0.1:{proxy.port} → {args.upstream[0]}:{args.upstream[1]}, "
        f"+{args.delay_ms:g} ms each way",
        flush=True,
    )
    while not stop.wait(0.5):
        pass
    proxy.close()
    if args.stats:
        Path(args.stats).write_text(json.dumps(proxy.stats.summary(proxy.delay), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
