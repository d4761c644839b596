"""What the opt-out list stops: marketing messages and bulk sends, at once and in the background;
and what it never stops: verification codes and single notifications. Over the emulator, on
both API generations."""

from __future__ import annotations

import importlib

import pytest

from django_tencent_sms import send_bulk, send_sms
from django_tencent_sms.account.optouts import opt_in, opt_out
from django_tencent_sms.exceptions import ConfigurationError, OptedOut
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.otp import send_code
from django_tencent_sms.sending.background import send_queued
from django_tencent_sms.sending.batch import send_batch
from django_tencent_sms.sending.bulk import queue_bulk
from tests.conftest import skip_service
from tests.sending.bulk_helpers import cn

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"
OTHER = "+8613711113333"


@pytest.fixture
def promo(sandbox):
    return SmsTemplate.objects.create(name="promo", tpl_id=9, text="大促{1}折", type="marketing")


@pytest.fixture
def notice(sandbox):
    return SmsTemplate.objects.create(name="notice", tpl_id=7, text="订单{1}已发货")


def numbers_sent(sandbox) -> list[str]:
    return [f"+{m.nationcode}{m.mobile}" for m in sandbox.messages]


# Single sends -------------------------------------------------------------------------------


def test_a_marketing_message_to_an_opted_out_number_is_not_sent(sandbox, promo):
    opt_out(PHONE)
    with pytest.raises(OptedOut) as caught:
        send_sms("137 1111 2222", "promo", ["5"])
    log = caught.value.log
    assert caught.value.code == "opted_out" and "opted out" in str(caught.value)
    assert PHONE not in str(caught.value) and "1111" not in str(caught.value)
    log.refresh_from_db()
    assert (log.status, log.sid, log.fee, log.template) == ("opted_out", "", None, promo)
    assert log.finished_at is not None and "opt-out list" in log.errmsg
    assert sandbox.requests == []
    assert send_sms(OTHER, "promo", ["5"]).status == "sent"  # others still get it


def test_a_marketing_template_named_by_its_tencent_id_is_still_marketing(sandbox, promo):
    opt_out(PHONE)
    with pytest.raises(OptedOut):
        send_sms(PHONE, 9, ["5"])
    assert sandbox.requests == []


def test_opting_in_again_lets_marketing_through(sandbox, promo):
    opt_out(PHONE)
    assert opt_in("+86 137 1111 2222") is True and opt_in(PHONE) is False
    assert send_sms(PHONE, promo, ["5"]).status == "sent"


def test_a_notification_still_reaches_an_opted_out_number(sandbox, notice):
    opt_out(PHONE)
    assert send_sms(PHONE, notice, ["A1"]).status == "sent"
    assert numbers_sent(sandbox) == [PHONE]


def test_a_verification_code_still_reaches_an_opted_out_number(sandbox, setup, conf):
    conf(ACCOUNT_PURPOSES=())
    opt_out(PHONE)
    record = send_code(PHONE, "login")
    assert record.state == "sent" and numbers_sent(sandbox) == [PHONE]
    assert not SmsLog.objects.filter(status="opted_out").exists()


# Bulk sends ---------------------------------------------------------------------------------


def test_a_bulk_send_skips_opted_out_numbers_and_counts_them(sandbox, notice):
    opt_out(cn(1))
    opt_out(cn(3))
    phones = [cn(0), "137 0000 0001", cn(2), cn(3), cn(1)]  # cn(1) twice, once written nationally
    summary = send_bulk(phones, notice, ["A1"])
    assert (summary.total, summary.sent, summary.opted_out, summary.failed) == (5, 2, 3, 0)
    assert sorted(numbers_sent(sandbox)) == [cn(0), cn(2)]
    statuses = {(str(row.phone), row.status) for row in summary.logs}
    assert statuses == {
        (cn(0), "sent"),
        (cn(2), "sent"),
        (cn(1), "opted_out"),
        (cn(3), "opted_out"),
    }
    assert summary.logs.filter(status="opted_out").count() == 3
    assert all(row.sid == "" for row in summary.logs.filter(status="opted_out"))


def test_include_opted_out_sends_a_notice_to_everyone(sandbox, notice):
    opt_out(cn(1))
    summary = send_bulk([cn(0), cn(1)], notice, ["A1"], include_opted_out=True)
    assert (summary.sent, summary.opted_out) == (2, 0)
    assert sorted(numbers_sent(sandbox)) == [cn(0), cn(1)]


def test_include_opted_out_is_refused_for_marketing(sandbox, promo):
    with pytest.raises(ValueError, match="marketing"):
        send_bulk([cn(0)], promo, ["5"], include_opted_out=True)
    assert not SmsLog.objects.exists() and sandbox.requests == []


