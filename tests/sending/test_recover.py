"""Stuck rows: ``manage.py tencent_sms_recover``, the workers' own runs of it, and real workers.

Rows are written in each state with a ``created_at`` in the past (the clock of the data, not a
wait); the real-worker test runs ``db_worker`` processes as ``test_background.py`` does.
"""

import contextlib
import json
import sqlite3
import uuid
from datetime import timedelta
from importlib.util import find_spec
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending import recover as recovery
from django_tencent_sms.sending.recover import LOST, NowAndThen, is_stale
from tests.conftest import skip_service
from tests.sending.test_background import WORKER_TIMEOUT, Workers

Status = SmsLog.Status
PHONE = "+8613711112222"
ABROAD = "+447400123456"
OLD = 700  # seconds: past the default STALE_AFTER (600)
NEW = 60

pytestmark = pytest.mark.django_db


def row(status, age, *, phone=PHONE, batch=None, requeued=None):
    now = timezone.now()
    return SmsLog.objects.create(
        phone=phone,
        tpl_id=7,
        params=["A1"],
        status=status,
        batch=batch,
        created_at=now - timedelta(seconds=age),
        requeued_at=None if requeued is None else now - timedelta(seconds=requeued),
    )


def recover_command(*args):
    out = StringIO()
    call_command("tencent_sms_recover", *args, stdout=out)
    return out.getvalue()


def status_of(log):
    log.refresh_from_db()
    return log.status


def enqueued(dummy_tasks):
    return [
        (result.task.module_path.rsplit(".", 1)[1], json.loads(json.dumps(list(result.args))))
        for result in dummy_tasks.results
    ]


@pytest.fixture(autouse=True)
def no_worker_runs(monkeypatch):
    """The workers' own runs of recover wait for their turn: the tests here call it."""
    tasks = pytest.importorskip("django_tencent_sms.tasks")
    monkeypatch.setattr(tasks.recover_stuck, "next_run", float("inf"))


@pytest.fixture
def dummy_tasks(settings):
    """The task framework's dummy backend (``test_background.py``'s fixture)."""
    module = "django.tasks" if find_spec("django.tasks") else "django_tasks"
    settings.TASKS = {"default": {"BACKEND": f"{module}.backends.dummy.DummyBackend"}}
    backend = __import__(module, fromlist=["task_backends"]).task_backends["default"]
    backend.results.clear()
    return backend


@pytest.mark.django_db(transaction=True)  # as the command runs: enqueued at once
def test_rows_stuck_in_each_state_are_recovered_and_the_others_left_alone(dummy_tasks):
    pending, sending = row(Status.PENDING, OLD), row(Status.SENDING, OLD)
    queued = row(Status.QUEUED, OLD)
    batch = uuid.uuid4()
    bulk = [row(Status.QUEUED, OLD, batch=batch, phone=f"+86137000000{i:02d}") for i in range(3)]
    bulk_abroad = row(Status.QUEUED, OLD, batch=batch, phone=ABROAD)
    recent = [row(status, NEW) for status in (Status.PENDING, Status.SENDING, Status.QUEUED)]
    finished = [row(status, OLD) for status in (Status.SENT, Status.FAILED, Status.DELIVERED)]

    out = recover_command()

    for log, was in ((pending, "pending"), (sending, "sending")):
        log.refresh_from_db()
        assert log.status == Status.UNKNOWN and log.finished_at is not None
        assert log.errmsg.startswith(f"Stuck in status {was} for more than 600 s")
        assert "Not sent again" in log.errmsg
    assert [status_of(log) for log in [queued, *bulk, bulk_abroad]] == [Status.QUEUED] * 5
    assert all(SmsLog.objects.get(pk=log.pk).requeued_at is not None for log in [queued, *bulk])
    # Through the tasks send_sms and send_bulk enqueue: domestic and international apart.
    assert sorted(enqueued(dummy_tasks)) == sorted(
        [
            ("send_queued_sms", [queued.pk]),
            ("send_queued_batch", [[log.pk for log in bulk]]),
            ("send_queued_batch", [[bulk_abroad.pk]]),
        ]
    )
    assert [status_of(log) for log in recent] == [Status.PENDING, Status.SENDING, Status.QUEUED]
    assert [status_of(log) for log in finished] == [Status.SENT, Status.FAILED, Status.DELIVERED]
    assert out.splitlines() == [
        f"2 SMS marked unknown (may have reached Tencent; not sent again): "
        f"{pending.pk}, {sending.pk}",
        "5 SMS queued again (their task was lost): "
        + ", ".join(
            str(log.pk) for log in sorted([queued, *bulk, bulk_abroad], key=lambda r: r.pk)
        ),
    ]

    # Once: a second run finds nothing to do and says nothing.
    assert recover_command() == ""
    assert len(dummy_tasks.results) == 3


