"""Whatever Tencent answers about a message it accepted or refused, the log row is saved with it.

A sid up to 128 characters is kept whole, a fee beyond the old small column is kept, one beyond
any column is stored as unknown with a warning, and NUL, broken characters and line breaks in
an errmsg or a sid are stored escaped, so they neither fail the save nor forge a log line. The
answers come from the emulator over a real socket; its sids and fees are scripted here.
"""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from django_tencent_sms import send_bulk, send_sms
from django_tencent_sms.exceptions import TencentSmsError
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.sandbox import tc3_rules, v5_rules
from django_tencent_sms.sending.outcome import Outcome

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"
LONG_SID = "2019:" + "a1" * 61 + "b"  # 128 characters
assert len(LONG_SID) == 128


@pytest.fixture
def notice(db):
    return SmsTemplate.objects.create(name="notice", tpl_id=7, text="您的订单{1}已发货。")


@pytest.fixture
def answers(monkeypatch):
    """Script the sid and the fee the emulator answers for every number it accepts."""

    def script(sid=None, fee=None):
        for module, rule in ((v5_rules, v5_rules.evaluate), (tc3_rules, tc3_rules.evaluate_cloud)):
            if sid is not None:
                monkeypatch.setitem(rule.__kwdefaults__, "make_sid", lambda: sid)
            if fee is not None:
                monkeypatch.setattr(module, "sms_fee", lambda text, nationcode: fee)

    return script


def stored(log):
    return SmsLog.objects.get(pk=log.pk)


def test_a_sid_of_128_characters_and_a_fee_of_100000_are_kept_whole(sandbox, notice, answers):
    answers(sid=LONG_SID, fee=100_000)
    log = stored(send_sms(PHONE, "notice", ["A1"]))
    assert (log.status, log.sid, log.fee) == (SmsLog.Status.SENT, LONG_SID, 100_000)
    summary = send_bulk([PHONE, "+8613711113333"], "notice", ["A1"])
    assert summary.sent == 2 and summary.fee == 200_000
    rows = SmsLog.objects.filter(batch=summary.batch)
    assert {(row.sid, row.fee) for row in rows} == {(LONG_SID, 100_000)}


def test_a_fee_no_column_holds_is_stored_as_unknown_with_a_warning(
    sandbox, notice, answers, caplog
):
    answers(fee=2**31)
    with caplog.at_level(logging.WARNING, "django_tencent_sms"):
        log = stored(send_sms(PHONE, "notice", ["A1"]))
    assert (log.status, log.fee) == (SmsLog.Status.SENT, None)
    assert log.sid  # the rest of the answer is kept
    assert f"fee {2**31} is outside what the log can store" in caplog.text
    summary = send_bulk([PHONE], "notice", ["A1"])
    assert summary.sent == 1
    assert SmsLog.objects.get(batch=summary.batch).fee is None


def test_a_sid_longer_than_the_column_is_stored_cut_with_a_warning(sandbox, notice, answers):
    answers(sid=LONG_SID + "overflow")
    log = stored(send_sms(PHONE, "notice", ["A1"]))
    assert (log.status, log.sid) == (SmsLog.Status.SENT, LONG_SID)


def test_a_sid_with_a_line_break_forges_no_log_line(sandbox, notice, answers, caplog):
    answers(sid="2019:abc\nINFO django_tencent_sms: SMS #99 to +86 137****0000 sent")
    with caplog.at_level(logging.INFO, "django_tencent_sms"):
        log = stored(send_sms(PHONE, "notice", ["A1"]))
    assert log.sid == "2019:abc\\nINFO django_tencent_sms: SMS #99 to +86 137****0000 sent"
    (line,) = [r.getMessage() for r in caplog.records if "sent, sid=" in r.getMessage()]
    assert "\n" not in line and "sid=2019:abc\\nINFO" in line


@pytest.mark.parametrize("sandbox", ["v5"], indirect=True)
def test_an_accepted_answer_with_nul_in_its_errmsg_is_stored_cleaned(sandbox, notice):
    sandbox.fail_next("result", result=0, errmsg="OK\x00\r\nforged")
    log = stored(send_sms(PHONE, "notice", ["A1"]))
    assert (log.status, log.errmsg) == (SmsLog.Status.SENT, "OK\\x00\\r\\nforged")


def test_a_refusal_with_nul_and_line_breaks_in_its_errmsg_is_stored_cleaned(
    sandbox, notice, caplog
):
    sandbox.fail_next("result", result=1016, errmsg="bad number\x00\nWARNING forged")
    with caplog.at_level(logging.WARNING, "django_tencent_sms"), pytest.raises(TencentSmsError):
        send_sms(PHONE, "notice", ["A1"])
    log = SmsLog.objects.get()
    assert log.status == SmsLog.Status.FAILED
    assert log.errmsg.endswith("bad number\\x00\\nWARNING forged")  # API 3.0: after its code
    assert all("\n" not in r.getMessage() for r in caplog.records)


def test_a_bulk_refusal_with_line_breaks_in_its_errmsg_forges_no_log_line(sandbox, notice, caplog):
    sandbox.fail_next("result", result=1014, errmsg="bad\nERROR django_tencent_sms: forged")
    with caplog.at_level(logging.INFO, "django_tencent_sms"), pytest.raises(TencentSmsError):
        send_bulk([PHONE, "+8613711113333"], "notice", ["A1"])
    assert "bad\\nERROR django_tencent_sms: forged" in caplog.text
    assert all("\n" not in r.getMessage() for r in caplog.records)
    for row in SmsLog.objects.all():  # API 3.0's after its code
        assert row.errmsg.endswith("bad\\nERROR django_tencent_sms: forged")


def test_broken_characters_and_numbers_out_of_range_never_fail_the_save(notice):
    # What a parsed JSON answer can hold and the emulator cannot send: lone surrogates.
    log = SmsLog.objects.create(phone=PHONE, tpl_id=7, status=SmsLog.Status.PENDING)
    outcome = Outcome(
        SmsLog.Status.FAILED, 2**40, "bad\ud800\udfff", "sid\udc80", 2**40, "req\x00" + "r" * 80
    )
    outcome.apply_to(log, finished_at=timezone.now(), duration=timedelta(seconds=1))
    log.save()
    log = stored(log)
    assert (log.result, log.fee) == (None, None)
    assert log.errmsg == "bad\\ud800\\udfff" and log.sid == "sid\\udc80"
    assert log.request_id == ("req\\x00" + "r" * 80)[:64]
    fee = SmsLog._meta.get_field("fee")
    assert fee.get_internal_type() == "PositiveIntegerField"
