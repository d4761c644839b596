#!/usr/bin/env python3
"""Admin at scale: the send-log changelist with 1,000,000 rows against 1,000, on PostgreSQL.

    python bench/admin_scale.py            # fills bench_admin_1000000 once (about a minute)
    python bench/admin_scale.py --refill   # fill both databases again

Two PostgreSQL databases on the server of ``BENCH_DATABASE_URL``, ``bench_admin_<rows>``, each
with the app's tables (migrated), five templates, a superuser and ``SmsLog`` rows filled with
``INSERT … SELECT generate_series`` (phones, statuses, fees and sids varied; the same 180 days
in both, so only the row count differs), then ``VACUUM ANALYZE``. A filled database is reused
while its row count and fill version match.

In each round the page is rendered ``-n`` times per database through Django's test client
(logged in as the superuser; ``bench.routing`` sends every query of the request to that
database), the databases in a rotating order. Reported: the median per-round ratio of the page
time at 1,000,000 rows to 1,000 (target ≤ 1.5) and the queries per page (each database's, and
that none went to the other). ``--pages`` adds views beyond the plain changelist (status
filters matching 2% and 65% of the rows, a phone search, the tenth page) for context.
"""

from __future__ import annotations

import argparse
import time

import common

FILL_VERSION = "2"  # bump when the generated rows change
SPAN_DAYS = 180

#: label → query string of the changelist
PAGES = {
    "changelist": "",
    "failed filter": "?status__exact=failed",
    "sent filter": "?status__exact=sent",
    "phone search": "?q=%2B8613800000500",
    "page 10": "?p=10",
}


def database_name(rows: int) -> str:
    return f"bench_admin_{rows}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", type=int, default=1_000_000, help="rows in the big table")
    parser.add_argument("--small", type=int, default=1_000, help="rows in the small table")
    parser.add_argument("--refill", action="store_true", help="fill both tables again")
    parser.add_argument(
        "--pages",
        default="changelist",
        help=f"comma-separated views to time, of: {', '.join(PAGES)}; or 'all'",
    )
    common.common_arguments(parser, rounds=30, n=5)
    args = parser.parse_args()
    pages = list(PAGES) if args.pages == "all" else args.pages.split(",")
    if unknown := set(pages) - set(PAGES):
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    common.setup_django(
        BENCH_ADMIN_DATABASES=f"{database_name(args.small)},{database_name(args.big)}"
    )
    result = run(args, pages)
    result.seconds = time.perf_counter() - started
    result.print()
    result.save(args.json)


def prepare(
    alias: str, rows: int, refill: bool, span_days: int = SPAN_DAYS, version: str = FILL_VERSION
) -> float:
    """Migrate, add the templates and the superuser, fill ``rows`` log rows unless they are
    there already; returns the seconds the fill took (0 when reused)."""
    from django.contrib.auth import get_user_model
    from django.db import connections

    from bench.routing import use_db
    from django_tencent_sms.models import SmsTemplate

    common.ensure_postgres_database(alias)
    with use_db(alias):
        common.migrate(alias)
        for i in range(1, 6):
            SmsTemplate.objects.update_or_create(
                name=f"bench-{i}",
                defaults={"tpl_id": 1000 + i, "text": "您的订单{1}已发货，快递单号{2}。"},
            )
        get_user_model().objects.update_or_create(
            username="bench", defaults={"is_staff": True, "is_superuser": True}
        )
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_fill (rows bigint, version text)")
        cursor.execute("SELECT rows, version FROM bench_fill")
        if not refill and cursor.fetchone() == (rows, version):
            return 0.0
    print(f"  filling {rows:,} rows into {connection.settings_dict['NAME']} …", flush=True)
    started = time.perf_counter()
    fill(alias, rows, span_days, version)
    return time.perf_counter() - started


def fill(alias: str, rows: int, span_days: int = SPAN_DAYS, version: str = FILL_VERSION) -> None:
    from django.db import connections

    from django_tencent_sms.models import SmsLog, SmsTemplate

    connection = connections[alias]
    templates = list(
        SmsTemplate.objects.using(alias).filter(name__startswith="bench-").order_by("name")
    )
    # Every concrete column gets a value: the known ones below, the others their default.
    known = {
        "phone": "'+86138' || lpad((i %% 1000000)::text, 8, '0')",
        "template_id": f"(ARRAY[{','.join(str(t.pk) for t in templates)}])"
        f"[i %% {len(templates)} + 1]",
        "tpl_id": f"(ARRAY[{','.join(str(t.tpl_id) for t in templates)}])"
        f"[i %% {len(templates)} + 1]",
        "params": '\'["A1234", "SF100200300"]\'::jsonb',
        "sign": "'腾讯云'",
        "status": "CASE WHEN i %% 50 = 0 THEN 'failed' WHEN i %% 97 = 0 THEN 'unknown' "
        "WHEN i %% 3 = 0 THEN 'delivered' ELSE 'sent' END",
        "result": "CASE WHEN i %% 50 = 0 THEN 1016 WHEN i %% 97 = 0 THEN NULL ELSE 0 END",
        "errmsg": "CASE WHEN i %% 50 = 0 THEN 'mobile format error' WHEN i %% 97 = 0 "
        "THEN 'No answer within 10 s' ELSE 'OK' END",
        "sid": "CASE WHEN i %% 50 = 0 OR i %% 97 = 0 THEN '' "
        "ELSE '2019:' || left(md5(i::text), 20) END",
        "fee": "CASE WHEN i %% 50 = 0 OR i %% 97 = 0 THEN NULL ELSE 1 + (i %% 7 = 0)::int END",
        "backend": "'django_tencent_sms.backends.tencent.TencentBackend'",
        "created_at": f"now() - (i * interval '{span_days * 86400 / rows} seconds')",
        "finished_at": f"now() - (i * interval '{span_days * 86400 / rows} seconds') "
        "+ interval '80 milliseconds'",
        "duration": "interval '80 milliseconds'",
    }
    columns, expressions, params = [], [], []
    for field in SmsLog._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.column in known:
            expressions.append(known[field.column])
        elif field.null:
            continue
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        columns.append(connection.ops.quote_name(field.column))
    table = connection.ops.quote_name(SmsLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")
        cursor.execute(
            # Column names and expressions are this script's own, not input.
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(expressions)} FROM generate_series(1, %s) AS i",
            [*params, rows],
        )
        cursor.execute("DELETE FROM bench_fill")
        cursor.execute("INSERT INTO bench_fill VALUES (%s, %s)", [rows, version])
    with connection.cursor() as cursor:  # outside any transaction
        cursor.execute(f"VACUUM ANALYZE {table}")


