"""send_bulk: batches of 200 through sendmultisms2, one log row per recipient, streaming input.

Over a real socket against the emulator where HTTP is crossed; the locmem/dummy backends for the
rest. No test sleeps. The helper thread's overlap is in test_pipeline, queued batches in
test_batch.
"""

import gc
import json
import socket
import tracemalloc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import django_tencent_sms
from django_tencent_sms import send_bulk
from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.backends.dummy import DummyBackend
from django_tencent_sms.backends.locmem import LocmemBackend
from django_tencent_sms.backends.tencent import TencentBackend
from django_tencent_sms.exceptions import (
    ConnectError,
    ConnectionLost,
    HTTPStatusError,
    InvalidMessage,
    ResponseTimeout,
    TencentAccountError,
    TencentRateLimitError,
)
from django_tencent_sms.message import SendResult
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.pytest_plugin import SANDBOX_APP_KEY
from django_tencent_sms.sandbox import FrequencyLimits
from django_tencent_sms.sending.batch import BATCH_SIZE
from django_tencent_sms.sending.summary import BulkSummary
from django_tencent_sms.signals import sms_failed, sms_sent
from tests.sending.bulk_helpers import INTERNATIONAL, Counted, Status, cn, rows
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db


# --- the emulator: requests, rows, per-recipient results ----------------------------------


def test_a_thousand_numbers_take_five_requests_and_get_a_row_each(sms_sandbox, notice):
    summary = send_bulk((cn(i) for i in range(1000)), "notice", ["A1234"])

    # Batches are in flight together (BULK_CONCURRENCY): they may arrive in any order.
    requests = sorted(sms_sandbox.requests, key=lambda r: r.json["tel"][0]["mobile"])
    assert [r.endpoint for r in requests] == ["sendmultisms2"] * 5
    assert [len(r.json["tel"]) for r in requests] == [200] * 5
    sent_numbers = [t["mobile"] for r in requests for t in r.json["tel"]]
    assert sent_numbers == [cn(i)[3:] for i in range(1000)]  # every number once, in order

    logs = rows(summary)
    assert len(logs) == 1000 == SmsLog.objects.count()
    assert {log.status for log in logs} == {Status.SENT}
    assert {log.batch for log in logs} == {summary.batch}
    sid_of = {m.mobile: m.sid for m in sms_sandbox.messages}
    assert len(sid_of) == 1000
    for log in logs:
        assert log.sid == sid_of[str(log.phone.national_number)]
        assert log.fee == 1 and log.result == 0 and log.errmsg == "OK"
        assert log.params == ["A1234"] and log.tpl_id == 7 and log.template == notice
        assert log.finished_at is not None and log.duration is not None
    assert summary == BulkSummary(batch=summary.batch, total=1000, sent=1000, fee=1000, batches=5)
    assert sms_sandbox.messages[0].text == "【腾讯云】您的订单A1234已发货。"


def test_the_request_lists_and_signs_the_numbers_in_the_same_order(sms_sandbox, notice):
    numbers = [cn(3), cn(1), cn(2)]
    send_bulk(numbers, notice, ["A1"], ext="campaign-9")
    (request,) = sms_sandbox.requests
    body = request.json
    mobiles = [n[3:] for n in numbers]
    assert body["tel"] == [{"nationcode": "86", "mobile": m} for m in mobiles]
    assert body["sig"] == v5_signature(
        SANDBOX_APP_KEY, request.query["random"], body["time"], mobiles=mobiles
    )
    assert body["tpl_id"] == 7 and body["params"] == ["A1"] and body["sign"] == "腾讯云"
    assert body["ext"] == "campaign-9"


