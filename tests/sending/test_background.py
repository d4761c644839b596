"""Background sending: ``send_sms(background=True)``, its task, and real ``db_worker`` processes.

The task framework is ``django.tasks`` (Django 6) or the django-tasks backport (Django 5.2). The
worker tests run django-tasks-db's ``db_worker`` as subprocesses on a database they share with
this process: the test database itself on PostgreSQL, a SQLite file otherwise.
"""

import contextlib
import importlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from importlib.util import find_spec
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from django_tencent_sms import send_sms
from django_tencent_sms.backends.tencent import TencentBackend
from django_tencent_sms.exceptions import ConfigurationError, InvalidMessage
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.signals import sms_failed, sms_sent
from tests.conftest import skip_service
from tests.waiting import wait_for_processes

ROOT = Path(__file__).resolve().parents[2]
TASKS_MODULE = "django.tasks" if find_spec("django.tasks") else "django_tasks"
PHONE = "+8613711112222"
Status = SmsLog.Status
WORKER_TIMEOUT = 120  # seconds; a generous bound, never a wait for its own sake


# -- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def tasks():
    """``django_tencent_sms.tasks``, or a "service missing" skip without a task framework."""
    try:
        return importlib.import_module("django_tencent_sms.tasks")
    except ConfigurationError:
        skip_service("Django's task framework: Django 6, or django-tasks (pip install -e .[test])")


@pytest.fixture
def task_backends(tasks):
    return importlib.import_module(TASKS_MODULE).task_backends


@pytest.fixture
def dummy_tasks(task_backends, settings):
    """The task framework's dummy backend: it keeps what is enqueued and runs nothing."""
    settings.TASKS = {"default": {"BACKEND": f"{TASKS_MODULE}.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    backend.results.clear()
    return backend


@pytest.fixture
def db_tasks(tasks, settings):
    """The database task backend in this process; its ``db_worker`` runs in subprocesses."""
    if find_spec("django_tasks_db") is None:
        skip_service("the django-tasks-db package (pip install -e .[test])")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def shipped(sms_sandbox):
    return SmsTemplate.objects.create(name="shipped", tpl_id=7, text="Order {1} shipped")


@pytest.fixture
def signals():
    got = {"sent": [], "failed": []}

    def on_sent(sender, log, result, **kwargs):
        got["sent"].append(log.pk)

    def on_failed(sender, log, exception, **kwargs):
        got["failed"].append((log.pk, exception))

    sms_sent.connect(on_sent)
    sms_failed.connect(on_failed)
    yield got
    sms_sent.disconnect(on_sent)
    sms_failed.disconnect(on_failed)


def queue_one(dummy_tasks, *args, **kwargs):
    """A queued row whose task was enqueued on the dummy backend (and not run)."""
    log = send_sms(PHONE, *(args or ("shipped", ["A1"])), background=True, **kwargs)
    assert log.status == Status.QUEUED
    return log


def in_another_thread(func):
    """``func()`` in a thread of its own, so on a database connection of its own."""
    out = {}

    def run():
        try:
            out["value"] = func()
        except BaseException as exc:  # handed to the caller
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    if "error" in out:
        raise out["error"]
    return out["value"]


# -- Without workers: the default immediate backend -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_without_workers_the_default_immediate_backend_sends_at_once(
    task_backends, shipped, sms_sandbox, signals
):
    assert type(task_backends["default"]).__name__ == "ImmediateBackend"
    log = send_sms(PHONE, "shipped", ["A1"], background=True)
    (message,) = sms_sandbox.messages
    assert log.status == Status.SENT and log.sid == message.sid and log.result == 0
    assert log.backend == "django_tencent_sms.backends.tencent.TencentBackend"
    assert message.text == "【腾讯云】Order A1 shipped" and message.mobile == "13711112222"
    assert signals["sent"] == [log.pk] and signals["failed"] == []


@pytest.mark.django_db
def test_in_a_transaction_the_task_waits_for_the_commit(
    tasks, shipped, sms_sandbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        log = send_sms(PHONE, "shipped", ["A1"], background=True)
        assert log.status == Status.QUEUED
        assert sms_sandbox.requests == []
    log.refresh_from_db()
    assert log.status == Status.SENT and len(sms_sandbox.messages) == 1


@pytest.mark.django_db
def test_without_a_task_framework_only_background_sending_needs_one(monkeypatch, sms_outbox):
    # As on Django 5.2 without the django-tasks backport.
    import django_tencent_sms

    monkeypatch.setitem(sys.modules, "django.tasks", None)
    monkeypatch.setitem(sys.modules, "django_tasks", None)
    monkeypatch.delitem(sys.modules, "django_tencent_sms.tasks", raising=False)
    monkeypatch.delattr(django_tencent_sms, "tasks", raising=False)
    SmsTemplate.objects.create(name="shipped", tpl_id=7, text="Order {1} shipped")
    with pytest.raises(ConfigurationError, match=r"pip install 'django-tencent-sms\[tasks\]'"):
        send_sms(PHONE, "shipped", ["A1"], background=True)
    assert not SmsLog.objects.exists()
    assert send_sms(PHONE, "shipped", ["A1"]).status == Status.SENT and len(sms_outbox) == 1


# -- Enqueuing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_row_is_queued_and_the_task_carries_only_its_id(
    dummy_tasks, shipped, sms_sandbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        log = send_sms(PHONE, "shipped", ["A1"], ext="order-1", extend="12", background=True)
    assert dummy_tasks.results == []  # nothing before the commit
    row = SmsLog.objects.get()
    assert row == log and row.status == Status.QUEUED and not row.sid and row.finished_at is None
    assert (row.template, row.tpl_id, row.params) == (shipped, 7, ["A1"])
    assert (row.sign, row.ext, row.extend) == ("腾讯云", "order-1", "12")
    (on_commit,) = callbacks
    on_commit()
    (result,) = dummy_tasks.results
    assert result.task.module_path == "django_tencent_sms.tasks.send_queued_sms"
    assert json.loads(json.dumps([list(result.args), result.kwargs])) == [[log.pk], {}]
    assert sms_sandbox.requests == []


@pytest.mark.django_db(transaction=True)
def test_without_a_transaction_it_is_enqueued_at_once_and_a_rollback_enqueues_nothing(
    dummy_tasks, shipped
):
    log = send_sms(PHONE, "shipped", ["A1"], background=True)
    assert [list(r.args) for r in dummy_tasks.results] == [[log.pk]]
    assert log.status == Status.QUEUED
    with pytest.raises(RuntimeError), transaction.atomic():
        send_sms(PHONE, "shipped", ["A2"], background=True)
        raise RuntimeError("the view failed")
    assert len(dummy_tasks.results) == 1 and SmsLog.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("12345", "shipped", ["A1"]), "invalid_phone"),
        ((PHONE, "no-such-template", ["A1"]), "unknown_template"),
        ((PHONE, "shipped", []), "param_count"),
        ((PHONE, "shipped", ["A1"], {"extend": "x1"}), "invalid_extend"),
    ],
)
def test_bad_input_is_refused_at_once_with_no_row_and_no_task(
    dummy_tasks, shipped, django_capture_on_commit_callbacks, args, code
):
    *positional, options = args if isinstance(args[-1], dict) else (*args, {})
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(InvalidMessage) as info:
        send_sms(*positional, background=True, **options)
    assert info.value.code == code
    assert callbacks == [] and not SmsLog.objects.exists()


