"""Background sending on RQ: real ``rqworker`` processes on Redis, one killed mid-batch.

The task backend is django-tasks-rq's, set up as README "Background sending" says; the workers
share the test's database (the test database on a server, a SQLite file otherwise, as in
``test_recover.py``) and send to the emulator. Each test takes a Redis database of its own
(one of 7 to 15, locked while it runs) and empties RQ's keys from it afterwards.
"""

import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from importlib.util import find_spec
from pathlib import Path

import pytest
from django.db import connection

from django_tencent_sms.models import SmsLog
from tests.conftest import skip_service
from tests.sending.test_background import ROOT, WORKER_TIMEOUT, Workers
from tests.sending.test_recover import worker_database
from tests.waiting import wait_for_processes

#: The Redis server the tests use, without a database number; override for another server.
REDIS = os.environ.get("TENCENT_SMS_TESTS_REDIS", "redis://127.0.0.1:6379")
#: The databases the tests may take, one per test run at a time (0 is left to others).
REDIS_DATABASES = range(7, 16)
LOCK = "tencent-sms-tests:lock"
QUEUE = "default"  # the queue of the app's tasks, named in RQ_QUEUES
CAMPAIGN_SIZE = 500  # three batches: 200, 200 and 100 numbers
SINGLES = 4
LOGS = SmsLog._meta.db_table


# -- Fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def redis_url():
    """A Redis database of this test's own: locked against other runs, RQ's keys emptied."""
    if find_spec("django_tasks_rq") is None:
        skip_service("the django-tasks-rq package (pip install -e .[test])")
    from redis import Redis
    from redis.exceptions import RedisError

    token = uuid.uuid4().hex
    for number in REDIS_DATABASES:
        client = Redis.from_url(f"{REDIS}/{number}")
        try:
            taken = client.set(LOCK, token, nx=True, ex=600)
        except RedisError as exc:
            skip_service(f"Redis at {REDIS} ({type(exc).__name__}: {exc})")
        if taken:
            break
    else:
        pytest.fail(f"Redis databases {REDIS_DATABASES} are all taken by other test runs")
    forget_rq(client)  # what a run that crashed may have left
    try:
        yield f"{REDIS}/{number}"
    finally:
        forget_rq(client)
        if client.get(LOCK) == token.encode():
            client.delete(LOCK)
        client.close()


def forget_rq(client):
    keys = list(client.scan_iter("rq:*"))
    if keys:
        client.delete(*keys)