def test_numbers_tencent_refuses_are_failed_with_their_code_and_the_others_sent(
    sms_sandbox, notice
):
    sms_sandbox.limits = FrequencyLimits(per_30s=1, per_hour=None, per_day=None)
    # cn(2) has just had this very message: the same content again within 30 s is refused.
    django_tencent_sms.send_sms(cn(2), notice, ["A1"])
    summary = send_bulk([cn(1), cn(2), cn(3)], notice, ["A1"])

    assert len(sms_sandbox.requests) == 2  # the single send, then one bulk request
    by_phone = {str(log.phone): log for log in rows(summary)}
    assert by_phone[cn(2)].status == Status.FAILED and by_phone[cn(2)].result == 1023
    assert by_phone[cn(2)].errmsg and by_phone[cn(2)].sid == "" and by_phone[cn(2)].fee is None
    for phone in (cn(1), cn(3)):
        assert by_phone[phone].status == Status.SENT and by_phone[phone].sid
    assert (summary.sent, summary.failed, summary.fee) == (2, 1, 2)


def test_a_number_listed_twice_is_sent_twice_and_tencents_limits_apply(sms_sandbox, notice):
    # Without limits: two messages, two rows, both billed.
    summary = send_bulk([cn(1), cn(1)], notice, ["A1"])
    assert summary.sent == 2 and len(sms_sandbox.messages) == 2
    sms_sandbox.reset()
    # With Tencent's default "one per 30 s" the repeat is refused, in the same request.
    sms_sandbox.limits = FrequencyLimits(per_30s=1, per_hour=None, per_day=None)
    summary = send_bulk([cn(1), cn(1)], notice, ["A1"])
    assert [(log.status, log.result) for log in rows(summary)] == [
        (Status.SENT, 0),
        (Status.FAILED, 1023),
    ]
    assert len(sms_sandbox.requests) == 1


def test_domestic_and_international_numbers_go_in_separate_requests(sms_sandbox, notice):
    numbers = [cn(1), INTERNATIONAL[0], cn(2), *INTERNATIONAL[1:]]
    summary = send_bulk(numbers, notice, ["A1"])

    # Both batches may be out at once (BULK_CONCURRENCY): either may arrive first.
    domestic, international = sorted(
        sms_sandbox.requests, key=lambda r: r.json["tel"][0]["nationcode"] != "86"
    )
    assert {t["nationcode"] for t in domestic.json["tel"]} == {"86"}
    assert [t["mobile"] for t in domestic.json["tel"]] == [cn(1)[3:], cn(2)[3:]]
    # Numbers of different countries share one request: Tencent only refuses a mix with +86.
    assert [t["nationcode"] for t in international.json["tel"]] == ["44", "1", "81", "852"]
    assert summary.sent == 6 and summary.batches == 2
    assert {(m.nationcode, m.mobile) for m in sms_sandbox.messages} >= {
        ("44", "7400123456"),
        ("852", "51234567"),
    }


def test_a_partial_batch_of_each_kind_is_sent_at_the_end(sms_sandbox, notice):
    numbers = [cn(i) for i in range(250)] + INTERNATIONAL
    send_bulk(numbers, notice, ["A1"])
    # In flight together, the batches may arrive in any order.
    assert sorted(len(r.json["tel"]) for r in sms_sandbox.requests) == [4, 50, 200]


def test_invalid_numbers_get_failed_rows_and_never_reach_tencent(sms_sandbox, notice):
    numbers = [
        "12345",
        cn(1),
        "+861088888888",  # a Beijing landline
        None,
        13711112222,  # not text
        "not a number",
        "137 1111 2222",  # fine: a national number in DEFAULT_REGION
    ]
    summary = send_bulk(numbers, notice, ["A1"])

    (request,) = sms_sandbox.requests
    assert [t["mobile"] for t in request.json["tel"]] == [cn(1)[3:], "13711112222"]
    assert (summary.total, summary.sent, summary.invalid, summary.failed) == (7, 2, 5, 0)
    failed = {log.pk: log for log in summary.logs.filter(status=Status.FAILED)}
    assert len(failed) == 5
    messages = sorted(log.errmsg for log in failed.values())
    assert any("landline" in m for m in messages)
    assert any("is not a valid phone number" in m for m in messages)
    assert any("not a phone number (a int" in m for m in messages)
    assert all(log.result is None and log.finished_at for log in failed.values())
    assert {str(log.phone) for log in failed.values()} >= {"12345", "+861088888888", ""}


