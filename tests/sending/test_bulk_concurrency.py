"""send_bulk with several batches in flight (BULK_CONCURRENCY), against the emulator.

Batches are held at the client until all of them are out, so which batches overlap does not
depend on timing; the emulator's faults then hit one of them. No test sleeps or times anything.
"""

import threading

import pytest

from django_tencent_sms import send_bulk
from django_tencent_sms.backends import get_backend
from django_tencent_sms.exceptions import HTTPStatusError, ResponseTimeout, TencentAccountError
from django_tencent_sms.models import SmsLog
from tests.sending.bulk_helpers import Counted, Status, cn, rows

pytestmark = pytest.mark.django_db


class Together:
    """Wraps the real backend: the first ``count`` batches' requests leave together."""

    def __init__(self, backend, count):
        self.backend = backend
        self.barrier = threading.Barrier(count, timeout=20)
        self.lock = threading.Lock()
        self.out = self.most = 0

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def send_bulk(self, message):
        with self.lock:
            self.out += 1
            self.most = max(self.most, self.out)
        try:
            if int(message.phones[0].national_number) % 10**8 < self.barrier.parties * 200:
                self.barrier.wait()
            return self.backend.send_bulk(message)
        finally:
            with self.lock:
                self.out -= 1


def _requested(sandbox):
    return [m.mobile for m in sandbox.messages]


def test_several_batches_are_out_at_once_and_never_more(sms_sandbox, notice, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "BULK_CONCURRENCY": 3}
    backend = Together(get_backend(), 3)
    source = Counted(cn(i) for i in range(2000))
    summary = send_bulk(source, notice, ["A1"], backend=backend)
    assert backend.most == 3  # three at once (the barrier proves it), never four
    assert (summary.sent, summary.batches) == (2000, 10)
    assert len(_requested(sms_sandbox)) == len(set(_requested(sms_sandbox))) == 2000
    assert not SmsLog.objects.exclude(status=Status.SENT).exists()


def test_a_failing_batch_does_not_lose_the_others_outcomes(sms_sandbox, notice, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "BULK_CONCURRENCY": 4}
    sms_sandbox.fail_next("http_error", status=502)  # one of the four, whichever comes first
    with pytest.raises(HTTPStatusError) as info:
        send_bulk([cn(i) for i in range(800)], notice, ["A1"], backend=Together(get_backend(), 4))
    logs = rows(info.value.summary)
    statuses = [log.status for log in logs]
    assert statuses.count(Status.UNKNOWN) == 200 and statuses.count(Status.SENT) == 600
    assert len(sms_sandbox.requests) == 4  # each batch requested once, none again


def test_a_timed_out_batch_is_unknown_and_the_others_recorded(sms_sandbox, notice, settings):
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "BULK_CONCURRENCY": 4,
        # Room for the answers that come on a loaded machine; the slow one outlasts it.
        "TIMEOUT": (1.0, 1.5),
    }
    sms_sandbox.fail_next("slow", delay=4.0)
    with pytest.raises(ResponseTimeout) as info:
        send_bulk([cn(i) for i in range(800)], notice, ["A1"], backend=Together(get_backend(), 4))
    statuses = [log.status for log in rows(info.value.summary)]
    assert statuses.count(Status.UNKNOWN) == 200 and statuses.count(Status.SENT) == 600
    assert len(sms_sandbox.requests) == 4


def test_an_account_refusal_stops_the_rest_cleanly(sms_sandbox, notice, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "BULK_CONCURRENCY": 2}
    sms_sandbox.fail_next("result", result=1031)  # no balance: every later batch would meet it
    source = Counted(cn(i) for i in range(2000))
    with pytest.raises(TencentAccountError) as info:
        send_bulk(source, notice, ["A1"], backend=Together(get_backend(), 2))
    logs = rows(info.value.summary)
    assert len(logs) == source.pulled  # every number read has one row, none pending
    assert len(sms_sandbox.requests) == 2  # no request after the refusal was recorded
    refused = [log for log in logs if log.result == 1031]
    sent = [log for log in logs if log.status == Status.SENT]
    untried = [log for log in logs if log.result is None and log.status != Status.SENT]
    assert (len(refused), len(sent)) == (200, 200)
    assert {log.status for log in untried} == {Status.FAILED}
    assert all(log.errmsg.startswith("Not sent: the bulk send stopped") for log in untried)