def test_a_row_queued_again_whose_task_is_lost_again_becomes_failed_never_sent(dummy_tasks):
    again = row(Status.QUEUED, 2 * OLD, requeued=OLD)
    waiting = row(Status.QUEUED, 2 * OLD, requeued=NEW)
    out = recover_command()
    again.refresh_from_db()
    assert again.status == Status.FAILED and again.errmsg == LOST and again.finished_at
    assert status_of(waiting) == Status.QUEUED
    assert dummy_tasks.results == []
    assert (
        out
        == f"1 SMS marked failed (never sent: their task was lost again, or refused): {again.pk}\n"
    )
    # A short cut-off finds rows stuck sooner, but gives a task queued again its STALE_AFTER.
    assert recover_command("--older-than", "0") == ""
    assert status_of(waiting) == Status.QUEUED and dummy_tasks.results == []


def test_dry_run_says_what_would_change_and_changes_nothing(dummy_tasks):
    sending, queued = row(Status.SENDING, OLD), row(Status.QUEUED, OLD)
    out = recover_command("--dry-run")
    assert out.splitlines() == [
        f"1 SMS would be marked unknown (may have reached Tencent; not sent again): {sending.pk}",
        f"1 SMS would be queued again (their task was lost): {queued.pk}",
    ]
    assert status_of(sending) == Status.SENDING and status_of(queued) == Status.QUEUED
    assert SmsLog.objects.get(pk=queued.pk).requeued_at is None
    assert dummy_tasks.results == []


def test_older_than_and_the_setting_set_when_a_row_is_stuck(dummy_tasks, settings):
    sending = row(Status.SENDING, 120)
    assert recover_command() == ""
    assert recover_command("--older-than", "300") == ""
    assert "1 SMS marked unknown" in recover_command("--older-than", "100")
    assert status_of(sending) == Status.UNKNOWN
    other = row(Status.PENDING, 120)
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "STALE_AFTER": 100}
    assert "1 SMS marked unknown" in recover_command()
    assert status_of(other) == Status.UNKNOWN


def test_a_negative_cut_off_is_refused_and_zero_takes_every_row_in_progress(dummy_tasks):
    with pytest.raises(CommandError, match="0 or more"):
        recover_command("--older-than", "-5")
    just_now = row(Status.SENDING, 1)
    assert "1 SMS marked unknown" in recover_command("--older-than", "0")
    assert status_of(just_now) == Status.UNKNOWN


@pytest.mark.parametrize("value", [0, -1, "600", None, 1.5, True])
def test_a_bad_stale_after_setting_is_a_command_error(settings, value):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "STALE_AFTER": value}
    with pytest.raises(CommandError, match=r"STALE_AFTER"):
        recover_command()