def test_bad_content_is_refused_before_a_number_is_read(sms_sandbox, notice):
    numbers = Counted([cn(1)])
    with pytest.raises(InvalidMessage) as info:
        send_bulk(numbers, notice, ["1234567890123"])
    assert info.value.code == "param_too_long"
    with pytest.raises(InvalidMessage):
        send_bulk(numbers, "no-such-template", [])
    assert numbers.pulled == 0 and not SmsLog.objects.exists() and sms_sandbox.requests == []


def test_a_single_number_is_not_taken_for_a_list_of_digits(notice):
    with pytest.raises(TypeError):
        send_bulk(cn(1), notice, ["A1"])
    assert not SmsLog.objects.exists()


def test_a_verification_template_keeps_its_params_out_of_the_log(sms_sandbox):
    SmsTemplate.objects.create(
        name="code", tpl_id=9, text="验证码{1}", type=SmsTemplate.Type.VERIFICATION
    )
    summary = send_bulk([cn(1), cn(2)], "code", ["123456"])
    assert {tuple(log.params) for log in rows(summary)} == {("******",)}
    assert {tuple(m.params) for m in sms_sandbox.messages} == {("123456",)}


# --- streaming ----------------------------------------------------------------------------


class RecordingBackend(TencentBackend):
    """The real backend, noting how far the input had been read at each request."""

    def __init__(self, numbers: Counted, **kwargs):
        super().__init__(**kwargs)
        self.numbers = numbers
        self.pulled_at_request: list[int] = []

    def send_bulk(self, message):
        self.pulled_at_request.append(self.numbers.pulled)
        return super().send_bulk(message)


def test_a_generator_is_read_lazily_one_batch_ahead_at_most(sms_sandbox, notice):
    numbers = Counted(cn(i) for i in range(450))
    backend = RecordingBackend(numbers)
    send_bulk(numbers, notice, ["A1"], backend=backend)
    # While a batch's request is out, the next batch is read (and written), never more.
    first, second, third = backend.pulled_at_request
    assert 200 <= first <= 400 and 400 <= second <= 450 and third == 450
    # The batches in flight reach Tencent in any order (the last, smallest, can overtake).
    assert sorted((len(r.json["tel"]) for r in sms_sandbox.requests), reverse=True) == [
        200,
        200,
        50,
    ]


def traced_peak(count, backend):
    gc.collect()
    tracemalloc.start()
    try:
        summary = send_bulk((cn(i) for i in range(count)), "notice", ["A1"], backend=backend)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.sent == count and summary.batches == count // BATCH_SIZE
    return peak


def test_memory_stays_flat_for_twenty_thousand_numbers(notice):
    backend = DummyBackend()
    send_bulk((cn(i) for i in range(BATCH_SIZE)), notice, ["A1"], backend=backend)  # warm up
    small = traced_peak(2_000, backend)
    large = traced_peak(20_000, backend)
    # About 0.5 MB for either, 20 kB apart. Holding what was read (even just the 20,000 input
    # strings) would add over 1 MB; the rows or their PhoneNumbers well over 10 MB.
    assert large < small + 500_000, f"{small / 1e6:.2f} MB for 2,000, {large / 1e6:.2f} for 20,000"
    assert large < 5_000_000


def test_queries_per_batch_are_constant_not_per_row(notice):
    backend = LocmemBackend()  # a sid per message: the rows' outcomes differ
    counts = []
    for n in (BATCH_SIZE, 2 * BATCH_SIZE, 3 * BATCH_SIZE):
        with CaptureQueriesContext(connection) as queries:
            send_bulk((cn(i) for i in range(n)), notice, ["A1"], backend=backend)
        counts.append(len(queries))
    per_batch = counts[1] - counts[0]
    assert counts[2] - counts[1] == per_batch
    # On PostgreSQL: the opt-out list's SELECT, the INSERT of the rows and the UPDATE of their
    # outcomes, each with the dashboard rollup's upsert in the same statement. SQLite splits
    # the INSERT and the bulk_update (999 parameters per statement) and upserts after the INSERT.
    assert per_batch <= (3 if connection.vendor == "postgresql" else 14)


