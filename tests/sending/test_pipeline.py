"""send_bulk's pipeline: a batch's request out from a helper thread while the next is written.

What must not change with the overlap: every batch's rows are written before its request
leaves, its answer is recorded before the next request leaves, and no batch is left pending by
a failed hand-over or an interruption. No test sleeps.
"""

import contextvars
import threading
from queue import SimpleQueue

import pytest
from django.db import DatabaseError
from django.utils import timezone

from django_tencent_sms import send_bulk
from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.backends.dummy import DummyBackend
from django_tencent_sms.message import SendResult
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending import batch, bulk, pipeline
from django_tencent_sms.sending.outcome import DELIVERED_FIELDS
from tests.sending.bulk_helpers import Status, cn, rows
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db


def test_rows_of_a_batch_exist_before_its_request_leaves(notice, monkeypatch):
    # Requests leave from a helper thread, so the order is taken from both threads' events.
    events = []
    real_create = bulk.create_rows

    def create(rows):
        real_create(rows)
        events.append(("written", str(rows[0].phone), len(rows), rows[0].pk is not None))

    class Checking(BaseBackend):
        def send_bulk(self, message):
            events.append(("sent", message.phones[0], len(message.phones)))
            return super().send_bulk(message)

        def send(self, message):
            return SendResult(sid="x", fee=1)

    monkeypatch.setattr(bulk, "create_rows", create)
    send_bulk((cn(i) for i in range(500)), notice, ["A1"], backend=Checking())
    for first, size in ((cn(0), 200), (cn(200), 200), (cn(400), 100)):
        written = events.index(("written", first, size, True))
        sent = next(i for i, e in enumerate(events) if e[0] == "sent" and str(e[1]) == first)
        assert written < sent
    assert SmsLog.objects.filter(status=Status.SENT).count() == 500


def test_the_next_batch_is_written_while_a_request_is_out(notice, monkeypatch):
    # The first request does not come back until the second batch's rows are written: only
    # a send that overlaps them gets past it (a sequential one would wait out the timeout).
    second_written = threading.Event()
    real_create = bulk.create_rows

    def create(rows):
        real_create(rows)
        if str(rows[0].phone) == cn(200):
            second_written.set()

    class Slow(BaseBackend):
        waited = []

        def send_bulk(self, message):
            if message.phones[0] == cn(0):
                self.waited.append(second_written.wait(timeout=5))
            return super().send_bulk(message)

        def send(self, message):
            return SendResult(sid="x", fee=1)

    monkeypatch.setattr(bulk, "create_rows", create)
    summary = send_bulk((cn(i) for i in range(400)), notice, ["A1"], backend=Slow())
    assert Slow.waited == [True]
    assert (summary.sent, summary.batches) == (400, 2)


class Started(DummyBackend):
    """Says when its first request is out."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.started = threading.Event()

    def send(self, message):
        self.started.set()
        return super().send(message)


def test_a_database_error_while_a_request_is_out_still_records_that_batch(notice, monkeypatch):
    real_create = bulk.create_rows
    calls = []
    backend = Started()

    def create(rows):
        calls.append(len(rows))
        if len(calls) == 2:
            # The first batch's request is out (a batch not yet started when the send stops is
            # never sent: tests/sending/test_bulk_workers.py).
            assert backend.started.wait(20)
            raise DatabaseError("disk full")
        real_create(rows)

    monkeypatch.setattr(bulk, "create_rows", create)
    with pytest.raises(DatabaseError, match="disk full") as info:
        send_bulk((cn(i) for i in range(300)), notice, ["A1"], backend=backend)
    # The batch that was out when the error came is recorded; the error is what is raised.
    assert info.value.summary.sent == 200
    assert SmsLog.objects.filter(status=Status.SENT).count() == 200


class Instant(BaseBackend):
    """Answers every batch at once, from whatever thread calls it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.batches = []

    def send_bulk(self, message):
        self.batches.append(message.phones)
        return super().send_bulk(message)

    def send(self, message):
        return SendResult(sid="x", fee=1)