@pytest.mark.django_db(transaction=True)
def test_a_task_backend_that_refuses_leaves_the_row_failed(settings, caplog):
    settings.TASKS = {"default": {"BACKEND": "tests.sending.test_background.RefusingTaskBackend"}}
    queued = row(Status.QUEUED, OLD)
    out = recover_command()
    queued.refresh_from_db()
    assert queued.status == Status.FAILED and "nothing was sent" in queued.errmsg
    assert (
        out
        == f"1 SMS marked failed (never sent: their task was lost again, or refused): {queued.pk}\n"
    )


def test_a_worker_that_finishes_meanwhile_wins(dummy_tasks, monkeypatch):
    sending = row(Status.SENDING, OLD)
    ids = recovery._ids

    def finished_meanwhile(queryset):
        found = ids(queryset)
        SmsLog.objects.filter(pk=sending.pk).update(status=Status.SENT)
        return found

    monkeypatch.setattr(recovery, "_ids", finished_meanwhile)
    assert recover_command() == ""
    assert status_of(sending) == Status.SENT


def test_is_stale_is_what_the_admin_shows():
    now = timezone.now()
    assert is_stale(row(Status.SENDING, OLD), now, 600)
    assert not is_stale(row(Status.SENDING, NEW), now, 600)
    assert not is_stale(row(Status.SENT, OLD), now, 600)
    assert not is_stale(row(Status.QUEUED, 2 * OLD, requeued=NEW), now, 600)
    assert is_stale(row(Status.QUEUED, 2 * OLD, requeued=OLD), now, 600)


# -- The workers' own runs --------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_now_and_then_runs_once_per_stale_after(dummy_tasks, settings):
    clock = Clock()
    runs = NowAndThen(clock)
    callbacks = {"requeue": lambda pk: True, "requeue_batch": lambda ids: True}
    first = row(Status.SENDING, OLD)
    assert runs(**callbacks).unknown == [first.pk]
    second = row(Status.SENDING, OLD)
    clock.now += 599
    assert runs(**callbacks) is None and status_of(second) == Status.SENDING
    clock.now += 1
    assert runs(**callbacks).unknown == [second.pk]


def test_now_and_then_never_raises_into_the_task(settings, caplog):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "STALE_AFTER": "soon"}
    runs = NowAndThen(Clock())
    assert runs(requeue=lambda pk: True, requeue_batch=lambda ids: True) is None
    assert "Recovering stuck SMS rows failed" in caplog.text


def test_a_task_run_by_a_worker_recovers_stuck_rows(dummy_tasks, sms_sandbox, monkeypatch):
    from django_tencent_sms import send_sms, tasks

    monkeypatch.setattr(tasks.recover_stuck, "next_run", None)  # this worker's first task
    sms_sandbox.add_template(7, "Order {1} shipped")
    stuck = row(Status.SENDING, OLD)
    log = send_sms(PHONE, 7, ["A1"], background=True)
    assert tasks.send_queued_sms.call(log.pk) == "sent"
    assert status_of(stuck) == Status.UNKNOWN
    assert len(sms_sandbox.requests) == 1  # the task's own message; the stuck one not again


# -- Real workers -----------------------------------------------------------------------------


LEFT_BEHIND = """
import django, json
django.setup()
from datetime import timedelta
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from django_tencent_sms import send_bulk, send_sms
from django_tencent_sms.models import SmsLog
from django_tencent_sms.tasks import recover_stuck
recover_stuck.next_run = float("inf")
single = [send_sms(f"+86137{i:08d}", 7, [f"A{i}"], background=True).pk for i in range(5)]
send_bulk([f"+86138{i:08d}" for i in range(250)], 7, ["B"], background=True)
# Every task lost (a queue flushed), and a batch a killed worker left "sending".
DBTaskResult.objects.all().delete()
killed = list(SmsLog.objects.filter(phone__startswith="+86138").order_by("pk")[:200])
SmsLog.objects.filter(pk__in=[log.pk for log in killed]).update(status="sending")
SmsLog.objects.update(created_at=timezone.now() - timedelta(seconds=700))
print(json.dumps({"single": single, "killed": [log.pk for log in killed]}))
"""