@pytest.mark.django_db
def test_messages_with_secrets_are_refused_in_the_background(
    dummy_tasks, shipped, django_capture_on_commit_callbacks
):
    SmsTemplate.objects.create(
        name="login-code", tpl_id=19, text="Code {1}", type=SmsTemplate.Type.VERIFICATION
    )
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(InvalidMessage) as secret:
            send_sms(PHONE, "shipped", ["A1"], secret_params=[0], background=True)
        with pytest.raises(InvalidMessage) as code:
            send_sms(PHONE, "login-code", ["123456"], background=True)
    assert secret.value.code == code.value.code == "secret_params"
    assert "background=False" in str(secret.value) and "background=False" in str(code.value)
    assert "login-code" in str(code.value)
    assert callbacks == [] and not SmsLog.objects.exists()
    # Sent synchronously, as they must be, they go.
    assert send_sms(PHONE, "login-code", ["123456"]).status == Status.SENT


@pytest.mark.django_db
def test_a_backend_instance_is_refused_and_a_broken_configuration_fails_first(
    dummy_tasks, shipped, settings
):
    with pytest.raises(TypeError, match="background"):
        send_sms(PHONE, "shipped", ["A1"], background=True, backend=TencentBackend())
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "BACKEND": "no.such.Backend"}
    with pytest.raises(ConfigurationError):
        send_sms(PHONE, "shipped", ["A1"], background=True)
    assert not SmsLog.objects.exists() and dummy_tasks.results == []


try:
    DummyBackend = importlib.import_module(f"{TASKS_MODULE}.backends.dummy").DummyBackend
except ImportError:  # no task framework: the tests that need one skip
    DummyBackend = object