def test_a_batch_that_cannot_be_handed_to_a_thread_is_failed_not_sent(notice, monkeypatch):
    class NoThreads(threading.Thread):
        def start(self):
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(pipeline, "Thread", NoThreads)
    backend = Instant()
    with pytest.raises(RuntimeError, match="new thread") as info:
        send_bulk([cn(i) for i in range(3)], notice, ["A1"], backend=backend)
    assert backend.batches == [] and info.value.summary.failed == 3
    assert {log.status for log in rows(info.value.summary)} == {Status.FAILED}
    assert all(log.errmsg.startswith("Not sent") for log in rows(info.value.summary))


def test_an_interruption_once_a_request_is_out_still_records_it(notice, monkeypatch):
    class Interrupted(SimpleQueue):
        def put(self, item, *args, **kwargs):
            super().put(item, *args, **kwargs)
            if item is not None:
                item[1].future.result()  # the request is out (and answered) …
                raise KeyboardInterrupt  # … when Ctrl-C lands

    monkeypatch.setattr(pipeline, "SimpleQueue", Interrupted)
    backend = Instant()
    with pytest.raises(KeyboardInterrupt):
        send_bulk([cn(i) for i in range(3)], notice, ["A1"], backend=backend)
    assert len(backend.batches) == 1
    assert set(SmsLog.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_batch_that_cannot_be_recorded_while_failing_is_logged(notice, monkeypatch, caplog):
    real_save = batch.save_rows

    def save(rows_, fields):
        if fields == DELIVERED_FIELDS:
            raise DatabaseError("database gone")
        return real_save(rows_, fields)

    backend = Instant()

    def numbers():
        yield from (cn(i) for i in range(210))
        # Once the first batch's request is out (a batch not yet started would not be sent).
        assert wait_until(lambda: backend.batches)
        raise ValueError("the source broke")

    monkeypatch.setattr(batch, "save_rows", save)
    with pytest.raises(ValueError, match="the source broke"):  # the first failure wins
        send_bulk(numbers(), notice, ["A1"], backend=backend)
    assert "the outcome of the batch in flight" in caplog.text
    assert "could not be recorded (DatabaseError)" in caplog.text
    assert "database gone" not in caplog.text  # the database's words can quote the rows


def test_a_batch_is_finished_when_its_answer_came_not_when_it_was_recorded(notice):
    answered = threading.Event()
    resumed = []

    class Signalling(Instant):
        def send_bulk(self, message):
            try:
                return super().send_bulk(message)
            finally:
                answered.set()

    def numbers():
        for i in range(400):
            if i == 300:  # the first batch's answer is in; its recording comes later
                assert answered.wait(timeout=5)
                resumed.append(timezone.now())
            yield cn(i)

    summary = send_bulk(numbers(), notice, ["A1"], backend=Signalling())
    first = rows(summary)[0]
    assert first.finished_at <= resumed[0]


def test_the_backend_sees_the_callers_context_variables(notice):
    request_id = contextvars.ContextVar("request_id")
    seen = []

    class Reading(Instant):
        def send_bulk(self, message):
            seen.append(request_id.get(None))
            return super().send_bulk(message)

    request_id.set("req-42")
    send_bulk([cn(i) for i in range(250)], notice, ["A1"], backend=Reading())
    assert seen == ["req-42", "req-42"]


def test_database_connections_the_helper_thread_opened_are_closed(notice, monkeypatch):
    # A helper thread writes rows (or a backend uses the database there): its connections
    # belong to that thread and are closed when the send ends, by each thread.
    closed = []
    real = pipeline.connections

    class Connections:
        def __getitem__(self, alias):
            return real[alias]

        def close_all(self):
            closed.append(threading.current_thread().name)

    monkeypatch.setattr(pipeline, "connections", Connections())
    send_bulk([cn(i) for i in range(250)], notice, ["A1"], backend=Instant())
    assert wait_until(lambda: len(closed) == 2)
    assert all(name.startswith("tencent-sms-bulk") for name in closed)
