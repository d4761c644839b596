"""A template whose synced review status is not approved is refused on every sending path,
before any row is written or any request made; ``unknown`` (never synced) sends as before."""

from __future__ import annotations

import pytest

from django_tencent_sms import send_bulk, send_sms
from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.models import SmsLog, SmsTemplate, VerificationCode
from django_tencent_sms.otp import service as otp
from django_tencent_sms.sending.api import resend
from django_tencent_sms.sending.background import send_queued

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"
NOT_APPROVED = ["reviewing", "approved_pending", "rejected"]


@pytest.fixture
def shipped(sandbox):
    # The account tests' sandbox knows template 7 as "note"; here it is "shipped".
    SmsTemplate.objects.filter(tpl_id=7).delete()
    return SmsTemplate.objects.create(name="shipped", tpl_id=7, text="Order {1} shipped")


def review(template: SmsTemplate, status: str, reply: str = "") -> None:
    SmsTemplate.objects.filter(pk=template.pk).update(status=status, review_reply=reply)
    template.refresh_from_db()


def assert_refused(excinfo, status_label: str, reply: str = "") -> None:
    assert excinfo.value.code == "template_not_approved"
    assert "shipped" in str(excinfo.value)
    assert status_label in str(excinfo.value)
    if reply:
        assert reply in str(excinfo.value)


@pytest.mark.parametrize("status", NOT_APPROVED)
def test_send_sms_refuses_by_name_row_and_id_before_anything_is_written(sandbox, shipped, status):
    review(shipped, status, "签名与内容不符")
    for ref in ("shipped", shipped, 7):
        with pytest.raises(InvalidMessage) as excinfo:
            send_sms(PHONE, ref, ["A1"])
        assert_refused(excinfo, shipped.get_status_display(), "签名与内容不符")
    assert not SmsLog.objects.exists()
    assert sandbox.requests == []


def test_unknown_and_approved_send_as_before(sandbox, shipped):
    assert shipped.status == "unknown"
    assert send_sms(PHONE, "shipped", ["A1"]).status == SmsLog.Status.SENT
    review(shipped, "approved")
    assert send_sms(PHONE, "shipped", ["A2"]).status == SmsLog.Status.SENT
    assert len(sandbox.messages) == 2


def test_bulk_refuses_before_any_row(sandbox, shipped):
    review(shipped, "rejected", "wording")
    with pytest.raises(InvalidMessage) as excinfo:
        send_bulk([PHONE, "+8613711113333"], "shipped", ["A1"])
    assert_refused(excinfo, "Rejected", "wording")
    assert not SmsLog.objects.exists()
    assert sandbox.requests == []


def test_background_send_is_refused_at_queue_time_and_rebuild_fails_the_row(sandbox, shipped):
    review(shipped, "reviewing")
    with pytest.raises(InvalidMessage):
        send_sms(PHONE, "shipped", ["A1"], background=True)
    assert not SmsLog.objects.exists()
    # Queued while approved, rejected before a worker took it: the worker sends nothing.
    review(shipped, "approved")
    log = SmsLog.objects.create(
        phone=PHONE, template=shipped, tpl_id=7, params=["A1"], status=SmsLog.Status.QUEUED
    )
    review(shipped, "rejected", "wording")
    assert send_queued(log.pk) == SmsLog.Status.FAILED
    log.refresh_from_db()
    assert "Rejected" in log.errmsg and "wording" in log.errmsg
    assert sandbox.requests == []


def test_resend_is_refused(sandbox, shipped):
    log = send_sms(PHONE, "shipped", ["A1"])
    review(shipped, "rejected")
    with pytest.raises(InvalidMessage) as excinfo:
        resend(SmsLog.objects.get(pk=log.pk))  # as the admin's resend loads it
    assert excinfo.value.code == "template_not_approved"
    assert SmsLog.objects.count() == 1
    assert len(sandbox.messages) == 1


def test_otp_send_code_writes_no_code_and_answers_every_number_alike(
    sandbox, template, conf, clock
):
    SmsTemplate.objects.filter(pk=template.pk).update(status="rejected", review_reply="no")
    conf(ACCOUNT_PURPOSES=["login"])
    for phone in (PHONE, "+8613711113333"):
        with pytest.raises(InvalidMessage) as excinfo:
            otp.send_code(phone, "login")
        assert excinfo.value.code == "template_not_approved"
    assert not VerificationCode.objects.exists()
    assert not SmsLog.objects.exists()
    assert sandbox.requests == []


@pytest.mark.parametrize("step", ["set", "check"])
def test_a_status_set_on_the_shared_emulator_does_not_outlive_its_test(sandbox, shipped, step):
    # Parametrized so that "check" runs after "set" with the same session emulator.
    if step == "set":
        sandbox.set_template_status(7, "rejected")
        assert 7 in sandbox.state.templates.blocked()
    else:
        assert sandbox.state.templates.blocked() == set()
        assert send_sms(PHONE, "shipped", ["A1"]).status == SmsLog.Status.SENT


def test_a_queued_bulk_batch_whose_template_was_rejected_meanwhile_is_failed_not_sent(
    sandbox, shipped
):
    from django_tencent_sms.sending.batch import send_batch

    review(shipped, "approved")
    rows = [
        SmsLog.objects.create(
            phone=phone, template=shipped, tpl_id=7, params=["A1"], status=SmsLog.Status.QUEUED
        )
        for phone in (PHONE, "+8613711113333")
    ]
    review(shipped, "approved_pending")
    send_batch([row.pk for row in rows])
    for row in rows:
        row.refresh_from_db()
        assert row.status == SmsLog.Status.FAILED
        assert "Approved, not yet in effect" in row.errmsg
    assert sandbox.requests == []