class RefusingTaskBackend(DummyBackend):
    """A task backend whose queue is down."""

    def enqueue(self, task, args, kwargs):
        raise RuntimeError("the queue is down")


@pytest.mark.django_db(transaction=True)
def test_a_task_backend_that_refuses_leaves_a_failed_row(tasks, shipped, settings, caplog):
    settings.TASKS = {"default": {"BACKEND": "tests.sending.test_background.RefusingTaskBackend"}}
    with pytest.raises(RuntimeError, match="queue is down"):
        send_sms(PHONE, "shipped", ["A1"], background=True)
    # At a commit the error is logged, not raised into whoever committed.
    with transaction.atomic():
        send_sms(PHONE, "shipped", ["A2"], background=True)
    rows = list(SmsLog.objects.order_by("pk"))
    assert [row.status for row in rows] == [Status.FAILED, Status.FAILED]
    assert all(
        row.errmsg == "Could not be queued (RuntimeError: the queue is down); nothing was sent."
        for row in rows
    )
    assert f"SMS #{rows[1].pk} could not be queued" in caplog.text


# -- The task ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["name", "tpl_id"])
def test_the_task_rebuilds_the_message_from_the_row_and_sends_it(
    tasks, dummy_tasks, shipped, sms_sandbox, signals, by
):
    if by == "tpl_id":  # a template the site has no row for
        sms_sandbox.add_template(9, "Parcel {1} at {2}")
        log = queue_one(dummy_tasks, 9, ["P7", "gate 2"], ext="e-1", extend="34", sign="Acme")
    else:
        log = queue_one(dummy_tasks, "shipped", ["A1"], ext="e-1", extend="34", sign="Acme")
    assert tasks.send_queued_sms.call(log.pk) == "sent"
    (message,) = sms_sandbox.messages
    assert (message.ext, message.extend, message.sign) == ("e-1", "34", "Acme")
    assert message.params == (["P7", "gate 2"] if by == "tpl_id" else ["A1"])
    log.refresh_from_db()
    assert log.status == Status.SENT and log.sid == message.sid and log.fee == message.fee
    assert log.result == 0 and log.finished_at and log.duration is not None
    assert log.backend == "django_tencent_sms.backends.tencent.TencentBackend"
    assert signals["sent"] == [log.pk] and signals["failed"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "code", "errmsg"),
    [
        ({"is_active": False}, "inactive_template", "The SMS template shipped is not active."),
        ({"text": "Order {1} shipped to {2}"}, "param_count", "takes 2 parameters, 1 given"),
    ],
)
def test_a_template_changed_since_makes_the_row_failed_with_the_reason(
    tasks, dummy_tasks, shipped, sms_sandbox, signals, change, code, errmsg
):
    log = queue_one(dummy_tasks)
    SmsTemplate.objects.filter(pk=shipped.pk).update(**change)
    assert tasks.send_queued_sms.call(log.pk) == "failed"
    log.refresh_from_db()
    assert log.status == Status.FAILED and errmsg in log.errmsg and log.finished_at
    assert sms_sandbox.requests == [] and signals["sent"] == []
    ((pk, exc),) = signals["failed"]
    assert pk == log.pk and isinstance(exc, InvalidMessage) and exc.code == code
    assert exc.log.pk == log.pk


@pytest.mark.django_db
def test_a_refusal_by_tencent_is_recorded_and_signalled(
    tasks, dummy_tasks, shipped, sms_sandbox, signals
):
    log = queue_one(dummy_tasks)
    sms_sandbox.fail_next("result", result=1016)
    assert tasks.send_queued_sms.call(log.pk) == "failed"
    log.refresh_from_db()
    assert log.status == Status.FAILED and log.result == 1016
    assert [pk for pk, _exc in signals["failed"]] == [log.pk]


@pytest.mark.django_db
def test_a_second_run_of_the_task_sends_nothing(tasks, dummy_tasks, shipped, sms_sandbox, signals):
    log = queue_one(dummy_tasks)
    assert tasks.send_queued_sms.call(log.pk) == "sent"
    assert tasks.send_queued_sms.call(log.pk) == "sent"
    assert len(sms_sandbox.requests) == 1 and signals["sent"] == [log.pk]
    assert tasks.send_queued_sms.call(log.pk + 1000) == "missing"


@pytest.mark.django_db
def test_a_row_left_sending_by_a_dead_worker_becomes_unknown_and_is_not_resent(
    tasks, dummy_tasks, shipped, sms_sandbox, signals
):
    log = queue_one(dummy_tasks)
    SmsLog.objects.filter(pk=log.pk).update(status=Status.SENDING)  # claimed, then the worker died
    assert tasks.send_queued_sms.call(log.pk) == "unknown"
    assert tasks.send_queued_sms.call(log.pk) == "unknown"
    log.refresh_from_db()
    assert log.status == Status.UNKNOWN and "Not sent again" in log.errmsg and log.finished_at
    assert sms_sandbox.requests == [] and signals == {"sent": [], "failed": []}


