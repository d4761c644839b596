"""send_bulk on a database server, outside a transaction: each batch written and recorded by
the helper thread that sends it, on its own connection, against the emulator."""

import threading

import pytest
from django.db import DatabaseError, connection
from django.db.backends.signals import connection_created

from django_tencent_sms import send_bulk
from django_tencent_sms.backends import get_backend
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending import bulk, pipeline
from tests.sending import test_bulk_concurrency as together
from tests.sending.bulk_helpers import Counted, Status, cn, rows

pytestmark = pytest.mark.django_db(transaction=True)

# The batches-in-flight cases again, with the rows written by the helper threads.
test_several_batches_are_out_at_once_and_never_more = (
    together.test_several_batches_are_out_at_once_and_never_more
)
test_a_failing_batch_does_not_lose_the_others_outcomes = (
    together.test_a_failing_batch_does_not_lose_the_others_outcomes
)
test_a_timed_out_batch_is_unknown_and_the_others_recorded = (
    together.test_a_timed_out_batch_is_unknown_and_the_others_recorded
)
test_an_account_refusal_stops_the_rest_cleanly = (
    together.test_an_account_refusal_stops_the_rest_cleanly
)


@pytest.fixture(autouse=True)
def _server():
    if connection.vendor == "sqlite":
        pytest.skip("needs a database server (DATABASE_URL=postgres://… or mysql://…)")
    assert not pipeline.writes_here()  # what these tests are about


class Watched:
    """Wraps the real backend: at each request, what the database holds for its numbers."""

    def __init__(self, backend, source=None):
        self.backend = backend
        self.source = source
        self.seen = []

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def send_bulk(self, message):
        phones = [f"+{p.country_code}{p.national_number}" for p in message.phones]
        statuses = set(SmsLog.objects.filter(phone__in=phones).values_list("status", flat=True))
        count = SmsLog.objects.filter(phone__in=phones).count()
        pulled = self.source.pulled if self.source is not None else None
        self.seen.append((threading.current_thread().name, count, statuses, pulled))
        return self.backend.send_bulk(message)


def test_each_batch_is_written_before_its_request_by_the_thread_sending_it(sms_sandbox, notice):
    inserts = []

    def count_inserts(execute, sql, params, many, context):
        if sql.startswith("INSERT"):
            inserts.append(sql)
        return execute(sql, params, many, context)

    backend = Watched(get_backend())
    with connection.execute_wrapper(count_inserts):  # the caller's connection only
        summary = send_bulk([cn(i) for i in range(1000)], notice, ["A1"], backend=backend)
    assert (summary.sent, summary.batches) == (1000, 5)
    assert inserts == []  # the caller's thread wrote no row
    for thread, count, statuses, _pulled in backend.seen:
        assert thread.startswith("tencent-sms-bulk")
        assert (count, statuses) == (200, {Status.PENDING})  # committed, before the request
    assert set(SmsLog.objects.values_list("status", flat=True)) == {Status.SENT}


def test_the_numbers_are_read_as_batches_go_out_not_all_at_once(sms_sandbox, notice, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "BULK_CONCURRENCY": 2}
    source = Counted(cn(i) for i in range(3000))
    backend = Watched(get_backend(), source)
    summary = send_bulk(source, notice, ["A1"], backend=backend)
    assert summary.sent == 3000
    for k, (_thread, _count, _statuses, pulled) in enumerate(backend.seen):
        # The k-th request leaves with at most the two in flight and the one being read ahead.
        assert pulled <= (k + 2 + 1) * 200 + 1


def test_the_helper_threads_connections_are_closed_when_the_send_ends(sms_sandbox, notice):
    opened = []

    def created(sender, connection, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            opened.append(connection)

    connection_created.connect(created)
    try:
        send_bulk([cn(i) for i in range(800)], notice, ["A1"])
    finally:
        connection_created.disconnect(created)
    assert opened  # the helper threads wrote on connections of their own …
    assert all(c.connection is None for c in opened)  # … all closed


def test_a_batch_whose_rows_cannot_be_written_is_not_sent_and_stops_the_rest(
    sms_sandbox, notice, monkeypatch, settings
):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "BULK_CONCURRENCY": 1}
    real = bulk.create_rows
    broken = str(cn(200))

    def create_rows(rows_):
        if any(str(row.phone) == broken for row in rows_):
            raise DatabaseError("disk full")
        return real(rows_)

    monkeypatch.setattr(bulk, "create_rows", create_rows)
    with pytest.raises(DatabaseError) as info:
        send_bulk([cn(i) for i in range(1000)], notice, ["A1"])
    summary = info.value.summary
    assert not [m for m in sms_sandbox.messages if m.mobile.endswith(broken[-11:])]  # not sent
    logs = rows(summary)
    assert sum(log.status == Status.SENT for log in logs) == summary.sent == 200  # the first
    assert not SmsLog.objects.filter(status__in=[Status.PENDING, Status.SENDING]).exists()
