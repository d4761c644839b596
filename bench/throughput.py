#!/usr/bin/env python3
"""Throughput over a real-world network: 8 threads sending through TLS and +25 ms each way.

    python bench/throughput.py                  # the log on PostgreSQL (BENCH_DATABASE_URL)
    python bench/throughput.py --db sqlite      # the log in a SQLite file, WAL mode

The emulator (``python -m django_tencent_sms.sandbox``, a process of its own) is put behind a
TLS terminator (``bench/tls.py``, a certificate signed by a CA made at run time) and a latency
proxy (``bench/latency_proxy.py``: 25 ms each way on every chunk, the TCP and TLS handshakes
included), so one request on an open connection takes a 50 ms round trip, as from a server in
Europe to Tencent's API in China. Each client trusts the CA the way it takes one: the app's
backends through ``TENCENT_SMS["CA_BUNDLE"]``, the bare sides with ``verify=`` on each post,
Tencent Cloud's SDK through ``HttpProfile(certification=…)``, and the legacy SDK, which has no
option (``http.client`` with Python's default context), through ``SSL_CERT_FILE``.

Sides, alternated in every round (``--threads`` worker threads share the ``-n`` messages of a
round, each side in turn):

* ``ours``: ``send_sms(phone, "bench-notice", params)`` with ``TencentBackend`` (legacy API,
  one pool of keep-alive connections), the log in the database;
* ``ours, API 3.0``: the same with ``TencentCloudBackend`` (TC3-signed ``SendSms``);
* ``legacy SDK``: Tencent's ``qcloudsms_py`` 0.1.4 ``SmsSingleSender.send_with_param`` (one per
  thread; its ``url=`` argument points it at the proxy), patched only for its ``json.loads``
  bug on Python 3.9+ (as ``tests/test_sandbox_sdk.py`` does);
* ``Cloud SDK``: Tencent Cloud's ``tencentcloud-sdk-python-sms`` ``SmsClient.SendSms`` (one
  client per thread, ``HttpProfile(endpoint=<proxy>, certification=<CA bundle>)``);
* ``bare``: a control, not a client: a keep-alive ``requests.Session.post`` of the signed
  ``sendsms`` request, shared by the threads as the backend's connection pool is. What the
  network and emulator allow.

Reported: messages per second for each (median over rounds), against the floor
(threads ÷ round trip = 8 ÷ 50 ms = 160/s; target for ``ours`` ≥ 90 % of it), and the median
per-round ratio of ``ours`` to the legacy SDK (target ≥ 2.5).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import threading
import time
import warnings

import common

PARAMS = ["A1234", "SF100200300"]
TEMPLATE = {"name": "bench-notice", "tpl_id": 1001, "text": "您的订单{1}已发货，快递单号{2}。"}
SIGN = "腾讯云"
REGION = "ap-guangzhou"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--delay-ms", type=float, default=25.0, help="added each way")
    common.common_arguments(parser, rounds=5, n=200)
    parser.set_defaults(warmup=1)
    args = parser.parse_args()
    started = time.perf_counter()
    with (
        common.emulator() as emulator_url,
        common.secure_network(emulator_url, args.delay_ms) as network,
    ):
        # The legacy SDK has no option for it: http.client's default context reads this.
        os.environ["SSL_CERT_FILE"] = str(network.trust)
        common.setup_log_database(args.db, "throughput.sqlite3", network)
        result = run(args, network)
    proxy = network.proxy_stats.get("late_ms")
    if proxy:
        result.add(
            result.rows[0].benchmark,
            "control: the proxy's delay",
            f"+{args.delay_ms:g} ms each way",
            context=f"chunks written a median {proxy['median']:.2f} ms late (p99 "
            f"{proxy['p99']:.2f} ms) over {network.proxy_stats['chunks']} chunks, "
            f"{network.proxy_stats['connections']} connections",
        )
        result.details["proxy"] = network.proxy_stats
    result.seconds = time.perf_counter() - started
    result.print()
    result.save(args.json)


def run(args: argparse.Namespace, network: common.Network) -> common.Result:
    import phonenumbers

    from django_tencent_sms import send_sms
    from django_tencent_sms.backends import get_backend
    from django_tencent_sms.backends.tencentcloud import TencentCloudBackend
    from django_tencent_sms.message import SmsMessage
    from django_tencent_sms.models import SmsLog, SmsTemplate
    from django_tencent_sms.protocol import v5
    from django_tencent_sms.sandbox.accounts import DEVELOPMENT_SECRET_ID, DEVELOPMENT_SECRET_KEY

    database = "PostgreSQL" if args.db == "postgres" else "SQLite file, WAL"
    common.migrate()
    common.empty_log()
    SmsTemplate.objects.update_or_create(
        name=TEMPLATE["name"], defaults={**TEMPLATE, "is_active": True}
    )
    backend = get_backend()
    assert type(backend).__name__ == "TencentBackend", backend
    assert backend.api_url == network.api_url, backend.api_url
    assert backend.verify == str(network.trust), backend.verify
    cloud_backend = TencentCloudBackend(
        sdk_app_id=common.SDK_APP_ID,
        secret_id=DEVELOPMENT_SECRET_ID,
        secret_key=DEVELOPMENT_SECRET_KEY,
        region=REGION,
        endpoint=network.base,
    )
    numbers = itertools.count()  # next() is atomic: a number of its own for every message

    def phone() -> str:
        return f"+86138{next(numbers):08d}"

    # ours -------------------------------------------------------------------------------------
    def ours(i: int) -> None:
        send_sms(phone(), TEMPLATE["name"], PARAMS)

    def ours_cloud(i: int) -> None:
        send_sms(phone(), TEMPLATE["name"], PARAMS, backend=cloud_backend)

    # Tencent's legacy SDK ---------------------------------------------------------------------
    legacy_sender = legacy_sdk()
    local = threading.local()
    legacy_url = network.api_url + "/sendsms"

    def legacy(i: int) -> None:
        sender = getattr(local, "legacy", None)
        if sender is None:
            sender = local.legacy = legacy_sender(common.SDK_APP_ID, common.APP_KEY)
        national = phone().removeprefix("+86")
        answer = sender.send_with_param(
            86,
            national,
            TEMPLATE["tpl_id"],
            PARAMS,
            sign=SIGN,
            extend="",
            ext="",
            url=legacy_url,
        )
        if answer.get("result") != 0:
            raise RuntimeError(f"the legacy SDK was refused: {answer}")

    # Tencent Cloud's SDK ----------------------------------------------------------------------
    make_cloud_client, send_request = cloud_sdk(network)

    def cloud(i: int) -> None:
        client = getattr(local, "cloud", None)
        if client is None:
            client = local.cloud = make_cloud_client()
        response = client.SendSms(send_request(phone()))
        (status,) = response.SendStatusSet
        if status.Code != "Ok":
            raise RuntimeError(f"the Cloud SDK was refused: {status}")

    # bare: the control ------------------------------------------------------------------------
    # As large as the threads, as the backend's pool (POOL_SIZE) is: a smaller one would open
    # and discard connections past it, and slow the control down, not the network.
    session = common.bare_session("https", pool_size=max(16, args.threads))

    def bare(i: int) -> None:
        message = SmsMessage(
            phone=phonenumbers.parse(phone()),
            tpl_id=TEMPLATE["tpl_id"],
            params=tuple(PARAMS),
            sign=SIGN,
        )
        response = common.bare_post(
            session, v5.build_sendsms, message, network.api_url, verify=str(network.trust)
        )
        if response.status_code != 200 or json.loads(response.content)["result"] != 0:
            raise RuntimeError(f"bare request refused: {response.content!r}")

    # bare + the log's two writes, replayed on copies of a row send_sms wrote (a control): the
    # database's round trips (and the rollup's change each carries) without the rest of
    # send_sms's Python.
    insert_log, update_log = log_writes(send_sms, phone())

    def bare_sql(i: int) -> None:
        row = insert_log()
        bare(i)
        update_log(row)

    # bare + two durable commits of nothing but a one-column row (a control): what any client
    # that writes a row before and after each request pays, whatever it writes.
    commit = empty_commit()

    def bare_commits(i: int) -> None:
        commit()
        bare(i)
        commit()

    operations = {
        "ours": ours,
        "ours, API 3.0": ours_cloud,
        "legacy SDK": legacy,
        "Cloud SDK": cloud,
        "bare": bare,
        "bare + log SQL": bare_sql,
        "bare + 2 commits": bare_commits,
    }
    n, threads = args.n, args.threads
    pool = common.ThreadPool(threads)
    try:
        times = common.alternate(
            {name: (lambda op=op: pool.run(op, n)) for name, op in operations.items()},
            rounds=args.rounds,
            warmup=args.warmup,
        )
    finally:
        pool.close()
    sent = SmsLog.objects.filter(status=SmsLog.Status.SENT).count()
    # ours, ours API 3.0 and the replayed writes of "bare + log SQL"; + log_writes' send.
    expected = (args.rounds + args.warmup) * n * 3 + 1
    if sent != expected:
        raise RuntimeError(f"{sent} messages logged as sent, expected {expected}")

    parts = breakdown(pool_size=threads, n=n, operation=ours, backend=backend)
    writes = (insert_log, update_log)
    paused = {
        "threads": db_after_pause(*writes, threads=threads, n=n, pause=2 * network.delay),
        "one": db_after_pause(*writes, threads=1, n=n // 4, pause=2 * network.delay),
        "back to back": db_after_pause(*writes, threads=1, n=n // 4, pause=0),
    }

    if args.profile:
        # One thread, in this one: pyinstrument samples the thread that started it.
        for name in ("ours", "legacy SDK"):
            label = name.replace(" ", "-").replace(",", "").replace(".", "").lower()
            with common.profiled(common.OUT / f"throughput-{label}.txt"):
                for i in range(min(n, 100)):
                    operations[name](i)

    rtt = 2 * network.delay
    floor = threads / rtt
    label = "throughput-postgres" if args.db == "postgres" else "throughput-sqlite-wal"
    result = common.Result(label, common.machine(database))
    bench = f"2. throughput, TLS + {rtt * 1e3:g} ms round trip ({database})"
    rates = {name: common.Spread.of([n / t for t in times[name]]) for name in operations}
    cpu = {name: common.per_op(times[f"{name} cpu"], n) for name in operations}
    total = n * args.rounds

    def rate(name: str) -> str:
        s = rates[name]
        return f"{s.median:.0f} (IQR {s.q1:.0f}–{s.q3:.0f}, {s.n} rounds)"

    def context(name: str) -> str:
        s = rates[name]
        return (
            f"{s.median / floor:.0%} of the floor; {threads / s.median * 1e3:.1f} ms per message "
            f"and thread; CPU in this process {cpu[name].median:.0f} µs per message"
        )

    result.add(
        bench,
        f"ours (send_sms, TencentBackend): messages per second, {threads} threads",
        rate("ours"),
        f"≥ {0.9 * floor:.0f} (90 % of {floor:.0f})",
        rates["ours"].median >= 0.9 * floor,
        context("ours") + f"; {total} messages, the log on {database}",
    )
    ratio = common.ratios(times, "legacy SDK", "ours")  # time(legacy) / time(ours) = speed ratio
    result.add(
        bench,
        "ours / legacy SDK, messages per second",
        str(ratio),
        "≥ 2.5",
        ratio.median >= 2.5,
        f"legacy SDK (qcloudsms_py 0.1.4): {rate('legacy SDK')} per second; "
        + context("legacy SDK").split("; ", 1)[1]
        + "; a new connection (TCP + TLS handshake) per message",
    )
    for name, label in (
        ("ours, API 3.0", "ours, API 3.0 (send_sms, TencentCloudBackend)"),
        ("Cloud SDK", "Tencent Cloud SDK (tencentcloud-sdk-python-sms, client per thread)"),
        ("legacy SDK", "legacy SDK (qcloudsms_py)"),
        ("bare", "control: bare keep-alive post, no log"),
        (
            "bare + log SQL",
            "control: bare post + the log's two writes (log_rows, rollup included)",
        ),
        ("bare + 2 commits", "control: bare post + two commits of a one-column row"),
    ):
        result.add(bench, f"{label}: messages per second", rate(name), context=context(name))
    ratio_cloud = common.ratios(times, "Cloud SDK", "ours")
    result.add(
        bench,
        "ours / Cloud SDK, messages per second",
        str(ratio_cloud),
        context=f"ours / bare: {common.ratios(times, 'bare', 'ours')}; ours / bare + log SQL: "
        f"{common.ratios(times, 'bare + log SQL', 'ours')}; bare + 2 commits / bare: "
        f"{common.ratios(times, 'bare', 'bare + 2 commits')}",
    )
    result.add(
        bench,
        f"where a message's time goes, ours, {threads} threads (separate passes)",
        f"{parts['total']:.1f} ms",
        context=f"TencentBackend.send {parts['send']:.1f} ms (the round trip is "
        f"{rtt * 1e3:g}), inside the database {parts['db']:.1f} ms for "
        f"{parts['queries']:g} queries, the rest of send_sms {parts['rest']:.1f} ms; "
        f"{parts['per_second']:.0f} messages per second in these passes (medians of 3)",
    )
    result.add(
        bench,
        f"control: the log's two statements alone, a {rtt * 1e3:g} ms pause between them, "
        f"{threads} threads",
        f"{paused['threads']:.2f} ms per message",
        context=f"the same in 1 thread: {paused['one']:.2f} ms; 1 thread back to back (no "
        f"pause): {paused['back to back']:.2f} ms. time.sleep in place of the request, no "
        "network, no app: what the database's round trips cost after the wait",
    )
    result.details = {
        "n": n,
        "rounds": args.rounds,
        "threads": threads,
        "db_after_pause_ms": paused,
        "floor_per_second": floor,
        "per_second": {name: rates[name].median for name in operations},
        "cpu_us_per_message": {name: cpu[name].median for name in operations},
        "round_seconds": {name: times[name] for name in operations},
        "breakdown_ms": parts,
    }
    return result


def empty_commit():
    """A callable that commits one row of one column (``bench_commit``, made if missing) on
    the thread's own connection: a durable commit's cost, with nothing of the app in it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit (n integer)")
        cursor.execute("DELETE FROM bench_commit")

    def commit() -> None:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_commit (n) VALUES (1)")

    return commit