class GatedBackend(TencentBackend):
    """The real backend, with a hook run while Tencent has the request but the worker has not
    recorded the answer: where a duplicate delivery of the task must neither send nor lose it."""

    mid_request = None

    def send(self, message):
        try:
            return super().send(message)
        finally:
            hook, GatedBackend.mid_request = GatedBackend.mid_request, None
            if hook is not None:
                hook()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("outcome", ["sent", "failed"])
def test_a_duplicate_while_the_first_worker_is_mid_request_sends_nothing_and_loses_nothing(
    tasks, dummy_tasks, shipped, sms_sandbox, signals, settings, outcome
):
    log = queue_one(dummy_tasks)
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "BACKEND": "tests.sending.test_background.GatedBackend",
    }
    if outcome == "failed":
        sms_sandbox.fail_next("result", result=1016)
    seen = {}

    def duplicate():  # a second worker, on its own connection
        seen["returned"] = tasks.send_queued_sms.call(log.pk)
        seen["row"] = SmsLog.objects.get(pk=log.pk).status
        seen["requests"] = len(sms_sandbox.requests)

    GatedBackend.mid_request = lambda: in_another_thread(duplicate)
    assert tasks.send_queued_sms.call(log.pk) == outcome
    # The duplicate found the row being sent: it sent nothing and could only say "unknown"…
    assert seen == {"returned": "unknown", "row": Status.UNKNOWN, "requests": 1}
    # …and the first worker's outcome replaced that.
    log.refresh_from_db()
    assert log.status == outcome and len(sms_sandbox.requests) == 1
    if outcome == "sent":
        assert log.sid == sms_sandbox.messages[0].sid and log.errmsg == "OK"
        assert signals["sent"] == [log.pk] and signals["failed"] == []
    else:
        assert log.result == 1016 and not log.sid
        assert signals["sent"] == [] and [pk for pk, _exc in signals["failed"]] == [log.pk]


# -- Real workers -----------------------------------------------------------------------------


#: A production worker, polling every 50 ms when idle.
WORKER_COMMAND = [sys.executable, "-m", "django", "db_worker", "--interval", "0.05",
                  "--no-startup-delay", "--no-reload"]  # fmt: skip