def test_queries_per_batch_against_the_real_backend(sms_sandbox, notice):
    send_bulk([cn(0)], notice, ["A1"])  # warm up the connection
    sms_sandbox.limits = FrequencyLimits(per_30s=1, per_hour=None, per_day=None)
    with CaptureQueriesContext(connection) as queries:
        # cn(0) is refused by the limit: the rows' outcomes differ, and still no query per row.
        send_bulk((cn(i) for i in range(BATCH_SIZE)), notice, ["A1"])
    # The dashboard rollup's statements (its upserts, the locked read around the UPDATE of the
    # rows' status: tests/rollup) are not counted here.
    # On PostgreSQL the INSERT carries its upsert: WITH w AS (INSERT …), s AS (<upsert>) ….
    queries = [q["sql"].removeprefix("WITH w AS (") for q in queries]
    queries = [q for q in queries if "tencent_sms_smsdailystat" not in q.partition("), s AS (")[0]]
    inserts = [q for q in queries if q.startswith("INSERT")]
    updates = [q for q in queries if q.startswith("UPDATE")]
    assert len(queries) <= 14 and updates and inserts
    if connection.vendor == "postgresql":
        # One INSERT of the rows and one UPDATE of their outcomes, shared values and sids alike
        # (each carrying the rollup's change: WITH w AS (UPDATE …), s AS (<upsert>) …).
        assert (len(inserts), len(updates)) == (1, 1)


# --- failures: unknown, never resent, and the send stops ---------------------------------


def test_a_dropped_connection_mid_stream_leaves_that_batch_unknown_and_stops(
    sms_sandbox, notice, settings
):
    # One batch in flight, so what is read and sent around the drop is fixed (with several, a
    # later batch may go out before the drop is seen: tests/sending/test_bulk_concurrency.py).
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "BULK_CONCURRENCY": 1}

    def numbers():
        yield from INTERNATIONAL[:2]  # waiting in the international batch when it stops
        for i in range(1000):
            if i == BATCH_SIZE:  # once the first request is in, the second one will fail
                assert wait_until(lambda: len(sms_sandbox.requests) == 1)
                sms_sandbox.fail_next("drop")
            yield cn(i)

    source = Counted(numbers())
    with pytest.raises(ConnectionLost) as info:
        send_bulk(source, notice, ["A1"])

    summary = info.value.summary
    assert summary.stopped_by is info.value
    # The third batch was read and written while the second was out; nothing after it.
    assert source.pulled == 2 + 600
    assert len(sms_sandbox.requests) == 2  # never resent, and nothing sent after it
    assert (summary.total, summary.sent, summary.unknown, summary.failed) == (602, 200, 200, 202)
    by_status = {}
    for log in rows(summary):
        by_status.setdefault(log.status, []).append(log)
    assert len(by_status[Status.SENT]) == 200
    unknown = by_status[Status.UNKNOWN]
    assert {str(log.phone) for log in unknown} == {cn(i) for i in range(200, 400)}
    assert all("may still be delivered" in log.errmsg for log in unknown)
    not_sent = by_status[Status.FAILED]
    assert {str(log.phone) for log in not_sent} == set(INTERNATIONAL[:2]) | {
        cn(i) for i in range(400, 600)
    }
    assert all(log.errmsg.startswith("Not sent: the bulk send stopped") for log in not_sent)
    assert SmsLog.objects.count() == 602  # every number read has exactly one row