def log_writes(send_sms, phone: str):
    """The log's insert and update as ``send_sms`` writes them (``records.log_rows``, the
    rollup's change included), replayed on fresh copies of the row one ``send_sms`` wrote:
    ``insert()`` returns the new row, ``update(row)`` records an accepted answer on it."""
    from django.utils import timezone

    from django_tencent_sms.models import SmsLog
    from django_tencent_sms.sending.outcome import DELIVERED_FIELDS
    from django_tencent_sms.sending.records import log_rows

    send_sms(phone, TEMPLATE["name"], PARAMS)
    sent = SmsLog.objects.latest("pk")
    if sent.status != SmsLog.Status.SENT:
        raise RuntimeError(f"send_sms did not send: {sent.status} {sent.errmsg}")
    values = {
        f.attname: getattr(sent, f.attname)
        for f in SmsLog._meta.concrete_fields
        if not f.primary_key
    }
    pending = {
        **values,
        "status": SmsLog.Status.PENDING,
        "sid": "",
        "fee": None,
        "result": None,
        "errmsg": "",
        "request_id": "",
        "finished_at": None,
        "duration": None,
    }
    pending = {k: v for k, v in pending.items() if k in values}

    def insert():
        return log_rows.insert(SmsLog(**{**pending, "created_at": timezone.now()}))

    def update(row) -> None:
        for name in DELIVERED_FIELDS:
            setattr(row, name, getattr(sent, name))
        row.finished_at = timezone.now()
        log_rows.update(row, DELIVERED_FIELDS)

    return insert, update