class Workers:
    """``db_worker`` processes on ``database`` (a DATABASES entry), sending to this emulator."""

    def __init__(self, tmp_path, sms):
        self.tmp_path = tmp_path
        self.sms = sms
        self.procs = []

    def env(self, database):
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "TENCENT_SMS_WORKER_DATABASE": json.dumps(database),
            "TENCENT_SMS_WORKER_SMS": json.dumps(self.sms),
        }

    def run(self, database, *args):
        """Run ``python *args`` with the worker settings; its stdout."""
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env(database),
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self, database, count):
        for i in range(len(self.procs), len(self.procs) + count):
            output = (self.tmp_path / f"worker-{i}.log").open("wb")
            self.procs.append(
                subprocess.Popen(
                    [*WORKER_COMMAND, "--worker-id", f"test-worker-{i}"],
                    cwd=ROOT,
                    env=self.env(database),
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            )
            output.close()

    def output(self):
        return "\n".join(p.read_text() for p in sorted(self.tmp_path.glob("worker-*.log")))

    def wait_until(self, predicate, state):
        """Poll ``predicate`` until it holds; fail at once if a worker exits. On failure, say
        what ``state()`` (the rows and tasks) and the workers' output show."""

        def failure(timed_out):
            alive = all(p.poll() is None for p in self.procs)
            if alive and not timed_out:
                return None
            what = "a worker exited" if not alive else "the workers did not finish"
            return f"{what}\nstate: {state()}\n{self.output()}"

        wait_for_processes(predicate, WORKER_TIMEOUT, failure)

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # db_worker stops gracefully
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def workers(tmp_path, sms_sandbox, settings):
    w = Workers(tmp_path, dict(settings.TENCENT_SMS))  # pointed at the emulator by sms_sandbox
    yield w
    w.stop()


N = 30


@pytest.mark.django_db(transaction=True)
def test_db_workers_send_each_queued_message_exactly_once(db_tasks, shipped, sms_sandbox, workers):
    if connection.vendor == "sqlite":
        # The workers must share the test database; SQLite's is in memory. The next test runs
        # the same thing on a SQLite file.
        pytest.skip("needs a database server (DATABASE_URL=postgres://… or mysql://…)")
    from django_tasks_db.models import DBTaskResult

    from django_tencent_sms.tasks import send_queued_sms

    phones = [f"+86137{i:08d}" for i in range(N)]
    logs = []
    for i, phone in enumerate(phones):
        logs.append(send_sms(phone, "shipped", [f"A{i}"], background=True))
        # At-least-once delivery: every task twice, one right after the other, so that the
        # two workers take both at once and race for the row.
        send_queued_sms.enqueue(logs[-1].pk)
    assert {log.status for log in logs} == {Status.QUEUED}
    assert DBTaskResult.objects.count() == 2 * N

    keys = ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    database = {key: connection.settings_dict[key] for key in keys}  # the test database
    workers.start(database, 2)

    def done():
        return not (
            SmsLog.objects.filter(status__in=[Status.QUEUED, Status.SENDING]).exists()
            or DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
        )

    def state():
        tasks = DBTaskResult.objects.exclude(status="SUCCESSFUL")
        return (
            Counter(SmsLog.objects.values_list("status", flat=True)),
            list(tasks.values_list("status", "args_kwargs", "traceback")),
        )

    workers.wait_until(done, state)

    sids = {m.mobile: m.sid for m in sms_sandbox.messages}
    assert sorted(m.mobile for m in sms_sandbox.messages) == sorted(p[3:] for p in phones)
    for log in SmsLog.objects.all():
        assert log.status == Status.SENT and log.sid == sids[str(log.phone.national_number)]
    results = Counter(DBTaskResult.objects.values_list("status", "return_value"))
    assert results[("SUCCESSFUL", "sent")] >= N
    assert set(results) <= {("SUCCESSFUL", "sent"), ("SUCCESSFUL", "unknown")}, workers.output()


ENQUEUE = """
import django, json
django.setup()
from django_tencent_sms import send_sms
from django_tencent_sms.models import SmsTemplate
from django_tencent_sms.tasks import send_queued_sms
SmsTemplate.objects.create(name="shipped", tpl_id=7, text="Order {1} shipped")
logs = [send_sms(f"+86137{i:08d}", "shipped", [f"A{i}"], background=True) for i in range(%d)]
for log in logs:
    send_queued_sms.enqueue(log.pk)
print(json.dumps([log.status for log in logs]))
"""


def test_a_db_worker_on_a_sqlite_file(tasks, sms_sandbox, workers, tmp_path):
    """The same on a SQLite file, so that the SQLite run (Django 5.2 in CI) has it too."""
    if find_spec("django_tasks_db") is None:
        skip_service("the django-tasks-db package (pip install -e .[test])")
    from django_tasks_db.models import DBTaskResult

    logs, results = SmsLog._meta.db_table, DBTaskResult._meta.db_table
    database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "db.sqlite3"),
        # As README "Going to production" advises for workers beside the site: wait for the
        # write lock instead of failing with "database is locked" when the machine is busy.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
    }
    sms_sandbox.add_template(7, "Order {1} shipped")
    workers.run(database, "-m", "django", "migrate", "--noinput", "-v", "0")
    queued = json.loads(workers.run(database, "-c", ENQUEUE % N).splitlines()[-1])
    assert queued == ["queued"] * N

    def rows(sql):
        with contextlib.closing(sqlite3.connect(database["NAME"], timeout=10)) as db:
            return db.execute(sql).fetchall()

    workers.start(database, 1)

    def done():
        return rows(
            f"SELECT (SELECT count(*) FROM {logs} WHERE status IN ('queued', 'sending'))"
            f"     + (SELECT count(*) FROM {results} WHERE status IN ('READY', 'RUNNING'))"
        ) == [(0,)]

    def state():
        return (
            rows(f"SELECT status, count(*) FROM {logs} GROUP BY status"),
            rows(f"SELECT status, args_kwargs, traceback FROM {results} WHERE status = 'FAILED'"),
        )

    workers.wait_until(done, state)
    sids = {m.mobile: m.sid for m in sms_sandbox.messages}
    assert sorted(sids) == sorted(f"137{i:08d}" for i in range(N))
    assert len(sms_sandbox.messages) == N
    logged = rows(f"SELECT phone, status, sid FROM {logs}")
    assert sorted(logged) == sorted((f"+86{m}", "sent", sid) for m, sid in sids.items())
    tasks_run = rows(f"SELECT status, return_value FROM {results}")
    assert tasks_run == [("SUCCESSFUL", '"sent"')] * (2 * N)