@pytest.mark.django_db(transaction=True)  # the workers see what this process writes
@pytest.mark.parametrize("where", ["sqlite-file", "server"])
def test_real_workers_send_the_rows_whose_task_was_lost_and_never_resend(
    sms_sandbox, settings, tmp_path, where
):
    if find_spec("django_tasks_db") is None:
        skip_service("the django-tasks-db package (pip install -e .[test])")
    from django_tasks_db.models import DBTaskResult

    workers = Workers(tmp_path, dict(settings.TENCENT_SMS))
    logs, results = SmsLog._meta.db_table, DBTaskResult._meta.db_table
    sms_sandbox.add_template(7, "Order {1} shipped")
    if where == "server":
        if connection.vendor == "sqlite":
            pytest.skip("needs a database server (DATABASE_URL=postgres://… or mysql://…)")
        keys = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
        database = {key: connection.settings_dict[key] for key in keys}  # the test database

        def rows(sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return [tuple(found) for found in cursor.fetchall()]

    else:
        database = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / "db.sqlite3"),
            # As README "Going to production" advises for workers beside the site: wait for the
            # write lock instead of failing with "database is locked" when the machine is busy.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
        }

        def rows(sql):
            with contextlib.closing(sqlite3.connect(database["NAME"], timeout=10)) as db:
                return db.execute(sql).fetchall()

        workers.run(database, "-m", "django", "migrate", "--noinput", "-v", "0")

    try:
        left = json.loads(workers.run(database, "-c", LEFT_BEHIND).splitlines()[-1])
        assert rows(f"SELECT status, count(*) FROM {logs} GROUP BY status ORDER BY status") == [
            ("queued", 55),
            ("sending", 200),
        ]
        out = workers.run(database, "-m", "django", "tencent_sms_recover")
        assert "200 SMS marked unknown" in out and "55 SMS queued again" in out
        assert workers.run(database, "-m", "django", "tencent_sms_recover") == ""
        workers.start(database, 2)

        def done():
            return rows(
                f"SELECT (SELECT count(*) FROM {logs} WHERE status IN ('queued', 'sending'))"
                f"     + (SELECT count(*) FROM {results} WHERE status IN ('READY', 'RUNNING'))"
            ) == [(0,)]

        def state():
            return rows(f"SELECT status, count(*) FROM {logs} GROUP BY status")

        workers.wait_until(done, state)
    finally:
        workers.stop()
    sent = sorted(m.mobile for m in sms_sandbox.messages)
    # The five single messages and the 50 bulk rows never taken: each once. The 200 rows the
    # killed worker had in flight: not again.
    assert sent == sorted(
        [f"137{i:08d}" for i in range(5)] + [f"138{i:08d}" for i in range(200, 250)]
    )
    statuses = dict(rows(f"SELECT status, count(*) FROM {logs} GROUP BY status"))
    assert statuses == {"sent": 55, "unknown": 200}
    killed = ",".join(str(pk) for pk in left["killed"])
    assert rows(f"SELECT DISTINCT status FROM {logs} WHERE id IN ({killed})") == [("unknown",)]