def db_after_pause(
    insert_log,
    update_log,
    *,
    threads: int,
    n: int,
    pause: float,
) -> float:
    """The log's INSERT, ``pause`` seconds of sleep (where the request would be), the UPDATE:
    ``n`` times in ``threads`` threads. Returns the median ms per message spent in the two
    statements. On a VM whose idle vCPU halts, a database that has waited idle answers slower
    than one kept busy; this shows how much."""
    lock = threading.Lock()
    spent: list[float] = []

    def one(i: int) -> None:
        t0 = time.perf_counter()
        row = insert_log()
        t1 = time.perf_counter()
        if pause:
            time.sleep(pause)
        t2 = time.perf_counter()
        update_log(row)
        with lock:
            spent.append((t1 - t0) + (time.perf_counter() - t2))

    pool = common.ThreadPool(threads)
    try:
        pool.run(one, n)
    finally:
        pool.close()
    return statistics.median(spent) * 1e3


def breakdown(*, pool_size: int, n: int, operation, backend, rounds: int = 3) -> dict[str, float]:
    """``rounds`` rounds of ``operation`` in ``pool_size`` threads with ``backend.send`` and
    every query timed: ms per message in each, and the rest (each the median over rounds)."""
    samples = [_breakdown_round(pool_size, n, operation, backend) for _ in range(rounds)]
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def _breakdown_round(pool_size: int, n: int, operation, backend) -> dict[str, float]:
    from django.db import connection

    lock = threading.Lock()
    spent = {"send": 0.0, "db": 0.0, "total": 0.0, "queries": 0}
    real_send = backend.send

    def send(message):
        t0 = time.perf_counter()
        try:
            return real_send(message)
        finally:
            with lock:
                spent["send"] += time.perf_counter() - t0

    def query(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            with lock:
                spent["db"] += time.perf_counter() - t0
                spent["queries"] += 1

    def timed(i: int) -> None:
        t0 = time.perf_counter()
        with connection.execute_wrapper(query):
            operation(i)
        with lock:
            spent["total"] += time.perf_counter() - t0

    backend.send = send
    pool = common.ThreadPool(pool_size)
    try:
        t = pool.run(timed, n)
    finally:
        pool.close()
        del backend.send
    parts = {k: v / n * 1e3 for k, v in spent.items() if k != "queries"}
    parts["rest"] = parts["total"] - parts["send"] - parts["db"]
    parts["queries"] = spent["queries"] / n
    parts["per_second"] = n / t.wall
    return parts


def legacy_sdk():
    """``qcloudsms_py.SmsSingleSender``, with its answer parsing fixed for Python 3.9+:
    ``HTTPResponse.json`` passes ``encoding=`` to ``json.loads``, a TypeError since 3.9."""
    from qcloudsms_py import SmsSingleSender, httpclient

    httpclient.HTTPResponse.json = lambda self: json.loads(self.body.decode("utf-8"))
    return SmsSingleSender


def cloud_sdk(network: common.Network):
    """A factory of ``SmsClient`` pointed at the proxy over HTTPS, trusting the bench CA, and
    one of ``SendSmsRequest`` for a number."""
    warnings.filterwarnings("ignore", "datetime.datetime.utcfromtimestamp", DeprecationWarning)
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sms.v20210111 import models, sms_client

    from django_tencent_sms.sandbox.accounts import DEVELOPMENT_SECRET_ID, DEVELOPMENT_SECRET_KEY

    def client() -> sms_client.SmsClient:
        http = HttpProfile(
            endpoint=network.host,
            protocol="https",
            reqTimeout=10,
            certification=str(network.trust),
        )
        return sms_client.SmsClient(
            credential.Credential(DEVELOPMENT_SECRET_ID, DEVELOPMENT_SECRET_KEY),
            REGION,
            ClientProfile(httpProfile=http),
        )

    def request(phone: str) -> models.SendSmsRequest:
        req = models.SendSmsRequest()
        req.PhoneNumberSet = [phone]
        req.SmsSdkAppId = common.SDK_APP_ID
        req.TemplateId = str(TEMPLATE["tpl_id"])
        req.SignName = SIGN
        req.TemplateParamSet = PARAMS
        return req

    return client, request


if __name__ == "__main__":
    main()
