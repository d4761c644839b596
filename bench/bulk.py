#!/usr/bin/env python3
"""Bulk: ``send_bulk`` of 10,000 numbers through TLS and +25 ms each way, and its memory.

    python bench/bulk.py                 # the log on PostgreSQL (BENCH_DATABASE_URL)
    python bench/bulk.py --db sqlite     # the log in a SQLite file, WAL mode

The same network as ``bench/throughput.py``: the emulator behind the TLS terminator
(``bench/tls.py``) and the latency proxy (``bench/latency_proxy.py``, 25 ms each way). One
worker (this thread) sends; ``TencentBackend.send_bulk`` posts one ``sendmultisms2`` of 200
numbers per batch over its keep-alive connections, so 10,000 numbers are 50 requests: a floor
of 50 × 50 ms = 2.5 s, plus the database work (each batch's rows are inserted before its request
and updated after it).

Two sides, alternated in every round:

* ``send_bulk``: ``send_bulk(<generator of -n numbers>, "bench-notice", params)``;
* ``bare``: the same 50 requests, built and signed with ``protocol.v5.build_sendmultisms2`` and
  posted over a keep-alive ``requests.Session``, their answers parsed: no log, no validation.
  What the network and the emulator allow.

Reported: the time of ``send_bulk`` (median over rounds) against the floor and against the
bare posts (median per-round ratio); from a separate pass, where that time goes (the requests,
which overlap the next batch's work, and the time inside the database) and the queries per
batch. Then memory: ``send_bulk``
of ``--memory-n`` numbers (100,000) from a generator, once for the growth of this process's
resident memory at its peak over what it was before (``VmHWM`` reset through
``/proc/self/clear_refs``), once under ``tracemalloc`` for the peak of Python's allocations
(target ≤ 50 MB).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import time
from pathlib import Path

import common

PARAMS = ["A1234", "SF100200300"]
TEMPLATE = {"name": "bench-notice", "tpl_id": 1001, "text": "您的订单{1}已发货，快递单号{2}。"}
SIGN = "腾讯云"
MB = 1024 * 1024
#: Numbers sent before the memory passes, so that they measure the send, not first-use costs.
WARM_UP = 1_000
#: Threads of the hand loop that send_bulk (BULK_CONCURRENCY batches in flight) is compared to.
HAND_THREADS = 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--delay-ms", type=float, default=25.0, help="added each way")
    parser.add_argument(
        "--memory-n", type=int, default=100_000, help="numbers for the memory passes (0: none)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        help="TENCENT_SMS['BULK_CONCURRENCY'] for send_bulk (default: the app's own default)",
    )
    common.common_arguments(parser, rounds=5, n=10_000)
    parser.set_defaults(warmup=1)
    args = parser.parse_args()
    if args.concurrency:
        os.environ["BENCH_BULK_CONCURRENCY"] = str(args.concurrency)
    started = time.perf_counter()
    with (
        common.emulator() as emulator_url,
        common.secure_network(emulator_url, args.delay_ms) as network,
    ):
        common.setup_log_database(args.db, "bulk.sqlite3", network)
        try:
            result = run(args, network, emulator_url)
        finally:
            # Leave the shared database small for the other benchmarks: this one wrote
            # hundreds of thousands of rows.
            common.empty_log()
    result.seconds = time.perf_counter() - started
    result.print()
    result.save(args.json)


def numbers(n: int, start: int):
    """``n`` domestic numbers, as text, from a generator (never a list)."""
    return (f"+86139{i:08d}" for i in range(start, start + n))


def run(args: argparse.Namespace, network: common.Network, emulator_url: str) -> common.Result:
    import phonenumbers
    from django.db import connection
    from django.db.backends.signals import connection_created

    from django_tencent_sms.backends import get_backend
    from django_tencent_sms.message import BulkMessage
    from django_tencent_sms.models import SmsTemplate
    from django_tencent_sms.protocol import v5
    from django_tencent_sms.sending.batch import BATCH_SIZE
    from django_tencent_sms.sending.bulk import send_bulk

    database = "PostgreSQL" if args.db == "postgres" else "SQLite file, WAL"
    common.migrate()
    # Not QuerySet.delete() on PostgreSQL: it would load every row of earlier runs into this
    # process, and the memory it leaves behind would hide send_bulk's growth.
    common.empty_log()
    SmsTemplate.objects.update_or_create(
        name=TEMPLATE["name"], defaults={**TEMPLATE, "is_active": True}
    )
    backend = get_backend()
    assert type(backend).__name__ == "TencentBackend", backend
    assert backend.api_url == network.api_url, backend.api_url
    assert backend.verify == str(network.trust), backend.verify
    n = args.n
    requests_per_send = -(-n // BATCH_SIZE)
    start = iter(range(0, 10**8, n))  # every send gets numbers of its own

    def bulk() -> common.Timing:
        first = next(start)
        with common.timing() as t:
            summary = send_bulk(numbers(n, first), TEMPLATE["name"], PARAMS)
        if summary.sent != n or summary.batches != requests_per_send:
            raise RuntimeError(f"send_bulk: {summary}")
        return t

    session = common.bare_session("https")

    def bare() -> common.Timing:
        first = next(start)
        parsed = [phonenumbers.parse(p) for p in numbers(n, first)]
        batches = [parsed[i : i + BATCH_SIZE] for i in range(0, n, BATCH_SIZE)]
        with common.timing() as t:
            for phones in batches:
                message = BulkMessage(
                    phones=tuple(phones),
                    tpl_id=TEMPLATE["tpl_id"],
                    params=tuple(PARAMS),
                    sign=SIGN,
                )
                response = common.bare_post(
                    session,
                    v5.build_sendmultisms2,
                    message,
                    network.api_url,
                    verify=str(network.trust),
                )
                answer = v5.parse_sendmultisms2_response(
                    response.status_code, response.content, message
                )
                if any(r.result != 0 for r in answer.recipients):
                    raise RuntimeError("bare: a number was refused")
        return t

    threaded_session = common.bare_session("https", pool_size=HAND_THREADS)

    def bare_threads() -> common.Timing:
        """The same posts from a hand loop of HAND_THREADS threads, no log: what a caller
        that parallelises its own batches gets."""
        import concurrent.futures

        first = next(start)
        parsed = [phonenumbers.parse(p) for p in numbers(n, first)]
        batches = [parsed[i : i + BATCH_SIZE] for i in range(0, n, BATCH_SIZE)]

        def post(phones):
            message = BulkMessage(
                phones=tuple(phones), tpl_id=TEMPLATE["tpl_id"], params=tuple(PARAMS), sign=SIGN
            )
            response = common.bare_post(
                threaded_session,
                v5.build_sendmultisms2,
                message,
                network.api_url,
                verify=str(network.trust),
            )
            v5.parse_sendmultisms2_response(response.status_code, response.content, message)

        with concurrent.futures.ThreadPoolExecutor(HAND_THREADS) as pool, common.timing() as t:
            list(pool.map(post, batches))
        return t

    # Memory first, while this process has not yet sent anything big: its resident memory has
    # not yet been raised by earlier sends, which could hide the growth of this one.
    memory: dict[str, float] = {}
    if args.memory_n:
        # Straight to the emulator (plain HTTP, no delay): the network changes how long the
        # passes take, not what they hold; this keeps them to about a minute.
        from django_tencent_sms.backends.tencent import TencentBackend

        direct = TencentBackend(api_url=emulator_url)
        memory = memory_passes(args.memory_n, direct)

    times = common.alternate(
        {"send_bulk": bulk, "bare": bare, "bare threads": bare_threads},
        rounds=args.rounds,
        warmup=args.warmup,
    )

    # Where the time goes: a separate pass, with the queries and the backend's calls timed.
    counter = common.QueryCounter()
    counter.keep = True
    waited = [0.0]
    real_send_bulk = backend.send_bulk

    def timed_send_bulk(message):
        t0 = time.perf_counter()
        try:
            return real_send_bulk(message)
        finally:
            waited[0] += time.perf_counter() - t0

    # The helper threads write the batches on connections of their own: count those too.
    def count_there(sender, connection, **kwargs):
        connection.execute_wrappers.append(counter)

    backend.send_bulk = timed_send_bulk
    connection_created.connect(count_there)
    try:
        with connection.execute_wrapper(counter):
            pass_time = bulk().wall
    finally:
        connection_created.disconnect(count_there)
        del backend.send_bulk
    statements: dict[str, int] = {}
    for sql in counter.statements:
        verb = sql.split(None, 1)[0]
        shape = verb
        if verb == "UPDATE" and " CASE " in sql:
            shape = "UPDATE … CASE (bulk_update)"
        elif verb == "UPDATE" and " FROM (VALUES " in sql:
            shape = "UPDATE … FROM (VALUES …)"
        elif sql.startswith("WITH w AS (UPDATE"):
            shape = "WITH … UPDATE (outcomes and rollup)"
        elif verb == "WITH":
            shape = "WITH … INSERT (rows and rollup)"
        statements[shape] = statements.get(shape, 0) + 1

    steps = batch_breakdown(BATCH_SIZE)

    if args.profile:
        with common.profiled(common.OUT / "bulk.txt"):
            bulk()

    floor = requests_per_send * 2 * network.delay
    result = common.Result(
        "bulk" if args.db == "postgres" else "bulk-sqlite-wal", common.machine(database)
    )
    bench = f"3. bulk, TLS + {2 * network.delay * 1e3:g} ms round trip ({database})"
    bulk_s = common.Spread.of(times["send_bulk"])
    bare_s = common.Spread.of(times["bare"])
    cpu = common.Spread.of(times["send_bulk cpu"])
    db = counter.seconds
    result.add(
        bench,
        f"send_bulk of {n:,} numbers, one worker: seconds",
        f"{bulk_s.median:.2f} (IQR {bulk_s.q1:.2f}–{bulk_s.q3:.2f}, {bulk_s.n} rounds)",
        context=f"floor {requests_per_send} requests × {2 * network.delay * 1e3:g} ms = "
        f"{floor:.2f} s; {n / bulk_s.median:,.0f} numbers per second; CPU in this process "
        f"{cpu.median:.2f} s",
    )
    result.add(
        bench,
        f"send_bulk / bare ({requests_per_send} sendmultisms2 posts, no log)",
        str(common.ratios(times, "send_bulk", "bare")),
        context=f"bare: {bare_s.median:.2f} s (IQR {bare_s.q1:.2f}–{bare_s.q3:.2f}), "
        f"{bare_s.median / floor:.2f} × the floor",
    )
    hand_s = common.Spread.of(times["bare threads"])
    result.add(
        bench,
        f"send_bulk / a {HAND_THREADS}-thread hand loop of 200-number posts (no log)",
        str(common.ratios(times, "send_bulk", "bare threads")),
        context=f"hand loop: {hand_s.median:.2f} s (IQR {hand_s.q1:.2f}–{hand_s.q3:.2f}); "
        "target ≤ 1.3",
    )
    hand_cpu = common.Spread.of(times["bare threads cpu"])
    result.add(
        bench,
        f"CPU in this process: send_bulk / the {HAND_THREADS}-thread hand loop",
        str(common.ratios(times, "send_bulk cpu", "bare threads cpu")),
        context=f"send_bulk {cpu.median:.2f} s, hand loop {hand_cpu.median:.2f} s of CPU (all "
        "threads): what bounds the time when the machine is busy",
    )
    machine_bulk = common.Spread.of(times["send_bulk machine cpu"])
    machine_hand = common.Spread.of(times["bare threads machine cpu"])
    cores = os.cpu_count() or 1
    result.add(
        bench,
        f"CPU of the whole machine: send_bulk / the {HAND_THREADS}-thread hand loop",
        str(common.ratios(times, "send_bulk machine cpu", "bare threads machine cpu")),
        context=f"send_bulk {machine_bulk.median:.2f} s, hand loop {machine_hand.median:.2f} s of "
        "CPU in every process (this one, the database, the emulator, the TLS terminator, the "
        f"proxy): on {cores} cores, send_bulk cannot take less than "
        f"{machine_bulk.median / cores:.2f} s, "
        f"{machine_bulk.median / cores / hand_s.median:.2f} × the hand loop's time",
    )
    result.add(
        bench,
        "where send_bulk's time goes (separate pass)",
        f"{pass_time:.2f} s",
        context=f"the {requests_per_send} requests {waited[0]:.2f} s "
        f"({waited[0] / requests_per_send * 1e3:.1f} ms each, from the helper threads, "
        f"overlapping each other), inside the database (every thread's queries) {db:.2f} s "
        f"({counter.count / requests_per_send:g} queries per batch: "
        + ", ".join(f"{k} ×{v / requests_per_send:g}" for k, v in statements.items())
        + f"); requests + database {waited[0] + db:.2f} s, floor + database "
        f"{floor + db:.2f} s",
    )
    result.add(
        bench,
        f"one batch of {BATCH_SIZE}, step by step (ms, median of {BATCH_ROUNDS})",
        f"{sum(v[0] for k, v in steps.items() if k in OWN_STEPS):.1f} ms + the request",
        context=", ".join(
            f"{name} {wall:.1f}" + (f" ({db:.1f} inside the database)" if db else "")
            for name, (wall, db) in steps.items()
        ),
    )
    if memory:
        mn = args.memory_n
        result.add(
            bench,
            f"memory: RSS growth at the peak, {mn:,} numbers from a generator",
            f"{max(memory['rss_growth_mb'], 0):.1f} MB",
            "≤ 50 MB",
            memory["rss_growth_mb"] <= 50,
            f"resident {memory['rss_before_mb']:.1f} MB before (after a send of "
            f"{WARM_UP:,}), {memory['rss_peak_mb']:.1f} MB at the peak; {memory['rss_seconds']:.1f}"
            f" s, {mn / memory['rss_seconds']:,.0f} numbers per second (this pass and the next "
            "post to the emulator directly, without TLS or delay)",
        )
        result.add(
            bench,
            f"memory: tracemalloc peak, {mn:,} numbers from a generator",
            f"{memory['traced_peak_mb']:.1f} MB",
            "≤ 50 MB",
            memory["traced_peak_mb"] <= 50,
            f"Python allocations above those live before: peak {memory['traced_peak_mb']:.1f} MB,"
            f" {memory['traced_after_mb']:.1f} MB still held after",
        )
    result.details = {
        "n": n,
        "rounds": args.rounds,
        "floor_seconds": floor,
        "send_bulk_seconds": times["send_bulk"],
        "bare_seconds": times["bare"],
        "pass": {
            "seconds": pass_time,
            "waiting": waited[0],
            "database": db,
            "queries": counter.count,
            "statements": statements,
        },
        "batch_steps_ms": steps,
        "memory": {**memory, "max_rss_mb_whole_run": max_rss_mb()},
    }
    return result


BATCH_ROUNDS = 7

#: The steps of ``batch_breakdown`` that ``send_bulk`` takes (the others are for comparison).
OWN_STEPS = (
    "normalize_phone",
    "rows",
    "insert (create_rows: one INSERT of the batch)",
    "update (save_rows: one UPDATE … FROM UNNEST with the rollup on PostgreSQL)",
)


def batch_breakdown(size: int) -> dict[str, tuple[float, float]]:
    """What ``send_bulk`` does for one batch of ``size`` numbers, but the request, each step
    timed alone (wall ms, ms inside the database; median of ``BATCH_ROUNDS`` rounds, new rows
    and numbers each round), as ``bench/overhead.py``'s breakdown does for one message. Plus the
    field that differs per row (the ``sid``) written alone, by the app's
    ``UPDATE … FROM (VALUES …)`` and, for comparison, by ``bulk_update`` (a
    ``CASE WHEN id = … THEN …`` per row), which the app used before."""
    import statistics
    import uuid

    from django.db import connection
    from django.utils import timezone

    from django_tencent_sms.models import SmsLog
    from django_tencent_sms.sending.bulk import _copy_row
    from django_tencent_sms.sending.content import prepare_content
    from django_tencent_sms.sending.outcome import DELIVERED_FIELDS
    from django_tencent_sms.sending.records import create_rows, log_rows, save_rows
    from django_tencent_sms.sending.validation import normalize_phone

    content = prepare_content(TEMPLATE["name"], PARAMS, sign=None, ext="", extend="")
    samples: dict[str, list[tuple[float, float]]] = {}

    def timed(name: str, step, *args) -> object:
        counter = common.QueryCounter()
        t0 = time.perf_counter()
        with connection.execute_wrapper(counter):
            value = step(*args)
        wall = time.perf_counter() - t0
        samples.setdefault(name, []).append((wall * 1e3, counter.seconds * 1e3))
        return value

    def normalize(texts: list[str]) -> list:
        return [normalize_phone(t, "CN") for t in texts]

    def make_rows(numbers_: list, batch: uuid.UUID) -> list:
        # As send_bulk makes them: the first row, then copies of it (bulk._copy_row).
        first = content.row(numbers_[0], batch=batch, status=SmsLog.Status.PENDING, backend="bench")
        return [first, *(_copy_row(first, n) for n in numbers_[1:])]

    base = 80_000_000
    for r in range(BATCH_ROUNDS):
        texts = [f"+86137{base + r * size + i:08d}" for i in range(size)]
        batch = uuid.uuid4()
        numbers_ = timed("normalize_phone", normalize, texts)
        rows = timed("rows", make_rows, numbers_, batch)
        timed("insert (create_rows: one INSERT of the batch)", create_rows, rows)
        now = timezone.now()
        for i, row in enumerate(rows):
            row.status, row.result, row.errmsg, row.fee = SmsLog.Status.SENT, 0, "OK", 1
            row.sid, row.finished_at, row.request_id = f"2019:{batch.hex[:8]}{i:05d}", now, ""
        timed(
            "update (save_rows: one UPDATE … FROM UNNEST with the rollup on PostgreSQL)",
            save_rows,
            rows,
            DELIVERED_FIELDS,
        )
        for i, row in enumerate(rows):
            row.sid = f"2020:{batch.hex[:8]}{i:05d}"
        timed("the sid alone by UPDATE … FROM (VALUES …)", log_rows.update_many, rows, ["sid"])
        for row in rows:
            row.sid += "b"
        timed(
            "alternative (before): the sid alone by bulk_update",
            SmsLog.objects.bulk_update,
            rows,
            ["sid"],
        )
    return {
        name: (
            statistics.median(w for w, _ in values),
            statistics.median(d for _, d in values),
        )
        for name, values in samples.items()
    }


def memory_passes(n: int, backend) -> dict[str, float]:
    """After a warm-up send of ``WARM_UP`` numbers (imports, caches, the connection), one send of
    ``n`` numbers from a generator with this process's resident memory watched, and one with
    ``tracemalloc`` on."""
    import tracemalloc

    from django_tencent_sms.sending.bulk import send_bulk

    base = 90_000_000  # numbers of their own, apart from the timed rounds'
    send_bulk(numbers(WARM_UP, base), TEMPLATE["name"], PARAMS, backend=backend)
    out: dict[str, float] = {}
    with rss_growth() as growth:
        t0 = time.perf_counter()
        summary = send_bulk(numbers(n, base + WARM_UP), TEMPLATE["name"], PARAMS, backend=backend)
        out["rss_seconds"] = time.perf_counter() - t0
    if summary.sent != n:
        raise RuntimeError(f"send_bulk: {summary}")
    out.update({f"rss_{k.removesuffix('_mb')}_mb": v for k, v in growth.items()})

    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    summary = send_bulk(numbers(n, base + WARM_UP + n), TEMPLATE["name"], PARAMS, backend=backend)
    out["traced_seconds"] = time.perf_counter() - t0
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if summary.sent != n:
        raise RuntimeError(f"send_bulk: {summary}")
    out["traced_peak_mb"] = (peak - base) / MB
    out["traced_after_mb"] = (current - base) / MB
    return out


def max_rss_mb() -> float | None:
    """This process's highest resident memory so far (``ru_maxrss``), in MB."""
    try:
        import resource
    except ImportError:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_kb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    raise KeyError(field)


@contextlib.contextmanager
def rss_growth():
    """Yields a dict filled on exit with this process's resident memory before the block, its
    peak during it (``VmHWM``, reset first through ``/proc/self/clear_refs``) and the growth, in
    MB. Linux only; an empty dict elsewhere."""
    out: dict[str, float] = {}
    try:
        gc.collect()
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        before = _status_kb("VmRSS")
    except OSError:
        yield out
        return
    yield out
    peak = _status_kb("VmHWM")
    out.update(before_mb=before / 1024, peak_mb=peak / 1024, growth_mb=(peak - before) / 1024)


if __name__ == "__main__":
    main()