CAMPAIGN = """
import django, json
django.setup()
from django_tencent_sms import send_bulk
from django_tencent_sms.models import SmsLog
send_bulk([f"+86139{i:08d}" for i in range(250)], 7, ["C"], background=True)
print(json.dumps(list(SmsLog.objects.order_by("pk").values_list("pk", flat=True))))
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["sqlite-file", "server"])
def test_a_worker_killed_mid_batch_leaves_rows_that_recover_marks_unknown_never_resent(
    sms_sandbox, settings, tmp_path, where
):
    """A background campaign; its worker is killed (SIGKILL) while a batch's request waits for
    Tencent's answer. The batch's rows stay ``sending``; ``tencent_sms_recover --older-than 0``
    makes them ``unknown``, and a new worker sends the rest, and never that batch again."""
    if find_spec("django_tasks_db") is None:
        skip_service("the django-tasks-db package (pip install -e .[test])")
    from django_tasks_db.models import DBTaskResult

    workers = Workers(tmp_path, dict(settings.TENCENT_SMS))
    logs, results = SmsLog._meta.db_table, DBTaskResult._meta.db_table
    sms_sandbox.add_template(7, "Campaign {1}")
    database, rows = worker_database(where, tmp_path, workers)
    try:
        json.loads(workers.run(database, "-c", CAMPAIGN).splitlines()[-1])
        sms_sandbox.fail_next("slow", delay=WORKER_TIMEOUT)  # the first request hangs
        workers.start(database, 1)
        workers.wait_until(lambda: len(sms_sandbox.requests) == 1, lambda: sms_sandbox.requests)
        workers.procs[0].kill()  # SIGKILL, mid-request
        workers.procs[0].wait()
        in_flight = {number for number in numbers_of(sms_sandbox.requests[0])}
        sending = rows(f"SELECT count(*) FROM {logs} WHERE status = 'sending'")
        assert sending == [(len(in_flight),)]

        out = workers.run(database, "-m", "django", "tencent_sms_recover", "--older-than", "0")
        assert f"{len(in_flight)} SMS marked unknown" in out
        workers.procs.clear()
        workers.start(database, 1)

        def done():
            return rows(
                f"SELECT (SELECT count(*) FROM {logs} WHERE status IN ('queued', 'sending'))"
                f"     + (SELECT count(*) FROM {results} WHERE status = 'READY')"
            ) == [(0,)]

        def state():
            return rows(f"SELECT status, count(*) FROM {logs} GROUP BY status")

        workers.wait_until(done, state)
        requested = [
            numbers_of(request)
            for request in sms_sandbox.requests
            if request.endpoint == "sendmultisms2"  # not the recovery's per-number lookups
        ]
    finally:
        workers.stop()
        sms_sandbox.reset()  # wakes the hung request
    everyone = [number for numbers in requested for number in numbers]
    assert sorted(everyone) == sorted(f"139{i:08d}" for i in range(250))  # each number once
    statuses = dict(rows(f"SELECT status, count(*) FROM {logs} GROUP BY status"))
    assert statuses == {"unknown": len(in_flight), "sent": 250 - len(in_flight)}


def numbers_of(request):
    """The national numbers a sendmultisms2 request went to."""
    return [entry["mobile"] for entry in request.json["tel"]]


def worker_database(where, tmp_path, workers):
    """The database the workers share with this test, and a function reading it with SQL."""
    if where == "server":
        if connection.vendor == "sqlite":
            pytest.skip("needs a database server (DATABASE_URL=postgres://… or mysql://…)")
        keys = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
        database = {key: connection.settings_dict[key] for key in keys}  # the test database

        def rows(sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return [tuple(found) for found in cursor.fetchall()]

        return database, rows
    database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "db.sqlite3"),
        # As README "Going to production" advises for workers beside the site: wait for the
        # write lock instead of failing with "database is locked" when the machine is busy.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
    }

    def rows(sql):
        with contextlib.closing(sqlite3.connect(database["NAME"], timeout=10)) as db:
            return db.execute(sql).fetchall()

    workers.run(database, "-m", "django", "migrate", "--noinput", "-v", "0")
    return database, rows


@pytest.mark.django_db(transaction=True)
def test_the_immediate_backend_does_not_recover_in_the_request(sms_sandbox, monkeypatch):
    from django_tencent_sms import send_sms, tasks

    monkeypatch.setattr(tasks.recover_stuck, "next_run", None)
    sms_sandbox.add_template(7, "Order {1} shipped")
    stuck = row(Status.SENDING, OLD)
    assert send_sms(PHONE, 7, ["A1"], background=True).status == Status.SENT  # sent at once
    assert status_of(stuck) == Status.SENDING
    assert tasks.recover_stuck.next_run is None
