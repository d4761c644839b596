"""``asend_sms`` and ``asend_bulk`` from async code, against the emulator over a real socket:
the same rows, outcomes and exceptions as ``send_sms``; cancellation; connections closed."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import SynchronousOnlyOperation
from django.db import connection, connections

from django_tencent_sms import asend_bulk, asend_sms, send_sms
from django_tencent_sms.exceptions import InvalidMessage, TencentSmsError, TransportError
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.sending import aio
from django_tencent_sms.sending.content import REDACTED
from tests.aio import eventually, run_async, until_requested

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+8613711112222"


@pytest.fixture
def notice(sandbox):
    return SmsTemplate.objects.create(name="notice", tpl_id=2001, text="订单{1}已发货，单号{2}。")


def rows():
    return list(SmsLog.objects.order_by("pk"))


@run_async
async def test_asend_sms_sends_where_send_sms_cannot(sandbox, notice):
    with pytest.raises(SynchronousOnlyOperation):
        send_sms(PHONE, "notice", ["A1", "SF1"])  # before any request: nothing sent
    assert sandbox.messages == []
    log = await asend_sms(PHONE, "notice", ["A1", "SF1"], ext="order-1")
    (message,) = sandbox.messages
    assert log.status == SmsLog.Status.SENT and log.sid == message.sid and log.fee == 1
    assert message.params == ["A1", "SF1"] and message.ext == "order-1"
    (row,) = await aio.in_thread(rows)
    assert (row.pk, row.status, row.sid, row.params) == (log.pk, "sent", message.sid, ["A1", "SF1"])


@run_async
async def test_secret_params_reach_the_phone_but_not_the_log(sandbox, notice):
    log = await asend_sms(PHONE, notice, ["Xk29", "SF1"], secret_params=[0])
    assert sandbox.messages[0].params == ["Xk29", "SF1"]
    assert log.params == [REDACTED, "SF1"]
    assert (await aio.in_thread(SmsLog.objects.get)).params == [REDACTED, "SF1"]


@run_async
async def test_invalid_input_is_refused_before_any_row_or_request(sandbox, notice):
    with pytest.raises(InvalidMessage) as info:
        await asend_sms("12345", "notice", ["A1", "SF1"])
    assert info.value.code == "invalid_phone"
    with pytest.raises(InvalidMessage):
        await asend_sms(PHONE, "no-such-template", [])
    assert await aio.in_thread(rows) == [] and sandbox.requests == []


@run_async
async def test_a_refusal_is_recorded_and_raised_with_its_log(sandbox, notice):
    sandbox.fail_next("result", result=1016)
    with pytest.raises(TencentSmsError) as info:
        await asend_sms(PHONE, "notice", ["A1", "SF1"])
    assert info.value.result == 1016
    (row,) = await aio.in_thread(rows)
    assert info.value.log.pk == row.pk and row.status == "failed" and row.result == 1016


@run_async
async def test_a_lost_answer_is_unknown_and_not_sent_again(sandbox, notice):
    sandbox.fail_next("drop")
    with pytest.raises(TransportError) as info:
        await asend_sms(PHONE, "notice", ["A1", "SF1"])
    (row,) = await aio.in_thread(rows)
    assert info.value.log.pk == row.pk and row.status == SmsLog.Status.UNKNOWN
    assert len(sandbox.requests) == 1  # it may have reached Tencent: never retried


@run_async
async def test_a_cancelled_send_completes_in_its_thread_and_records_its_outcome(sandbox, notice):
    sandbox.fail_next("slow", delay=8.0)  # held until released (within the 10 s timeout)
    task = asyncio.create_task(asend_sms(PHONE, "notice", ["A1", "SF1"]))
    assert await until_requested(sandbox)  # the request is out
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The caller is free at once; the row was written before the request and is still pending.
    (row,) = await aio.in_thread(rows)
    assert row.status == SmsLog.Status.PENDING
    sandbox.release_slow()
    row = await eventually(lambda: SmsLog.objects.exclude(status="pending").first())
    (message,) = sandbox.messages
    assert row.status == SmsLog.Status.SENT and row.sid == message.sid
    assert len(sandbox.requests) == 1


@run_async
async def test_a_send_cancelled_while_waiting_for_a_thread_never_starts(
    sandbox, notice, monkeypatch
):
    pool = ThreadPoolExecutor(max_workers=1)
    monkeypatch.setattr(aio, "_executor", pool)
    sandbox.fail_next("slow", delay=1.0)
    first = asyncio.create_task(asend_sms(PHONE, "notice", ["A1", "SF1"]))
    assert await until_requested(sandbox)  # the only thread is taken
    second = asyncio.create_task(asend_sms("+8613711113333", "notice", ["A2", "SF2"]))
    await asyncio.sleep(0)  # the second call is queued behind the first
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    assert (await first).status == SmsLog.Status.SENT
    pool.shutdown(wait=True)
    monkeypatch.setattr(aio, "_executor", None)
    assert [row.phone for row in await aio.in_thread(rows)] == [PHONE]
    assert len(sandbox.messages) == 1


@run_async
async def test_concurrent_sends_each_get_their_row(sandbox, notice, monkeypatch):
    if connection.vendor == "sqlite":
        # The in-memory test database (shared cache) refuses concurrent writers outright: one
        # thread, so the 20 calls queue for it. On a database server they run at once.
        monkeypatch.setattr(aio, "_executor", ThreadPoolExecutor(max_workers=1))
    phones = [f"+86137111100{i:02d}" for i in range(20)]
    logs = await asyncio.gather(*(asend_sms(p, "notice", ["A1", "SF1"]) for p in phones))
    assert {log.status for log in logs} == {"sent"}
    assert sorted(str(log.phone) for log in await aio.in_thread(rows)) == phones
    assert sorted(m.sid for m in sandbox.messages) == sorted(log.sid for log in logs)


@run_async
async def test_asend_bulk_reads_the_numbers_in_its_thread(sandbox, notice):
    def phones():  # a generator querying the database: it must not run on the event loop
        assert SmsTemplate.objects.count() == 1
        yield from ["+8613711110001", "not a number", "+8613711110002"]

    summary = await asend_bulk(phones(), "notice", ["A1", "SF1"])
    assert (summary.total, summary.sent, summary.invalid) == (3, 2, 1)
    statuses = sorted(row.status for row in await aio.in_thread(rows))
    assert statuses == ["failed", "sent", "sent"]
    assert sorted(m.mobile for m in sandbox.messages) == ["13711110001", "13711110002"]


@run_async
async def test_each_call_closes_its_threads_connection(sandbox, notice):
    if connection.vendor == "sqlite":
        pytest.skip("Django never closes an in-memory SQLite database's connection")
    used = []

    def query():
        used.append(connections["default"])  # this thread's own connection
        return SmsTemplate.objects.count()

    assert await aio.in_thread(query) == 1
    assert used[0] is not connections["default"] and used[0].connection is None  # CONN_MAX_AGE 0


@pytest.mark.parametrize(
    ("twin", "original"),
    [("asend_sms", "send_sms"), ("asend_bulk", "send_bulk")]
    + [(f"otp.a{name}", f"otp.{name}") for name in ("send_code", "check_code", "verify_code")],
)
def test_each_async_twin_takes_its_sync_twins_arguments(twin, original):
    import inspect

    import django_tencent_sms
    from django_tencent_sms import otp

    def resolve(name):
        module, _, attribute = name.rpartition(".")
        return getattr(otp if module else django_tencent_sms, attribute)

    assert inspect.iscoroutinefunction(resolve(twin))
    ours, theirs = inspect.signature(resolve(twin)), inspect.signature(resolve(original))
    assert list(ours.parameters.values()) == list(theirs.parameters.values())
