"""Whatever Tencent pushes or hands out is stored: replies of any length, NUL and broken
characters, and a batch in which the database refuses one item still stores the others.

A batch is refused whole (400) only when it is malformed; what is well formed never gets a 500.
"""

from __future__ import annotations

import json
import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DataError, OperationalError
from django.urls import reverse

from django_tencent_sms import send_sms
from django_tencent_sms.models import SmsLog, SmsReply, SmsTemplate, reply_text_hash

pytestmark = pytest.mark.django_db

TOKEN = "t0ken-for-tests-only_0123456789"
PHONE = "+8613711112222"
OK = {"result": 0, "errmsg": "OK"}
#: A reply of 1,500 Chinese characters that hardly repeat (so hardly compress): 4,500 bytes,
#: more than one entry of a B-tree index may hold.
LONG = "".join(chr(0x4E00 + (i * 7919 + i * i * 31) % 20900) for i in range(1500))
POISON = "the database refuses this one"


@pytest.fixture(autouse=True)
def token(settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": TOKEN}


def post(client, name, body):
    # ASCII-escaped JSON, so a lone surrogate can travel as "\ud800", as it can from Tencent.
    url = reverse(f"tencent_sms_callbacks:{name}", kwargs={"token": TOKEN})
    return client.post(url, data=json.dumps(body).encode(), content_type="application/json")


def reply(text, time=1457336869, **fields):
    item = {"mobile": "13711112222", "nationcode": "86", "sign": "腾讯云", "text": text}
    return {**item, "time": time, **fields}


def report(sid, **fields):
    item = {
        "user_receive_time": "2015-10-17 08:03:04",
        "nationcode": "86",
        "mobile": "13711112222",
        "report_status": "SUCCESS",
        "errmsg": "DELIVRD",
        "description": "用户短信送达成功",
        "sid": sid,
    }
    return {**item, **fields}


def make_log(sid):
    return SmsLog.objects.create(phone=PHONE, tpl_id=7, status=SmsLog.Status.SENT, sid=sid)


@pytest.fixture
def refuse(monkeypatch):
    """Make the database refuse (``DataError``) every row whose ``text``/``sid`` is POISON,
    whether inserted or updated in bulk or one by one."""

    def install(model, attribute, error=DataError):
        def poisoned(row):
            return getattr(row, attribute) == POISON

        manager = model.objects
        for name in ("bulk_create", "bulk_update"):
            original = getattr(manager, name)

            def bulk(rows, *args, _original=original, **kwargs):
                if any(poisoned(row) for row in rows):
                    raise error("refused by the test")
                return _original(rows, *args, **kwargs)

            monkeypatch.setattr(manager, name, bulk)
        save = model.save

        def one(self, *args, **kwargs):
            if poisoned(self):
                raise error("refused by the test")
            return save(self, *args, **kwargs)

        monkeypatch.setattr(model, "save", one)

    return install


# Replies --------------------------------------------------------------------------------------


def test_a_reply_of_any_length_tencent_may_send_is_stored(client):
    body = [reply(LONG), reply(LONG * 3, time=1457336870), reply("好的", time=1457336871)]
    assert post(client, "reply", body).json() == OK
    texts = sorted(SmsReply.objects.values_list("text", flat=True), key=len)
    assert texts == ["好的", LONG, LONG * 3]
    assert post(client, "reply", body).json() == OK  # a replay stores nothing twice
    assert SmsReply.objects.count() == 3


def test_nul_and_broken_characters_in_a_reply_are_stored_replaced(client):
    body = [
        reply("退\x00订"),
        reply("broken \ud800 text", sign="腾讯\x00云", extend="12\n"),
        reply("第二行\n第三行"),
    ]
    assert post(client, "reply", body).json() == OK
    stored = {r.text: (r.sign, r.extend) for r in SmsReply.objects.all()}
    assert stored == {
        "退\ufffd订": ("腾讯云", ""),
        "broken \ufffd text": ("腾讯\\x00云", "12"),
        "第二行\n第三行": ("腾讯云", ""),  # a person's line breaks are kept
    }


def test_each_reply_row_carries_the_hash_of_its_exact_text():
    row = SmsReply(phone=PHONE, text="OK", replied_at="2026-01-01T00:00:00Z")
    row.save()
    assert row.text_hash == reply_text_hash("OK") != reply_text_hash("ok")
    assert len(row.text_hash) == 64


def test_a_reply_the_database_refuses_costs_only_itself(client, refuse, caplog):
    refuse(SmsReply, "text")
    body = [reply("before"), reply(POISON, time=1457336870), reply("after", time=1457336871)]
    with caplog.at_level(logging.ERROR, "django_tencent_sms"):
        answer = post(client, "reply", body)
    assert answer.status_code == 200 and answer.json() == OK
    assert sorted(SmsReply.objects.values_list("text", flat=True)) == ["after", "before"]
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "+86 137 **** 2222" in error.getMessage() and "could not be stored" in error.getMessage()
    assert "13711112222" not in caplog.text  # the number masked


def test_a_database_that_fails_otherwise_is_an_error_not_a_silent_loss(client, refuse):
    # A lost connection or a lock is no fault of the item: answered 500, so Tencent pushes
    # the batch again (what was stored is not stored twice).
    refuse(SmsReply, "text", OperationalError)
    body = [reply("before"), reply(POISON, time=1457336870)]
    assert post(client, "reply", body).status_code == 500


def test_a_malformed_item_still_refuses_the_whole_batch_with_400(client):
    body = [reply(LONG), reply("x", time="yesterday")]
    assert post(client, "reply", body).status_code == 400
    assert not SmsReply.objects.exists()


# Delivery reports -----------------------------------------------------------------------------


def test_reports_with_nul_broken_characters_and_line_breaks_are_applied(client):
    logs = [make_log("sid-1"), make_log("sid-2")]
    body = [
        report("sid-1", errmsg="DELIV\x00RD", description="送达\ud800成功"),
        report("sid-2", report_status="FAIL", errmsg="UNDELIV\n", description="x" * 1000),
    ]
    assert post(client, "status", body).json() == OK
    first, second = (SmsLog.objects.get(pk=log.pk) for log in logs)
    assert (first.status, first.report_code) == (SmsLog.Status.DELIVERED, "DELIV\\x00RD")
    assert first.report_description == "送达\\ud800成功"
    assert (second.status, second.report_code) == (SmsLog.Status.UNDELIVERED, "UNDELIV")
    assert second.report_description == "x" * 255


def test_a_report_whose_log_the_database_refuses_costs_only_itself(client, refuse, caplog):
    logs = [make_log("sid-1"), make_log(POISON), make_log("sid-3")]
    refuse(SmsLog, "sid")
    body = [report("sid-1"), report(POISON), report("sid-3")]
    with caplog.at_level(logging.ERROR, "django_tencent_sms"):
        answer = post(client, "status", body)
    assert answer.status_code == 200 and answer.json() == OK
    statuses = [SmsLog.objects.get(pk=log.pk).status for log in logs]
    assert statuses == [SmsLog.Status.DELIVERED, SmsLog.Status.SENT, SmsLog.Status.DELIVERED]
    assert f"report for sid {POISON} (DELIVRD) could not be stored" in caplog.text


# Pulling --------------------------------------------------------------------------------------


def pull(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("tencent_sms_pull_status", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def test_a_pulled_reply_of_any_length_is_stored(sandbox):
    sandbox.reply(PHONE, LONG * 3)
    out, err, error = pull("--kind", "replies")
    assert error is None and err == ""
    assert "Replies: 1 fetched in 1 request(s), 1 stored" in out
    assert SmsReply.objects.get().text == LONG * 3


def test_the_pull_goes_on_past_an_item_it_cannot_store_and_reports_it(sandbox, refuse):
    refuse(SmsReply, "text")
    for text in ["first", POISON, "third"]:
        sandbox.reply(PHONE, text)
    SmsTemplate.objects.create(name="note", tpl_id=7, text="Order {1} shipped")
    send_sms(PHONE, "note", ["A1"])
    out, err, error = pull("--max", "2")
    assert sorted(SmsReply.objects.values_list("text", flat=True)) == ["first", "third"]
    assert SmsLog.objects.get().status == SmsLog.Status.DELIVERED  # the other kind ran too
    assert "Replies: 3 fetched in 2 request(s), 2 stored, 0 already stored, 1 could not be" in out
    assert "Could not store the reply from +86 137 **** 2222 at " in err
    assert error is not None and "1 fetched item(s) could not be stored" in str(error)
