#!/usr/bin/env python3
"""Verification codes: ``send_code`` + ``verify_code`` on PostgreSQL, 8 threads.

    python bench/otp.py                 # BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench
    python bench/otp.py --threads 8 -n 160

One operation: ``send_code(phone, "login")`` (limits counted, the code's row, ``send_sms`` through
``TencentBackend`` to the emulator in its own process, the log, older codes superseded), then
``verify_code(phone, code, "login")`` with the code that was sent, which must pass. Every
operation uses a number of its own, so no limit refuses it (the limits are still counted).

Four sides, alternated within each round, each doing ``-n`` operations: ``--threads`` worker
threads sharing them; one worker thread; for comparison, the threads again with
``otp.queries`` on its ORM path (the queries the app made before it, and still makes on
databases other than PostgreSQL and SQLite); and the **floor**, a control, not a code service:
the least a code sent by SMS and checked once can cost through the ORM, in the same threads.
It creates the code's row (its HMAC), sends the SMS by ``TencentBackend.send`` alone (the
app's pool of keep-alive connections; no log, limit, template or signal), then reads the
number's newest unused unexpired code and marks it used by a conditional ``UPDATE``: 3
queries and one request. Reported: operations per second with the threads (median over
rounds), the speed-up over one thread, the ratios to the ORM's queries and to the floor
(median per-round ratios), and the queries per operation (``send_code`` and ``verify_code``
apart) from a separate single-threaded pass.
"""

from __future__ import annotations

import argparse
import datetime
import hmac
import itertools
import queue
import statistics
import threading
import time
from collections.abc import Callable

import common