def test_a_timeout_is_unknown_and_the_batch_goes_out_exactly_once(sms_sandbox, notice, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": (1.0, 0.2)}
    sms_sandbox.fail_next("slow", delay=0.5)
    with pytest.raises(ResponseTimeout) as info:
        send_bulk([cn(1), cn(2)], notice, ["A1"])
    assert {log.status for log in rows(info.value.summary)} == {Status.UNKNOWN}
    # Tencent goes on to send them: one request, two messages, no retry.
    assert wait_until(lambda: len(sms_sandbox.messages) == 2)
    assert len(sms_sandbox.requests) == 1


@pytest.mark.parametrize(("status", "outcome"), [(502, Status.UNKNOWN), (403, Status.FAILED)])
def test_http_errors_follow_the_single_send_rules(sms_sandbox, notice, status, outcome):
    sms_sandbox.fail_next("http_error", status=status)
    with pytest.raises(HTTPStatusError):
        send_bulk([cn(1), cn(2)], notice, ["A1"])
    assert set(SmsLog.objects.values_list("status", flat=True)) == {outcome}
    assert len(sms_sandbox.requests) == 1


def test_no_connection_at_all_is_failed_after_the_connect_retries(db, notice, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
        "SDK_APP_ID": "1400000000",
        "APP_KEY": "k",
        "API_URL": f"http://127.0.0.1:{port}/v5/tlssmssvr",
        "CONNECT_RETRIES": 1,
        "BULK_CONCURRENCY": 1,
    }
    source = Counted(cn(i) for i in range(500))
    with pytest.raises(ConnectError) as info:
        send_bulk(source, notice, ["A1"])
    assert source.pulled == 400  # the batch in flight, and the next one, read meanwhile
    assert info.value.summary.failed == 400
    assert set(SmsLog.objects.values_list("status", flat=True)) == {Status.FAILED}


def test_a_refusal_of_the_whole_request_fails_the_batch_with_its_code(sms_sandbox, notice):
    sms_sandbox.fail_next("result", result=1007)  # passing: the send goes on
    summary = send_bulk((cn(i) for i in range(400)), notice, ["A1"])
    # Both batches are in flight at once: either may reach Tencent first and be the one refused
    # (and their rows are written at once too: told apart by their numbers, not their ids).
    outcome = {log.phone.as_e164: (log.status, log.result) for log in rows(summary)}
    halves = [{outcome[cn(i)] for i in part} for part in (range(200), range(200, 400))]
    assert sorted(halves, key=str) == sorted([{(Status.FAILED, 1007)}, {(Status.SENT, 0)}], key=str)
    assert (summary.failed, summary.sent, summary.batches) == (200, 200, 2)


def test_an_account_refusal_stops_the_send(sms_sandbox, notice, settings):
    # One batch at a time: the refusal stops the send before a second request
    # (test_bulk_concurrency covers several in flight).
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "BULK_CONCURRENCY": 1}
    sms_sandbox.fail_next("result", result=1031)  # no balance: every batch would meet it
    source = Counted(cn(i) for i in range(1000))
    with pytest.raises(TencentAccountError) as info:
        send_bulk(source, notice, ["A1"])
    assert source.pulled == 400 and len(sms_sandbox.requests) == 1
    assert info.value.summary.failed == 400
    refused, not_sent = rows(info.value.summary)[:200], rows(info.value.summary)[200:]
    assert {(log.status, log.result) for log in refused} == {(Status.FAILED, 1031)}
    assert {(log.status, log.result) for log in not_sent} == {(Status.FAILED, None)}
    assert all(log.errmsg.startswith("Not sent: the bulk send stopped") for log in not_sent)


def test_a_wrong_app_key_stops_at_the_first_batch(sms_sandbox, notice, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "APP_KEY": "wrong", "BULK_CONCURRENCY": 1}
    with pytest.raises(TencentAccountError) as info:
        send_bulk((cn(i) for i in range(1000)), notice, ["A1"])
    assert info.value.result == 1001 and len(sms_sandbox.requests) == 1


# --- other backends -----------------------------------------------------------------------


def test_locmem_gets_one_outbox_entry_per_recipient(notice, sms_outbox):
    summary = send_bulk([cn(1), cn(2), INTERNATIONAL[0]], notice, ["A1"])
    assert [m.e164 for m in sms_outbox] == [cn(1), cn(2), INTERNATIONAL[0]]
    assert all(m.text == "您的订单A1已发货。" for m in sms_outbox)
    logs = rows(summary)
    assert all(log.sid.startswith("locmem:") for log in logs)
    assert {log.backend for log in logs} == {"django_tencent_sms.backends.locmem.LocmemBackend"}