def test_a_marketing_bulk_send_skips_them(sandbox, promo):
    opt_out(cn(0))
    summary = send_bulk([cn(0), cn(1)], promo, ["5"])
    assert (summary.sent, summary.opted_out) == (1, 1) and numbers_sent(sandbox) == [cn(1)]


def test_a_batch_of_opted_out_numbers_makes_no_request(sandbox, notice):
    for i in range(3):
        opt_out(cn(i))
    summary = send_bulk([cn(0), cn(1), cn(2)], notice, ["A1"])
    assert (summary.opted_out, summary.batches) == (3, 0) and sandbox.requests == []


def test_an_opt_out_during_a_bulk_send_applies_to_the_next_batches(sandbox, notice):
    def numbers():
        for i in range(450):
            if i == 300:  # batch 1 (0-199) is sent, batch 2 (200-399) is being read
                opt_out(cn(5))  # too late: already sent
                opt_out(cn(250))  # its batch's rows are not written yet
                opt_out(cn(420))
            yield cn(i)

    summary = send_bulk(numbers(), notice, ["A1"])
    assert (summary.total, summary.sent, summary.opted_out) == (450, 448, 2)
    rows = {str(row.phone): row.status for row in summary.logs}
    assert (rows[cn(5)], rows[cn(250)], rows[cn(420)]) == ("sent", "opted_out", "opted_out")
    assert cn(250) not in numbers_sent(sandbox) and cn(5) in numbers_sent(sandbox)


# In the background: checked again when the worker sends ---------------------------------------


def test_a_queued_batch_skips_a_number_that_opted_out_since(sandbox, notice):
    batches = []
    summary = queue_bulk([cn(0), cn(1), cn(2)], notice, ["A1"], on_batch=batches.append)
    assert summary.queued == 3 and summary.opted_out == 0
    opt_out(cn(1))  # after queueing, before the worker: the opt-out wins
    result = send_batch(batches[0])
    assert (result.sent, result.opted_out, result.total) == (2, 1, 3)
    assert sorted(numbers_sent(sandbox)) == [cn(0), cn(2)]
    assert SmsLog.objects.get(phone=cn(1)).status == "opted_out"


def test_a_queued_batch_with_include_opted_out_sends_to_all(sandbox, notice):
    batches = []
    queue_bulk([cn(0), cn(1)], notice, ["A1"], on_batch=batches.append, include_opted_out=True)
    opt_out(cn(1))
    result = send_batch(batches[0], include_opted_out=True)
    assert (result.sent, result.opted_out) == (2, 0)


def test_queue_bulk_writes_opted_out_rows_at_once(sandbox, notice):
    opt_out(cn(0))
    batches = []
    summary = queue_bulk([cn(0), cn(1)], notice, ["A1"], on_batch=batches.append)
    assert (summary.queued, summary.opted_out) == (1, 1) and len(batches[0]) == 1


def test_a_queued_marketing_message_is_checked_again_by_the_worker(sandbox, promo):
    log = SmsLog.objects.create(
        phone=PHONE, template=promo, tpl_id=9, params=["5"], status="queued"
    )
    opt_out(PHONE)
    assert send_queued(log.pk) == "opted_out"
    log.refresh_from_db()
    assert log.status == "opted_out" and sandbox.requests == []


def test_a_queued_notification_is_sent_to_an_opted_out_number(sandbox, notice):
    log = SmsLog.objects.create(
        phone=PHONE, template=notice, tpl_id=7, params=["A1"], status="queued"
    )
    opt_out(PHONE)
    assert send_queued(log.pk) == "sent"


@pytest.fixture
def tasks():
    try:
        return importlib.import_module("django_tencent_sms.tasks")
    except ConfigurationError:
        skip_service("Django's task framework: Django 6, or django-tasks")


def test_queueing_a_marketing_message_to_an_opted_out_number_is_refused(sandbox, promo, tasks):
    opt_out(PHONE)
    with pytest.raises(OptedOut) as caught:
        send_sms(PHONE, promo, ["5"], background=True)
    assert caught.value.log.status == "opted_out"
    assert SmsLog.objects.get().status == "opted_out" and sandbox.requests == []


def test_background_bulk_hands_include_opted_out_to_the_task(
    sandbox, notice, tasks, django_capture_on_commit_callbacks
):
    opt_out(cn(1))
    with django_capture_on_commit_callbacks(execute=True):  # the immediate task backend
        summary = send_bulk([cn(0), cn(1)], notice, ["A1"], background=True, include_opted_out=True)
    assert summary.queued == 2
    assert sorted(numbers_sent(sandbox)) == [cn(0), cn(1)]
    with django_capture_on_commit_callbacks(execute=True):
        send_bulk([cn(0), cn(1)], notice, ["A1"], background=True)
    assert SmsLog.objects.filter(status="opted_out").count() == 1
