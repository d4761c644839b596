#!/usr/bin/env python3
"""The fee dashboard at 10,000, 1,000,000 and 10,000,000 log rows, on PostgreSQL.

    python bench/dashboard_scale.py                   # fills the three databases once
    python bench/dashboard_scale.py --sizes 10000,1000000 --refill

Three PostgreSQL databases on the server of ``BENCH_DATABASE_URL``,
``bench_dashboard_<rows>``, filled as ``bench/admin_scale.py`` fills its own (one
``INSERT … SELECT generate_series``) but over 400 days, so that the 365-day page has a full
year; then ``manage.py tencent_sms_rebuild_stats`` builds the daily rollup from the log (the
rows were written behind the app's back, as a bulk import would). A filled database is reused
while its row count and fill version match (the rollup is rebuilt when missing).

Each round renders the dashboard (``/admin/tencent_sms/smslog/dashboard/``, logged in, Django's
test client) ``-n`` times per database for the last 30 and the last 365 days, the databases in a
rotating order. Reported: the median per-round ratio of the page time at the largest size to
the smallest (target ≤ 1.5) per period, the 365-day page at 1,000,000 rows in ms (target
< 100 ms), and for context the same page counted from the log (the path before the rollup, and
still the one taken until the rollup is built) at 1,000,000 rows, and the rebuild's time.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

import admin_scale
import common

FILL_VERSION = f"{admin_scale.FILL_VERSION}-dashboard"
SPAN_DAYS = 400
PERIODS = (30, 365)
ALIASES = ("default", "big", "huge")
URL = "/admin/tencent_sms/smslog/dashboard/"
NOT_ROLLUP = b"tencent_sms_rebuild_stats"


def database_name(rows: int) -> str:
    return f"bench_dashboard_{rows}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,1000000,10000000",
        help="comma-separated row counts, smallest first (two or three)",
    )
    parser.add_argument("--refill", action="store_true", help="fill the databases again")
    parser.add_argument(
        "--log-rounds", type=int, default=3, help="rounds of the page counted from the log"
    )
    common.common_arguments(parser, rounds=15, n=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if not 2 <= len(sizes) <= 3 or sizes != sorted(sizes):
        parser.error("--sizes takes two or three row counts, smallest first")
    started = time.perf_counter()
    common.setup_django(BENCH_ADMIN_DATABASES=",".join(database_name(s) for s in sizes))
    result = run(args, dict(zip(ALIASES, sizes, strict=False)))
    result.seconds = time.perf_counter() - started
    result.print()
    result.save(args.json)


def rebuild(alias: str, refilled: bool) -> float:
    """Build the rollup of ``alias`` when it was just filled or was never built; its seconds."""
    from django.core.management import call_command

    from bench.routing import use_db
    from django_tencent_sms.models import SmsStatsState

    with use_db(alias):
        if not refilled and SmsStatsState.objects.exists():
            return 0.0
        print(f"  rebuilding the rollup of {alias} …", flush=True)
        started = time.perf_counter()
        call_command("tencent_sms_rebuild_stats", database=alias, verbosity=0)
        return time.perf_counter() - started


def run(args: argparse.Namespace, sizes: dict[str, int]) -> common.Result:
    from django.contrib.auth import get_user_model
    from django.db import connections, transaction
    from django.test import Client
    from django.utils import timezone

    from bench.routing import use_db
    from django_tencent_sms.models import SmsStatsState

    fills = {
        alias: admin_scale.prepare(alias, rows, args.refill, SPAN_DAYS, FILL_VERSION)
        for alias, rows in sizes.items()
    }
    rebuilds = {alias: rebuild(alias, bool(fills[alias])) for alias in sizes}
    clients = {}
    for alias in sizes:
        with connections[alias].cursor() as cursor:
            cursor.execute("ANALYZE")
        with use_db(alias):
            client = Client()
            client.force_login(get_user_model().objects.get(username="bench"))
            clients[alias] = client
    today = timezone.localdate()
    urls = {days: f"{URL}?start={today - timedelta(days=days - 1)}&end={today}" for days in PERIODS}

    def render(alias: str, url: str) -> bytes:
        with use_db(alias):
            response = clients[alias].get(url)
        # The page names the rebuild command when it counts the log instead of the rollup.
        if response.status_code != 200 or NOT_ROLLUP in response.content:
            raise RuntimeError(f"{url} on {alias}: HTTP {response.status_code}, or not the rollup")
        return response.content

    def render_from_log(alias: str, url: str) -> None:
        # The state row withdrawn in a transaction rolled back: the page counts the log.
        with use_db(alias), transaction.atomic(using=alias):
            SmsStatsState.objects.using(alias).all().delete()
            response = clients[alias].get(url)
            if response.status_code != 200 or NOT_ROLLUP not in response.content:
                raise RuntimeError(f"{url} on {alias}: HTTP {response.status_code}, or the rollup")
            transaction.set_rollback(True, using=alias)

    labels = {alias: f"{rows:,} rows" for alias, rows in sizes.items()}
    small, largest = ALIASES[0], list(sizes)[-1]
    result = common.Result("dashboard", common.machine("PostgreSQL"))
    bench = "5. fee dashboard (PostgreSQL)"
    n = args.n
    per_page: dict[int, dict[str, float]] = {}
    for days, url in urls.items():
        for alias in sizes:
            render(alias, url)  # warm

        def side(alias: str, url: str = url) -> common.Timing:
            with common.timing() as t:
                for _ in range(n):
                    render(alias, url)
            return t

        times = common.alternate(
            {labels[a]: (lambda a=a: side(a)) for a in sizes},
            rounds=args.rounds,
            warmup=args.warmup,
        )
        ms = {a: common.per_op(times[labels[a]], n, 1e3).median for a in sizes}
        per_page[days] = ms
        ratio = common.ratios(times, labels[largest], labels[small])
        result.add(
            bench,
            f"{days} days: page time {labels[largest]} / {labels[small]}",
            str(ratio),
            "≤ 1.5",
            ratio.median <= 1.5,
            ", ".join(f"{labels[a]} {ms[a]:.1f} ms" for a in sizes) + " per page",
        )
    if "big" in sizes:
        big_365 = per_page[365]["big"]
        result.add(
            bench,
            f"365 days at {labels['big']}: ms per page",
            f"{big_365:.1f}",
            "< 100",
            big_365 < 100,
            "median of the rounds above",
        )
        with common.timing() as t:
            for _ in range(args.log_rounds):
                render_from_log("big", urls[365])
        result.add(
            bench,
            f"365 days at {labels['big']}, counted from the log: ms per page",
            f"{t.wall / args.log_rounds * 1e3:.0f}",
            context=f"{args.log_rounds} pages; the path taken until the rollup is built",
        )
    for alias, seconds in rebuilds.items():
        if seconds:
            result.add(
                bench,
                f"tencent_sms_rebuild_stats at {labels[alias]}",
                f"{seconds:.1f} s",
                context="whole log, 7 days per transaction",
            )
    result.details = {"n": n, "rounds": args.rounds, "rows": sizes, "fill_seconds": fills}
    return result


if __name__ == "__main__":
    main()