class RQWorkers(Workers):
    """``manage.py rqworker --job-class django_tasks_rq.Job`` processes on ``redis_url``."""

    def __init__(self, tmp_path, sms, redis_url):
        super().__init__(tmp_path, sms)
        self.redis_url = redis_url
        self.names = {}  # worker name -> its process
        self.killed = []
        self.orphans = set()  # horses whose worker is killed

    def env(self, database):
        return {
            **super().env(database),
            "DJANGO_SETTINGS_MODULE": "tests.rq_worker_settings",
            "TENCENT_SMS_WORKER_REDIS": self.redis_url,
        }

    def start(self, database, count):
        for _ in range(count):
            name = f"tencent-sms-test-{uuid.uuid4().hex[:12]}"
            output = (self.tmp_path / f"worker-{name}.log").open("wb")
            command = ["-m", "django", "rqworker", "--job-class", "django_tasks_rq.Job"]
            proc = subprocess.Popen(
                [sys.executable, *command, "--name", name, QUEUE],
                cwd=ROOT,
                env=self.env(database),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
            output.close()
            self.procs.append(proc)
            self.names[name] = proc

    def kill(self, proc):
        """SIGKILL ``proc`` and wait for it; it is no longer one of the workers."""
        proc.kill()
        proc.wait()
        self.procs.remove(proc)
        self.killed.append(proc)

    def stop(self):
        super().stop()  # SIGTERM: a warm shut-down, after the job at hand
        for pid in self.horses():
            os.kill(pid, signal.SIGKILL)

    def horses(self):
        """The work horses (RQ forks one per job) of the workers started, living or orphaned."""
        started = {proc.pid for proc in [*self.procs, *self.killed]}
        return [
            pid
            for pid, parent in processes()
            if (parent in started or pid in self.orphans) and alive(pid)
        ]


def processes():
    """``(pid, parent pid)`` of each process (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            found.append((int(entry.name), int(stat.rsplit(")", 1)[1].split()[1])))
    return found


def alive(pid):
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(predicate, state, what, workers):
    """Poll ``predicate`` until it holds; fail with ``state()`` and the workers' output if a
    worker exits or the deadline passes first."""

    def failure(timed_out):
        exited = [proc.pid for proc in workers.procs if proc.poll() is not None]
        if not exited and not timed_out:
            return None
        problem = f"workers {exited} exited" if exited else f"timed out waiting for {what}"
        return f"{problem}\nstate: {state()}\n{workers.output()}"

    wait_for_processes(predicate, WORKER_TIMEOUT, failure)


CAMPAIGN = f"""
import django, json
django.setup()
from django_tencent_sms import send_bulk, send_sms
from django_tencent_sms.models import SmsLog
send_bulk([f"+86139{{i:08d}}" for i in range({CAMPAIGN_SIZE})], 7, ["C"], background=True)
for i in range({SINGLES}):
    send_sms(f"+86137{{i:08d}}", 7, [f"S{{i}}"], background=True)
print(json.dumps(SmsLog.objects.count()))
"""

#: RQ's own clean-up of the jobs of workers that died, as every worker runs it now and then:
#: here with the clock past every job's heartbeat, as it will be once they expire.
CLEAN_UP = """
import django, time
django.setup()
import django_rq
queue = django_rq.get_queue("default", job_class="django_tasks_rq.Job")
queue.started_job_registry.cleanup(timestamp=time.time() + 24 * 3600)
"""


# -- The test ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the workers see what this process writes
@pytest.mark.parametrize("killed", ["horse", "worker-and-horse"])
def test_a_campaign_on_rq_workers_with_one_killed_mid_batch_never_sends_a_message_twice(
    sms_sandbox, settings, tmp_path, redis_url, killed
):
    """A campaign (three batches of a bulk send, and single messages) on two RQ workers. The
    first request hangs at the emulator; the work horse sending it is killed (SIGKILL), and
    with ``worker-and-horse`` its worker first. The other worker sends the rest; RQ fails the
    abandoned job (at once when the worker survives, at its clean-up when it died), and even
    when that job is requeued it sends nothing; ``tencent_sms_recover`` leaves no row in
    progress. The killed batch's rows end ``unknown``, every number was requested at most once.
    """
    from redis import Redis
    from rq import Queue
    from rq.job import Job, JobStatus

    # The longest read timeout allowed: the hung request waits for the kill, not for it.
    workers = RQWorkers(tmp_path, {**settings.TENCENT_SMS, "TIMEOUT": 30}, redis_url)
    redis = Redis.from_url(redis_url)
    queue = Queue(QUEUE, connection=redis)
    sms_sandbox.add_template(7, "Campaign {1}")
    where = "sqlite-file" if connection.vendor == "sqlite" else "server"
    database, rows = worker_database(where, tmp_path, workers)

    def state():
        return (
            rows(f"SELECT status, count(*) FROM {LOGS} GROUP BY status ORDER BY status"),
            {"queued": queue.count, "started": queue.started_job_registry.get_job_ids()},
            {"failed": queue.failed_job_registry.get_job_ids()},
            [numbers_of(request)[:1] for request in sms_sandbox.requests],
        )

    try:
        total = json.loads(workers.run(database, "-c", CAMPAIGN).splitlines()[-1])
        assert total == CAMPAIGN_SIZE + SINGLES
        assert queue.count == 3 + SINGLES  # a task per batch and per single message
        sms_sandbox.fail_next("slow", delay=WORKER_TIMEOUT)  # the first request hangs
        workers.start(database, 2)
        wait_for(lambda: len(sms_sandbox.requests) >= 1, state, "the first request", workers)
        first = sms_sandbox.requests[0]
        assert first.endpoint == "sendmultisms2"  # the first jobs are the campaign's batches
        in_flight = numbers_of(first)
        job = job_sending(queue, rows, in_flight)
        assert job.retries_left is None  # django-tasks-rq asks RQ for no retry
        worker = workers.names[job.worker_name]
        horse = only([pid for pid, parent in processes() if parent == worker.pid])
        workers.orphans.add(horse)
        if killed == "worker-and-horse":
            workers.kill(worker)  # first, so that nobody sees its horse die
        os.kill(horse, signal.SIGKILL)
        wait_for(lambda: not alive(horse), state, "the horse to die", workers)

        if killed == "horse":
            # The worker saw its horse die: the job failed, without a retry, and the worker
            # goes on with the queue.
            wait_for(
                lambda: job.get_status(refresh=True) == JobStatus.FAILED,
                state,
                "the worker to fail the job",
                workers,
            )
            assert job.id in queue.failed_job_registry
            # Requeued at once (by hand, or by a tool that requeues failed jobs), while its
            # rows are still "sending": it sends nothing and marks them unknown.
            queue.failed_job_registry.requeue(job.id)

        def campaign_done():
            return (
                rows(f"SELECT count(*) FROM {LOGS} WHERE status IN ('queued', 'sending')")
                == [(0 if killed == "horse" else len(in_flight),)]
                and queue.count == 0
                and set(queue.started_job_registry.get_job_ids()) <= {job.id}
                and (killed != "horse" or job.get_status(refresh=True) == JobStatus.FINISHED)
            )

        wait_for(campaign_done, state, "the other jobs", workers)
        out = workers.run(database, "-m", "django", "tencent_sms_recover", "--older-than", "0")
        if killed == "horse":
            assert out == ""  # the requeued job had marked them unknown
        else:
            assert out.startswith(f"{len(in_flight)} SMS marked unknown")
            # RQ's clean-up fails the dead worker's job (no retry), and requeued afterwards it
            # sends nothing again.
            assert job.get_status(refresh=True) == JobStatus.STARTED
            workers.run(database, "-c", CLEAN_UP)
            assert job.get_status(refresh=True) == JobStatus.FAILED
            assert job.id in queue.failed_job_registry and queue.count == 0
            queue.failed_job_registry.requeue(job.id)
            wait_for(
                lambda: job.get_status(refresh=True) == JobStatus.FINISHED,
                state,
                "the requeued job",
                workers,
            )
        assert Job.fetch(job.id, connection=redis).return_value() == {
            "sent": 0,
            "failed": 0,
            "unknown": 0,  # those it found "sending" are not its own outcome
            "fee": 0,
            "opted_out": 0,
        }
        requested = [number for request in sms_sandbox.requests for number in numbers_of(request)]
        final = state()
    finally:
        workers.stop()
        sms_sandbox.reset()  # wakes the hung request

    # Each number requested once: the killed batch's too, never again.
    campaign = [f"139{i:08d}" for i in range(CAMPAIGN_SIZE)]
    singles = [f"137{i:08d}" for i in range(SINGLES)]
    assert Counter(requested) == Counter(campaign + singles), final
    assert len(requested) == total
    # No row in progress; the killed batch's unknown, saying why; the others sent, billed.
    statuses = dict(rows(f"SELECT status, count(*) FROM {LOGS} GROUP BY status"))
    assert statuses == {"unknown": len(in_flight), "sent": total - len(in_flight)}, final
    phones = ", ".join(f"'+86{number}'" for number in in_flight)
    assert rows(f"SELECT DISTINCT status FROM {LOGS} WHERE phone IN ({phones})") == [("unknown",)]
    for (errmsg,) in rows(f"SELECT DISTINCT errmsg FROM {LOGS} WHERE status = 'unknown'"):
        assert "may have died mid-request" in errmsg and "Not sent again" in errmsg
    assert rows(
        f"SELECT count(*), sum(fee) FROM {LOGS} WHERE status = 'sent' AND sid <> '' AND fee > 0"
    ) == [(total - len(in_flight), total - len(in_flight))]
    assert queue.count == 0 and not queue.started_job_registry.get_job_ids()


def job_sending(queue, rows, numbers):
    """The started RQ job whose batch holds ``numbers``."""
    from rq.job import Job

    phones = ", ".join(f"'+86{number}'" for number in numbers)
    ids = {pk for (pk,) in rows(f"SELECT id FROM {LOGS} WHERE phone IN ({phones})")}
    started = [
        Job.fetch(job_id, connection=queue.connection)
        for job_id in queue.started_job_registry.get_job_ids()
    ]
    return only(
        [job for job in started if isinstance(job.args[0], list) and set(job.args[0]) == ids]
    )


def numbers_of(request):
    """The national numbers a request went to: a batch's (sendmultisms2) or a single one; none
    for the recovery's per-number lookups (pullstatus4mobile), which send nothing."""
    if request.endpoint not in ("sendsms", "sendmultisms2"):
        return []
    tel = request.json["tel"]
    return [entry["mobile"] for entry in tel] if isinstance(tel, list) else [tel["mobile"]]


def only(found):
    assert len(found) == 1, found
    return found[0]