class FlakyBackend(BaseBackend):
    """Sends one message at a time; the n-th raises ``error``."""

    def __init__(self, fail_at, error, **kwargs):
        super().__init__(**kwargs)
        self.fail_at, self.error, self.calls = fail_at, error, 0

    def send(self, message):
        self.calls += 1
        if self.calls == self.fail_at:
            raise self.error
        return SendResult(sid=f"s{self.calls}", fee=1)


def test_one_at_a_time_backends_stop_a_batch_at_a_transport_failure(notice):
    backend = FlakyBackend(3, ConnectionLost("gone"))
    with pytest.raises(ConnectionLost):
        send_bulk([cn(i) for i in range(5)], notice, ["A1"], backend=backend)
    assert backend.calls == 3
    assert [(str(log.phone), log.status) for log in SmsLog.objects.order_by("pk")] == [
        (cn(0), Status.SENT),
        (cn(1), Status.SENT),
        (cn(2), Status.UNKNOWN),
        (cn(3), Status.FAILED),  # never attempted
        (cn(4), Status.FAILED),
    ]


def test_one_at_a_time_backends_record_refusals_per_recipient(notice):
    backend = FlakyBackend(2, TencentRateLimitError(1025, "daily limit"))
    summary = send_bulk([cn(i) for i in range(3)], notice, ["A1"], backend=backend)
    assert [(log.status, log.result) for log in rows(summary)] == [
        (Status.SENT, 0),
        (Status.FAILED, 1025),
        (Status.SENT, 0),
    ]


def test_signals_fire_per_row_with_the_row(sms_sandbox, notice):
    sms_sandbox.limits = FrequencyLimits(per_30s=1, per_hour=None, per_day=None)
    sent, failed = [], []

    def on_sent(sender, log, result, **kwargs):
        sent.append((log.pk, result.sid))

    def on_failed(sender, log, exception, **kwargs):
        failed.append((log.pk, exception))

    sms_sent.connect(on_sent)
    sms_failed.connect(on_failed)
    try:
        summary = send_bulk([cn(1), cn(1), "123"], notice, ["A1"])
    finally:
        sms_sent.disconnect(on_sent)
        sms_failed.disconnect(on_failed)
    logs = {log.pk: log for log in rows(summary)}
    assert [(pk, sid) for pk, sid in sent] == [(pk, log.sid) for pk, log in logs.items() if log.sid]
    refused = [exc for _pk, exc in failed if isinstance(exc, TencentRateLimitError)]
    assert len(failed) == 2 and refused and refused[0].log.pk in logs
    assert refused[0].result == 1023 and refused[0].user_facing


def test_the_request_body_is_json_with_the_numbers_as_strings(sms_sandbox, notice):
    send_bulk([INTERNATIONAL[0]], notice, ["A1"])
    body = json.loads(sms_sandbox.requests[0].body)
    assert body["tel"] == [{"nationcode": "44", "mobile": "7400123456"}]
    assert isinstance(body["time"], int) and isinstance(body["tpl_id"], int)


# --- in the background: a batch per task -----------------------------------------------------


def test_background_bulk_sends_a_batch_per_task(
    sms_sandbox, notice, django_capture_on_commit_callbacks
):
    # Django's default TASKS (the immediate backend) runs each batch's task when it is enqueued,
    # which is when the rows' transaction commits.
    numbers = [cn(i) for i in range(250)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        summary = send_bulk(numbers, notice, ["A1"], background=True)
    assert summary.queued == 250 and len(callbacks) == 2
    assert [len(r.json["tel"]) for r in sms_sandbox.requests] == [200, 50]
    statuses = set(SmsLog.objects.filter(batch=summary.batch).values_list("status", flat=True))
    assert statuses == {SmsLog.Status.SENT}


def test_background_bulk_refuses_a_backend_argument(notice):
    with pytest.raises(TypeError):
        send_bulk([cn(1)], notice, ["A1"], background=True, backend=object())
