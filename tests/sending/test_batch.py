"""queue_bulk + send_batch: batches written ``queued``, each sent later from its log ids.

``send_batch`` is the body of the task ``tasks.send_queued_batch``: it claims the rows once,
marks rows another delivery left ``sending`` as ``unknown``, and validates the batch again.
"""

import pytest

from django_tencent_sms.exceptions import ConnectionLost, InvalidMessage
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.sending.batch import send_batch
from django_tencent_sms.sending.bulk import queue_bulk
from tests.sending.bulk_helpers import INTERNATIONAL, Status, cn

pytestmark = pytest.mark.django_db


def test_queued_batches_are_sent_from_their_ids(sms_sandbox, notice):
    batches = []
    queued = queue_bulk(
        [*(cn(i) for i in range(250)), INTERNATIONAL[0], "bad"], notice, ["A1"],
        on_batch=batches.append,
    )  # fmt: skip
    assert [len(ids) for ids in batches] == [200, 50, 1]
    assert (queued.queued, queued.invalid, queued.total) == (251, 1, 252)
    assert sms_sandbox.requests == []
    assert SmsLog.objects.filter(status=Status.QUEUED).count() == 251

    results = [send_batch(ids) for ids in batches]
    assert [r.sent for r in results] == [200, 50, 1]
    assert {r.batch for r in results} == {queued.batch}
    assert [len(r.json["tel"]) for r in sms_sandbox.requests] == [200, 50, 1]
    assert SmsLog.objects.filter(status=Status.SENT).count() == 251
    sent = SmsLog.objects.filter(status=Status.SENT).first()
    assert sent.backend == "django_tencent_sms.backends.tencent.TencentBackend" and sent.sid

    # At-least-once delivery: a second call for the same batch sends nothing.
    again = send_batch(batches[0])
    assert again.total == 0 and len(sms_sandbox.requests) == 3


def test_a_batch_left_sending_by_a_dead_worker_becomes_unknown_not_resent(sms_sandbox, notice):
    batches = []
    queue_bulk([cn(1), cn(2)], notice, ["A1"], on_batch=batches.append)
    SmsLog.objects.filter(pk__in=batches[0]).update(status=Status.SENDING)  # worker died
    summary = send_batch(batches[0])
    assert summary.total == 0 and sms_sandbox.requests == []
    assert set(SmsLog.objects.values_list("status", flat=True)) == {Status.UNKNOWN}


def test_send_batch_validates_again_and_refuses_mixed_batches(sms_sandbox, notice):
    batches = []
    queue_bulk([cn(1), cn(2)], notice, ["A1"], on_batch=batches.append)
    queue_bulk([cn(3)], notice, ["B2"], on_batch=batches.append)
    with pytest.raises(ValueError, match="share"):
        send_batch(batches[0] + batches[1])
    with pytest.raises(ValueError, match="at most 200"):
        send_batch(range(1, 202))
    assert SmsLog.objects.filter(status=Status.QUEUED).count() == 3  # nothing taken

    notice.is_active = False
    notice.save()
    summary = send_batch(batches[0])
    assert summary.failed == 2 and sms_sandbox.requests == []
    assert set(SmsLog.objects.filter(pk__in=batches[0]).values_list("status", flat=True)) == {
        Status.FAILED
    }


def test_send_batch_records_a_transport_failure_without_raising(sms_sandbox, notice):
    batches = []
    queue_bulk([cn(1), cn(2)], notice, ["A1"], on_batch=batches.append)
    sms_sandbox.fail_next("drop")
    summary = send_batch(batches[0])
    assert isinstance(summary.stopped_by, ConnectionLost) and summary.unknown == 2


def test_queue_bulk_refuses_a_verification_template(notice):
    SmsTemplate.objects.create(
        name="code", tpl_id=9, text="验证码{1}", type=SmsTemplate.Type.VERIFICATION
    )
    with pytest.raises(InvalidMessage) as info:
        queue_bulk([cn(1)], "code", ["123456"], on_batch=print)
    assert info.value.code == "secret_params" and not SmsLog.objects.exists()


def test_a_batch_task_delivered_twice_sends_once(sms_sandbox, notice):
    batches = []
    queue_bulk([cn(i) for i in range(3)], notice, ["A1"], on_batch=batches.append)
    (ids,) = batches
    send_batch(ids)
    again = send_batch(ids)
    assert len(sms_sandbox.requests) == 1 and again.total == 0
    assert set(SmsLog.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"sent"}
