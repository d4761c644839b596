#!/usr/bin/env python3
"""Overhead per message: ``send_sms`` through the real backend against a bare request.

    python bench/overhead.py --db sqlite      # the log in a SQLite file
    python bench/overhead.py --db postgres    # the log on PostgreSQL (BENCH_DATABASE_URL)

Three sides, alternated within each round, each sending ``-n`` messages to the same emulator
(``python -m django_tencent_sms.sandbox``, in a process of its own):

* ``by name``: ``send_sms(phone, "bench-notice", params)`` with ``TencentBackend``: validation,
  the template lookup, the log insert, signing and posting, parsing, the log update, the signal;
* ``by object``: the same with the ``SmsTemplate`` instance, so no template lookup: what
  caching templates would give;
* ``bare``: a keep-alive ``requests.Session.post`` of the equivalent request, signed afresh for
  every message with ``protocol.v5.build_sendsms`` (new random, current time), its JSON answer
  checked for ``result == 0``.

Reported: the median per-round ratio of each app side to ``bare`` (target ≤ 1.5 on SQLite),
the queries per send (target ≤ 2 by name), and, from a separate pass, the time spent inside the
database per send.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import common

#: The steps of ``breakdown`` that are send_sms's own work (the others are for comparison).
OWN_STEPS = (
    "template lookup by name",
    "phone validation",
    "rest of prepare_message",
    "log insert",
    "log update",
    "mask_phone for a disabled INFO log line",
)

PHONES = [f"+86138{n:08d}" for n in range(200)]
PARAMS = ["A1234", "SF100200300"]
TEMPLATE = {"name": "bench-notice", "tpl_id": 1001, "text": "您的订单{1}已发货，快递单号{2}。"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--sqlite-journal",
        choices=["default", "wal"],
        default="default",
        help="SQLite: Django's defaults (rollback journal, synchronous=FULL) or WAL + NORMAL",
    )
    parser.add_argument(
        "--gap-us",
        type=float,
        default=1000,
        help="control side: bare posts with this busy pause between them (0: none)",
    )
    parser.add_argument("--emulator", choices=["process", "thread"], default="process")
    common.common_arguments(parser, rounds=30, n=200)
    args = parser.parse_args()
    started = time.perf_counter()
    with common.emulator(args.emulator) as api_url:
        if args.db == "sqlite":
            common.DATA.mkdir(exist_ok=True)
            path = common.DATA / "overhead.sqlite3"
            for suffix in ("", "-journal", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            env = {
                "BENCH_DB": "sqlite",
                "BENCH_SQLITE_PATH": str(path),
                "BENCH_SQLITE_JOURNAL": args.sqlite_journal,
            }
        else:
            env = {"BENCH_DB": "postgres"}
        common.setup_django(**env, BENCH_SMS_API_URL=api_url)
        if args.db == "postgres":
            common.ensure_postgres_database()
        result = run(args, api_url)
    result.seconds = time.perf_counter() - started
    result.print()
    result.save(args.json)


def run(args: argparse.Namespace, api_url: str) -> common.Result:
    import phonenumbers
    from django.db import connection

    from django_tencent_sms import send_sms
    from django_tencent_sms.backends import get_backend
    from django_tencent_sms.message import SmsMessage
    from django_tencent_sms.models import SmsLog, SmsTemplate
    from django_tencent_sms.protocol import v5

    if args.db == "sqlite":
        journal = "WAL" if args.sqlite_journal == "wal" else "default journal"
        database, label = f"SQLite file, {journal}", f"overhead-sqlite-{args.sqlite_journal}"
    else:
        database, label = "PostgreSQL", "overhead-postgres"
    common.migrate()
    SmsLog.objects.all().delete()
    template, _ = SmsTemplate.objects.update_or_create(
        name=TEMPLATE["name"], defaults={**TEMPLATE, "is_active": True}
    )
    backend = get_backend()
    assert type(backend).__name__ == "TencentBackend", backend
    n = args.n
    phones = (PHONES * (n // len(PHONES) + 1))[:n]

    def by_name() -> common.Timing:
        with common.timing() as t:
            for phone in phones:
                send_sms(phone, TEMPLATE["name"], PARAMS)
        return t

    def by_object() -> common.Timing:
        with common.timing() as t:
            for phone in phones:
                send_sms(phone, template, PARAMS)
        return t

    session = common.bare_session("http", pool_size=10)
    messages = [
        SmsMessage(
            phone=phonenumbers.parse(phone),
            tpl_id=TEMPLATE["tpl_id"],
            params=tuple(PARAMS),
            sign="腾讯云",
        )
        for phone in phones
    ]

    def post(message: SmsMessage) -> None:
        response = common.bare_post(session, v5.build_sendsms, message, api_url)
        if response.status_code != 200 or json.loads(response.content)["result"] != 0:
            raise RuntimeError(f"bare request refused: {response.content!r}")

    def bare() -> common.Timing:
        with common.timing() as t:
            for message in messages:
                post(message)
        return t

    gap = args.gap_us / 1e6

    def bare_gap() -> common.Timing:
        # A control, not the app: the bare post with a busy pause between posts, as the app's
        # own work makes one. On a VM whose idle vCPU halts, the emulator then wakes slower.
        with common.timing() as t:
            for message in messages:
                post(message)
                until = time.perf_counter() + gap
                while time.perf_counter() < until:
                    pass
        return t

    sides = {"by name": by_name, "by object": by_object, "bare": bare}
    if args.gap_us:
        sides["bare + gap"] = bare_gap
    times = common.alternate(sides, rounds=args.rounds, warmup=args.warmup)
    sent = SmsLog.objects.filter(status=SmsLog.Status.SENT).count()
    expected = (args.rounds + args.warmup) * n * 2
    if sent != expected:
        raise RuntimeError(f"{sent} messages logged as sent, expected {expected}")

    parts = breakdown(template, phones, post, messages)

    # Queries and time in the database per send: a separate pass, not in the timed rounds.
    counts = {}
    for name, ref in (("by name", TEMPLATE["name"]), ("by object", template)):
        counter = common.QueryCounter()
        counter.keep = True
        t0 = time.perf_counter()
        with connection.execute_wrapper(counter):
            for phone in phones:
                send_sms(phone, ref, PARAMS)
        total = time.perf_counter() - t0
        counts[name] = {
            "queries": counter.count / n,
            "db_us": counter.seconds / n * 1e6,
            "total_us": total / n * 1e6,
            "statements": sorted({common.sql_shape(s) for s in counter.statements}),
        }

    if args.profile:
        with common.profiled(common.OUT / f"{label}.txt"):
            for _ in range(5):
                by_name()

    result = common.Result(label, common.machine(database))
    bench = f"1. overhead ({database})"
    bare_us = common.per_op(times["bare"], n)
    bare_cpu = common.per_op(times["bare cpu"], n)
    target = "≤ 1.5" if args.db == "sqlite" else ""
    for name in ("by name", "by object"):
        ratio = common.ratios(times, name, "bare")
        app_us = common.per_op(times[name], n)
        app_cpu = common.per_op(times[f"{name} cpu"], n)
        result.add(
            bench,
            f"send_sms {name} / bare post",
            str(ratio),
            target,
            (ratio.median <= 1.5) if target else None,
            f"{app_us.median:.0f} vs {bare_us.median:.0f} µs per message; CPU in this process "
            f"{app_cpu.median:.0f} vs {bare_cpu.median:.0f} µs",
        )
        cpu_ratio = common.ratios(times, f"{name} cpu", "bare cpu")
        result.add(
            bench,
            f"CPU per message, send_sms {name} / bare post",
            str(cpu_ratio),
            "≤ 1.5" if args.db == "postgres" else "",
            (cpu_ratio.median <= 1.5) if args.db == "postgres" else None,
            "this process's CPU time (time.process_time), per round, side by side",
        )
    if "bare + gap" in times:
        ratio = common.ratios(times, "bare + gap", "bare")
        gap_us = common.per_op(times["bare + gap"], n)
        result.add(
            bench,
            f"control: bare + {args.gap_us:.0f} µs busy gap / bare",
            str(ratio),
            "",
            None,
            f"{gap_us.median:.0f} µs per message, of which {args.gap_us:.0f} µs is the gap: "
            f"{gap_us.median - args.gap_us - bare_us.median:+.0f} µs more waiting for the emulator",
        )
    for name, info in counts.items():
        result.add(
            bench,
            f"queries per send, {name}",
            f"{info['queries']:g}",
            "≤ 2" if name == "by name" else "",
            (info["queries"] <= 2) if name == "by name" else None,
            f"{info['db_us']:.0f} µs of {info['total_us']:.0f} µs per send inside the database",
        )
    result.add(
        bench,
        "where send_sms's own time goes",
        f"{sum(v for k, v in parts.items() if k in OWN_STEPS):.0f} µs + the post",
        context=", ".join(f"{k} {v:.0f} µs" for k, v in parts.items()),
    )
    result.details = {
        "breakdown_us": parts,
        "n": n,
        "rounds": args.rounds,
        "us_per_message": {name: common.per_op(t, n).median for name, t in times.items()},
        "queries": counts,
        "emulator": args.emulator,
    }
    return result


def breakdown(template, phones, post, messages, rounds: int = 7) -> dict[str, float]:
    """Each step of ``send_sms`` timed alone (median µs over ``rounds`` rounds of all
    ``phones``), and the bare post for scale: which steps the app's extra time is made of."""
    import logging
    import statistics
    from datetime import timedelta

    from django.utils import timezone

    from django_tencent_sms.backends import get_backend
    from django_tencent_sms.masking import mask_phone
    from django_tencent_sms.models import SmsLog
    from django_tencent_sms.sending.content import prepare_message, resolve_template
    from django_tencent_sms.sending.outcome import DELIVERED_FIELDS
    from django_tencent_sms.sending.records import log_rows
    from django_tencent_sms.sending.validation import normalize_phone

    backend = get_backend()
    prepared = [prepare_message(phone, template, PARAMS)[0] for phone in phones]
    logs: list = []

    def new_log(message: Any) -> SmsLog:
        return SmsLog(
            phone=message.e164,
            template=template,
            tpl_id=message.tpl_id,
            params=list(message.params),
            sign=message.sign,
            ext=message.ext,
            extend=message.extend,
            status=SmsLog.Status.PENDING,
            backend="bench",
        )

    def finish(log: SmsLog) -> None:
        log.status, log.result, log.errmsg, log.sid, log.fee = "sent", 0, "OK", "2019:x", 1
        log.finished_at, log.duration = timezone.now(), timedelta(milliseconds=1)

    def insert() -> None:
        logs.clear()
        logs.extend(log_rows.insert(new_log(message)) for message in prepared)

    def update() -> None:
        for log in logs:
            finish(log)
            log_rows.update(log, DELIVERED_FIELDS)

    def insert_save() -> None:
        logs.clear()
        for message in prepared:
            log = new_log(message)
            log.save(force_insert=True)
            logs.append(log)

    def update_save() -> None:
        for log in logs:
            finish(log)
            log.save(update_fields=DELIVERED_FIELDS)

    logger = logging.getLogger("django_tencent_sms")
    steps = {
        "template lookup by name": lambda: [resolve_template(TEMPLATE["name"]) for _ in phones],
        "phone validation": lambda: [normalize_phone(p, "CN") for p in phones],
        "rest of prepare_message": lambda: [prepare_message(p, template, PARAMS) for p in phones],
        "log insert": insert,
        "log update": update,
        "for comparison, the log insert by Model.save": insert_save,
        "the log update by Model.save": update_save,
        "mask_phone for a disabled INFO log line": lambda: [
            logger.info("%s", mask_phone(m.e164)) for m in prepared
        ],
        "TencentBackend.send": lambda: [backend.send(m) for m in prepared],
        "bare post": lambda: [post(m) for m in messages],
    }
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            t0 = time.perf_counter()
            step()
            samples[name].append((time.perf_counter() - t0) / len(phones) * 1e6)
    parts = {name: statistics.median(values) for name, values in samples.items()}
    # prepare_message includes the phone validation: report the rest on its own.
    parts["rest of prepare_message"] -= parts["phone validation"]
    return parts


if __name__ == "__main__":
    main()