def run(args: argparse.Namespace, pages: list[str]) -> common.Result:
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client

    from bench.routing import use_db

    sizes = {"default": args.small, "big": args.big}
    fills = {alias: prepare(alias, rows, args.refill) for alias, rows in sizes.items()}
    for alias in sizes:
        with connections[alias].cursor() as cursor:
            cursor.execute("ANALYZE")
    clients = {}
    for alias in sizes:
        with use_db(alias):
            client = Client()
            client.force_login(get_user_model().objects.get(username="bench"))
            clients[alias] = client
    base = "/admin/tencent_sms/smslog/"

    def render(alias: str, url: str) -> bytes:
        with use_db(alias):
            response = clients[alias].get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} on {alias}: HTTP {response.status_code}")
        return response.content

    # Queries per page, and that each page read only its own database.
    queries: dict[str, dict[str, dict]] = {}
    for page in pages:
        url = base + PAGES[page]
        queries[page] = {}
        for alias in sizes:
            render(alias, url)  # warm
            counters = {a: common.QueryCounter() for a in sizes}
            for counter in counters.values():
                counter.keep = True
            with (
                connections["default"].execute_wrapper(counters["default"]),
                connections["big"].execute_wrapper(counters["big"]),
            ):
                content = render(alias, url)
            other = next(a for a in sizes if a != alias)
            if counters[other].count:
                raise RuntimeError(f"{page} on {alias} queried {other} too")
            own = counters[alias]
            queries[page][alias] = {
                "queries": own.count,
                "rows_shown": content.count(b'class="action-checkbox"'),
                "statements": [
                    {"sql": common.sql_shape(s, 160), "ms": round(d * 1e3, 2)}
                    for s, d in zip(own.statements, own.durations, strict=True)
                ],
            }

    result = common.Result("admin", common.machine("PostgreSQL"))
    bench = "5. admin changelist (PostgreSQL)"
    n = args.n
    for page in pages:
        url = base + PAGES[page]

        def side(alias: str, url: str = url) -> common.Timing:
            with common.timing() as t:
                for _ in range(n):
                    render(alias, url)
            return t

        big_label, small_label = f"{args.big:,} rows", f"{args.small:,} rows"
        times = common.alternate(
            {big_label: lambda: side("big"), small_label: lambda: side("default")},
            rounds=args.rounds if page == "changelist" else max(10, args.rounds // 3),
            warmup=args.warmup,
        )
        ratio = common.ratios(times, big_label, small_label)
        big_ms = common.per_op(times[big_label], n, 1e3)
        small_ms = common.per_op(times[small_label], n, 1e3)
        is_main = page == "changelist"
        q = queries[page]
        result.add(
            bench,
            f"{page}: page time {big_label} / {small_label}",
            str(ratio),
            "≤ 1.5" if is_main else "",
            (ratio.median <= 1.5) if is_main else None,
            f"{big_ms.median:.1f} vs {small_ms.median:.1f} ms per page (`{PAGES[page] or '/'}`)",
        )
        result.add(
            bench,
            f"{page}: queries per page",
            f"{q['big']['queries']} vs {q['default']['queries']}",
            context="; ".join(
                f"{label}: slowest query {max(s['ms'] for s in q[a]['statements']):.1f} ms"
                for a, label in (("big", big_label), ("default", small_label))
            ),
        )
        if args.profile:
            with common.profiled(common.OUT / f"admin-{page.replace(' ', '-')}.txt"):
                for _ in range(10):
                    render("big", url)
    result.details = {
        "n": n,
        "rounds": args.rounds,
        "rows": sizes,
        "fill_seconds": fills,
        "queries": queries,
    }
    for alias, seconds in fills.items():
        if seconds:
            print(f"  filled {sizes[alias]:,} rows in {seconds:.0f} s")
    return result


if __name__ == "__main__":
    main()