class Workers:
    """``size`` threads, each with its own database connection, that share the operations of a
    round; ``run(n)`` times one round (from handing out the work to the last one finishing)."""

    def __init__(self, size: int, operation: Callable[[], None]) -> None:
        self.size = size
        self.operation = operation
        self.inbox: list[queue.Queue] = [queue.Queue() for _ in range(size)]
        self.done: queue.Queue = queue.Queue()
        self.threads = [
            threading.Thread(target=self._work, args=(box,), daemon=True) for box in self.inbox
        ]
        for thread in self.threads:
            thread.start()

    def _work(self, box: queue.Queue) -> None:
        from django.db import connection

        while True:
            count = box.get()
            if count is None:
                connection.close()
                return
            try:
                for _ in range(count):
                    self.operation()
                self.done.put(None)
            except BaseException as exc:  # reported by run()
                self.done.put(exc)

    def run(self, n: int) -> common.Timing:
        shares = [n // self.size + (i < n % self.size) for i in range(self.size)]
        with common.timing() as t:
            for box, share in zip(self.inbox, shares, strict=True):
                box.put(share)
            errors = [self.done.get() for _ in shares]
        for error in errors:
            if error is not None:
                raise error
        return t

    def close(self) -> None:
        for box in self.inbox:
            box.put(None)
        for thread in self.threads:
            thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    common.common_arguments(parser, rounds=20, n=160)
    args = parser.parse_args()
    started = time.perf_counter()
    with common.emulator() as api_url:
        common.setup_django(
            BENCH_DB="postgres",
            BENCH_SMS_API_URL=api_url,
            BENCH_SMS_BACKEND="bench.backends.RecordingTencentBackend",
        )
        common.ensure_postgres_database()
        result = run(args)
    result.seconds = time.perf_counter() - started
    result.print()
    result.save(args.json)


def run(args: argparse.Namespace) -> common.Result:
    from django.db import connection

    from bench.backends import sent_codes
    from django_tencent_sms.models import SmsLog, SmsTemplate, VerificationCode
    from django_tencent_sms.otp import send_code, verify_code

    common.migrate()
    VerificationCode.objects.all().delete()
    SmsLog.objects.all().delete()
    SmsTemplate.objects.update_or_create(
        name="bench-code",
        defaults={
            "tpl_id": 1002,
            "text": "您的验证码是{1}，{2}分钟内有效。",
            "type": SmsTemplate.Type.VERIFICATION,
            "is_active": True,
        },
    )
    numbers = itertools.count()  # next() is atomic: every operation gets a number of its own

    def operation() -> None:
        phone = f"+86139{next(numbers):08d}"
        send_code(phone, "login")
        if not verify_code(phone, sent_codes.pop(phone), "login"):
            raise RuntimeError(f"the code sent to {phone} did not verify")

    floor_operation = floor(numbers)
    many = Workers(args.threads, operation)
    one = Workers(1, operation)
    bare = Workers(args.threads, floor_operation)
    n = args.n
    k = f"{args.threads} threads"
    orm = f"{k}, the ORM's queries"
    base = f"{k}, the floor"
    try:
        times = common.alternate(
            {
                k: lambda: many.run(n),
                "1 thread": lambda: one.run(n),
                orm: lambda: orm_queries(lambda: many.run(n)),
                base: lambda: bare.run(n),
            },
            rounds=args.rounds,
            warmup=args.warmup,
        )
    finally:
        many.close()
        one.close()
        bare.close()

    if args.profile:
        # In this thread: pyinstrument samples the thread that started it.
        with common.profiled(common.OUT / "otp.txt"):
            for _ in range(n):
                operation()

    # Queries per operation: a separate, single-threaded pass.
    send_counter, verify_counter = common.QueryCounter(), common.QueryCounter()
    send_counter.keep = verify_counter.keep = True
    checks = 50
    for _ in range(checks):
        phone = f"+86139{next(numbers):08d}"
        with connection.execute_wrapper(send_counter):
            send_code(phone, "login")
        with connection.execute_wrapper(verify_counter):
            assert verify_code(phone, sent_codes.pop(phone), "login")
    orm_counter = common.QueryCounter()

    def orm_pass() -> None:
        for _ in range(checks):
            phone = f"+86139{next(numbers):08d}"
            with connection.execute_wrapper(orm_counter):
                send_code(phone, "login")
                assert verify_code(phone, sent_codes.pop(phone), "login")

    orm_queries(orm_pass)

    ops = common.Spread.of([n / t for t in times[k]])
    ops_one = common.Spread.of([n / t for t in times["1 thread"]])
    speedup = common.ratios(times, "1 thread", k)  # time(1) / time(k) = throughput ratio
    cpu = common.per_op(times[f"{k} cpu"], n)
    cpu_one = common.per_op(times["1 thread cpu"], n)
    per_send = send_counter.count / checks
    per_verify = verify_counter.count / checks
    result = common.Result("otp", common.machine("PostgreSQL"))
    bench = "4. verification codes (PostgreSQL)"
    result.add(
        bench,
        f"send_code + verify_code per second, {args.threads} threads",
        f"{ops.median:.0f} (IQR {ops.q1:.0f}–{ops.q3:.0f}, {ops.n} rounds)",
        context=f"{1e6 / ops.median:.0f} µs per operation; CPU in this process {cpu.median:.0f} µs",
    )
    result.add(
        bench,
        f"speed-up of {args.threads} threads over 1",
        str(speedup),
        context=f"1 thread: {ops_one.median:.0f} operations per second, CPU in this process "
        f"{cpu_one.median:.0f} µs per operation",
    )
    ops_orm = common.Spread.of([n / t for t in times[orm]])
    result.add(
        bench,
        f"ours / the ORM's queries, {args.threads} threads: operations per second",
        str(common.ratios(times, orm, k)),  # time(ORM) / time(ours)
        context=f"for comparison, send_code and verify_code with the ORM's queries (the app "
        f"before otp.queries; what it still runs on databases other than PostgreSQL and "
        f"SQLite): {ops_orm.median:.0f} (IQR {ops_orm.q1:.0f}–{ops_orm.q3:.0f}) per second, "
        f"{orm_counter.count / checks:g} queries per operation, CPU in this process "
        f"{common.per_op(times[f'{orm} cpu'], n).median:.0f} µs",
    )
    ops_floor = common.Spread.of([n / t for t in times[base]])
    result.add(
        bench,
        f"ours / the floor, {args.threads} threads: operations per second",
        str(common.ratios(times, base, k)),  # time(floor) / time(ours)
        context=f"the floor (a control: the code's row created, TencentBackend.send alone, the "
        f"newest code read and used by a conditional UPDATE; 3 queries, no log, no limit): "
        f"{ops_floor.median:.0f} (IQR {ops_floor.q1:.0f}–{ops_floor.q3:.0f}) per second, CPU "
        f"in this process {common.per_op(times[f'{base} cpu'], n).median:.0f} µs",
    )
    result.add(
        bench,
        "queries per operation",
        f"{per_send + per_verify:g}",
        context=f"send_code {per_send:g} + verify_code {per_verify:g}; "
        f"{(send_counter.seconds + verify_counter.seconds) / checks * 1e6:.0f} µs per operation "
        "inside the database (one thread)",
    )
    result.details = {
        "n": n,
        "rounds": args.rounds,
        "threads": args.threads,
        "statements": {
            name: [
                {
                    "sql": common.sql_shape(sql),
                    "ms": round(statistics.median(c.durations[i :: int(per)]) * 1e3, 2),
                }
                for i, sql in enumerate(c.statements[: int(per)])
            ]
            for name, c, per in (
                ("send_code", send_counter, per_send),
                ("verify_code", verify_counter, per_verify),
            )
        },
    }
    return result


def floor(numbers: itertools.count) -> Callable[[], None]:
    """The floor's operation: a code sent by SMS and checked once, at the least the ORM allows
    (3 queries and ``TencentBackend.send``; no log, limit, template or signal)."""
    import phonenumbers
    from django.db.models import F
    from django.utils import timezone

    from django_tencent_sms.backends.tencent import TencentBackend
    from django_tencent_sms.message import SmsMessage
    from django_tencent_sms.models import VerificationCode
    from django_tencent_sms.otp.service import code_digest, new_code

    # The app's own transport (a shared pool of keep-alive connections, no Session): the
    # cheapest post there is here, so the floor is no slower for its HTTP client.
    backend = TencentBackend()
    ttl = datetime.timedelta(minutes=5)
    codes = VerificationCode.objects

    def operation() -> None:
        phone, now = f"+86139{next(numbers):08d}", timezone.now()
        code = new_code(6)
        codes.create(
            phone=phone,
            purpose="login",
            code_hash=code_digest(phone, "login", code),
            state=VerificationCode.State.SENT,
            created_at=now,
            expires_at=now + ttl,
        )
        message = SmsMessage(
            phone=phonenumbers.parse(phone), tpl_id=1002, params=(code, "5"), sign="腾讯云"
        )
        backend.send(message)  # raises when refused
        # The check: the number's newest unused, unexpired code, compared, then used once.
        now = timezone.now()
        record = (
            codes.filter(phone=phone, purpose="login", used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if record is None or not hmac.compare_digest(
            record.code_hash, code_digest(phone, "login", code)
        ):
            raise RuntimeError(f"the floor's code for {phone} did not verify")
        used = codes.filter(pk=record.pk, used_at__isnull=True).update(
            used_at=now, attempts=F("attempts") + 1
        )
        if used != 1:
            raise RuntimeError(f"the floor's code for {phone} was used twice")

    return operation


def orm_queries(run: Callable[[], common.Timing | None]) -> common.Timing | None:
    """``run()`` with ``otp.queries`` on its ORM path, as on databases other than PostgreSQL
    and SQLite: the queries ``send_code`` and ``verify_code`` made before it."""
    from django_tencent_sms.otp import service as otp

    otp.queries.fast = lambda connection: False  # shadows the method, for this call only
    try:
        return run()
    finally:
        del otp.queries.fast


if __name__ == "__main__":
    main()
