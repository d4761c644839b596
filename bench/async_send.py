#!/usr/bin/env python3
"""Async callers: 64 concurrent ``asend_sms`` on one event loop against 64 threads of ``send_sms``.

    python bench/async_send.py                  # the log on PostgreSQL (BENCH_DATABASE_URL)
    python bench/async_send.py --db sqlite      # the log in a SQLite file, WAL mode

The network is throughput.py's: the emulator behind TLS and a latency proxy, 25 ms each way, so
a request on an open connection takes a 50 ms round trip. ``asend_sms`` runs ``send_sms`` in the
package's thread pool (``sending.aio``, ``THREADS`` = 64), so the question is whether that
wrapper costs throughput. Sides, alternated in every round, each sending ``-n`` messages:

* ``threads``: ``--concurrency`` threads (``common.ThreadPool``) share the messages, each calling
  ``send_sms``; their database connections stay open for the round (closed after it);
* ``async``: ``asyncio.run`` of the ``-n`` calls of ``asend_sms``, at most ``--concurrency``
  awaited at once (a semaphore), with Django's default ``CONN_MAX_AGE`` = 0: each call's thread
  closes its database connection after the call, as a request would;
* ``async, CONN_MAX_AGE 60``: the same with persistent connections, kept for the round and
  closed after it, as ``threads`` has them; the difference between the two async sides is the
  reconnecting alone.

Every side sends through one ``TencentBackend`` whose pool keeps ``--concurrency`` keep-alive
connections (``--default-pool``: the default 16, as ``TENCENT_SMS["BACKEND"]`` builds it).

Reported: messages per second of each, and the median per-round ratio of each async side to
``threads`` (1.00: the wrapper costs nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import threading
import time

import common

PARAMS = ["A1234", "SF100200300"]
TEMPLATE = {"name": "bench-notice", "tpl_id": 1001, "text": "您的订单{1}已发货，快递单号{2}。"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--default-pool",
        dest="pool",
        action="store_false",
        help="the backend's default pool (16 connections) instead of one per message in flight",
    )
    parser.add_argument("--delay-ms", type=float, default=25.0, help="added each way")
    common.common_arguments(parser, rounds=7, n=256)
    parser.set_defaults(warmup=1)
    args = parser.parse_args()
    started = time.perf_counter()
    with (
        common.emulator() as emulator_url,
        common.secure_network(emulator_url, args.delay_ms) as network,
    ):
        common.setup_log_database(args.db, "async_send.sqlite3", network)
        result = run(args, network)
    result.seconds = time.perf_counter() - started
    result.print()
    result.save(args.json)


def run(args: argparse.Namespace, network: common.Network) -> common.Result:
    from django.db import connections

    from django_tencent_sms import asend_sms, send_sms
    from django_tencent_sms.backends import get_backend
    from django_tencent_sms.models import SmsLog, SmsTemplate
    from django_tencent_sms.sending import aio

    database = "PostgreSQL" if args.db == "postgres" else "SQLite file, WAL"
    common.migrate()
    common.empty_log()
    SmsTemplate.objects.update_or_create(
        name=TEMPLATE["name"], defaults={**TEMPLATE, "is_active": True}
    )
    numbers = itertools.count()  # next() is atomic: a number of its own for every message

    def phone() -> str:
        return f"+86138{next(numbers):08d}"

    # One backend for every side, its pool as large as the concurrency: with the default 16
    # keep-alive connections, 48 of 64 requests in flight would open (and throw away) a new TLS
    # connection each, and the handshakes' CPU would swamp what is measured here.
    backend = get_backend(pool_size=args.concurrency) if args.pool else get_backend()

    def threaded(i: int) -> None:
        send_sms(phone(), TEMPLATE["name"], PARAMS, backend=backend)

    async def burst(n: int) -> None:
        gate = asyncio.Semaphore(args.concurrency)

        async def one() -> None:
            async with gate:
                await asend_sms(phone(), TEMPLATE["name"], PARAMS, backend=backend)

        await asyncio.gather(*(one() for _ in range(n)))

    settings_dict = connections.settings["default"]  # every new connection reads this dict

    def close_pool_connections() -> None:
        # One call per pool thread (a barrier keeps each on a thread of its own), closing it.
        barrier = threading.Barrier(aio.THREADS)

        def close() -> None:
            barrier.wait(timeout=30)
            connections.close_all()

        for future in [aio.executor().submit(close) for _ in range(aio.THREADS)]:
            future.result()

    def async_side(max_age: int) -> common.Timing:
        settings_dict["CONN_MAX_AGE"] = max_age
        try:
            with common.timing() as t:
                asyncio.run(burst(args.n))
        finally:
            settings_dict["CONN_MAX_AGE"] = 0
            close_pool_connections()
        return t

    pool = common.ThreadPool(args.concurrency)

    def threads_side() -> common.Timing:
        t = pool.run(threaded, args.n)
        # Closed after every round, as async, CONN_MAX_AGE 60 does: both then open one
        # connection per thread per round, and the server's max_connections (100 by default)
        # is never exceeded by the two sides' connections together.
        pool.run(lambda i: connections.close_all(), args.concurrency)
        return t

    sides = {
        "threads": threads_side,
        "async": lambda: async_side(0),
        "async, CONN_MAX_AGE 60": lambda: async_side(60),
    }
    try:
        times = common.alternate(sides, rounds=args.rounds, warmup=args.warmup)
    finally:
        pool.close()
    sent = SmsLog.objects.filter(status=SmsLog.Status.SENT).count()
    expected = (args.rounds + args.warmup) * args.n * len(sides)
    if sent != expected:
        raise RuntimeError(f"{sent} messages logged as sent, expected {expected}")

    rtt = 2 * network.delay
    floor = args.concurrency / rtt
    label = "async-postgres" if args.db == "postgres" else "async-sqlite-wal"
    result = common.Result(label, common.machine(database))
    bench = f"6. async callers, TLS + {rtt * 1e3:g} ms round trip ({database})"
    rates = {name: common.Spread.of([args.n / t for t in times[name]]) for name in sides}
    cpu = {name: common.per_op(times[f"{name} cpu"], args.n) for name in sides}

    def rate(name: str) -> str:
        s = rates[name]
        return f"{s.median:.0f} (IQR {s.q1:.0f}–{s.q3:.0f}, {s.n} rounds)"

    def context(name: str) -> str:
        return (
            f"{rates[name].median / floor:.0%} of the floor ({floor:.0f}/s: "
            f"{args.concurrency} in flight ÷ {rtt * 1e3:g} ms); CPU in this process "
            f"{cpu[name].median:.0f} µs per message"
        )

    c = args.concurrency
    for name, measure in (
        ("threads", f"{c} threads of send_sms: messages per second"),
        ("async", f"{c} concurrent asend_sms, CONN_MAX_AGE 0: messages per second"),
        ("async, CONN_MAX_AGE 60", f"{c} concurrent asend_sms, CONN_MAX_AGE 60: per second"),
    ):
        result.add(bench, measure, rate(name), context=context(name))
    for name in ("async", "async, CONN_MAX_AGE 60"):
        ratio = common.ratios(times, "threads", name)  # time(threads) / time(async) = speed
        result.add(
            bench,
            f"{name} / threads, messages per second",
            str(ratio),
            "≥ 0.90",
            ratio.median >= 0.9,
            f"{args.n} messages per side per round, the log on {database}; the backend's pool: "
            f"{backend.pool_size} connections",
        )
    result.details = {
        "n": args.n,
        "rounds": args.rounds,
        "concurrency": c,
        "per_second": {name: rates[name].median for name in sides},
        "round_seconds": {name: times[name] for name in sides},
    }
    return result


if __name__ == "__main__":
    main()
