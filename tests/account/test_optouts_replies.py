"""Replies that opt a number out, however they arrive: pushed by the emulator to a live site,
pulled from it (both API generations), or posted to the callback in every hostile shape."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from django_tencent_sms import send_sms
from django_tencent_sms.account import optouts
from django_tencent_sms.account.optouts import is_opted_out, opt_in, opt_out
from django_tencent_sms.exceptions import OptedOut
from django_tencent_sms.models import SmsLog, SmsOptOut, SmsReply, SmsTemplate
from django_tencent_sms.signals import number_opted_out
from tests.waiting import wait_until

TOKEN = "optout-callback-token-0123456789"
PHONE = "+8613711112222"
OK = {"result": 0, "errmsg": "OK"}
REPLY = {
    "extend": "",
    "mobile": "13711112222",
    "nationcode": "86",
    "sign": "腾讯云",
    "text": "退订",
    "time": 1457336869,
}


@pytest.fixture
def opted_out_signals():
    got = []

    def receiver(sender, entry, reply, **kwargs):
        got.append((sender, entry.phone.as_e164, entry.source, reply))

    number_opted_out.connect(receiver)
    yield got
    number_opted_out.disconnect(receiver)


@pytest.fixture
def promo(db):
    return SmsTemplate.objects.create(
        name="promo", tpl_id=9, text="双11大促{1}折，回T退订", type="marketing"
    )


# End to end over real sockets: the emulator and the live site ---------------------------------


@pytest.fixture
def site(live_server, settings, transactional_db):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": TOKEN}
    return live_server.url + reverse("tencent_sms_callbacks:reply", kwargs={"token": TOKEN})


def test_a_pushed_reply_stops_marketing_messages(site, sandbox, opted_out_signals):
    promo = SmsTemplate.objects.create(name="promo", tpl_id=9, text="大促{1}折", type="marketing")
    send_sms(PHONE, promo, ["5"])
    sandbox.reply_callback_url = site
    sandbox.reply(PHONE, "退订")
    assert wait_until(lambda: SmsOptOut.objects.exists())
    entry = SmsOptOut.objects.get()
    assert (entry.phone.as_e164, entry.source) == (PHONE, "reply")
    assert entry.reply == SmsReply.objects.get() and entry.reply.text == "退订"
    assert wait_until(lambda: sandbox.pushes and sandbox.pushes[0].ok)
    assert [(s, p, src) for s, p, src, _r in opted_out_signals] == [(SmsOptOut, PHONE, "reply")]

    with pytest.raises(OptedOut) as caught:
        send_sms(PHONE, promo, ["5"])
    assert caught.value.code == "opted_out" and caught.value.log.status == "opted_out"
    assert len(sandbox.messages) == 1  # the second never reached the emulator
    assert SmsLog.objects.filter(status="opted_out").count() == 1


def test_a_pushed_reply_that_is_no_keyword_changes_nothing(site, sandbox):
    sandbox.reply_callback_url = site
    sandbox.reply(PHONE, "请问怎么退订？")
    assert wait_until(lambda: sandbox.pushes and sandbox.pushes[0].ok)
    assert SmsReply.objects.count() == 1 and not SmsOptOut.objects.exists()


# Pulled -------------------------------------------------------------------------------------


def pull() -> str:
    out = StringIO()
    call_command("tencent_sms_pull_status", "--kind", "replies", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_a_pulled_reply_opts_out_once(sandbox, opted_out_signals):
    sandbox.reply("13711112222", " ＴＤ ")  # a national number, full-width letters
    sandbox.reply("+8613711113333", "好的")
    assert "2 stored" in pull()
    assert [e.phone.as_e164 for e in SmsOptOut.objects.all()] == [PHONE]
    assert len(opted_out_signals) == 1
    assert "0 fetched" in pull()
    assert SmsOptOut.objects.count() == 1 and len(opted_out_signals) == 1


@pytest.mark.django_db
def test_a_pulled_opt_out_applies_to_the_next_marketing_send(sandbox, promo):
    sandbox.reply(PHONE, "STOP")
    pull()
    with pytest.raises(OptedOut):
        send_sms("137 1111 2222", promo, ["5"])
    assert sandbox.messages == []


# Posted to the callback ---------------------------------------------------------------------


@pytest.fixture
def callback(client, settings, db):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": TOKEN}
    url = reverse("tencent_sms_callbacks:reply", kwargs={"token": TOKEN})

    def post(body):
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False)
        return client.post(url, data=data, content_type="application/json")

    return post


def test_a_replayed_reply_opts_out_once(callback, opted_out_signals):
    assert callback(REPLY).json() == OK
    assert callback(REPLY).json() == OK
    assert SmsOptOut.objects.count() == 1 and len(opted_out_signals) == 1


def test_a_replay_after_opting_in_again_does_not_opt_out_again(callback):
    callback(REPLY)
    assert opt_in(PHONE) is True
    assert callback(REPLY).json() == OK  # the same reply: judged when it was first stored
    assert not is_opted_out(PHONE)
    callback({**REPLY, "time": REPLY["time"] + 60})  # a new reply does
    assert is_opted_out(PHONE)


def test_the_number_is_found_in_every_format(callback):
    callback(REPLY)
    for written in (PHONE, "13711112222", "137 1111 2222", "+86 137-1111-2222", "008613711112222"):
        assert is_opted_out(written), written
    assert not is_opted_out("+8613711113333")


def test_an_api3_shaped_reply_opts_out(callback):
    body = {"PhoneNumber": "+8613711112222", "ReplyContent": "Unsubscribe", "ReplyTime": 1}
    assert callback(body).json() == OK
    assert is_opted_out(PHONE)


@pytest.mark.parametrize("text", ["退订\u0000", "\u200bＴＤ。", "  stop!  ", "【退订】"])
def test_hostile_spellings_of_a_keyword_opt_out(callback, text):
    assert callback({**REPLY, "text": text}).json() == OK
    assert is_opted_out(PHONE)


@pytest.mark.parametrize(
    "text", ["请帮我退订", "不要退订", "退订" * 1000, "x" * 500_000, "\u0000" * 100, ""]
)
def test_other_replies_are_stored_and_opt_nobody_out(callback, text):
    assert callback({**REPLY, "text": text}).json() == OK
    assert SmsReply.objects.count() == 1 and not SmsOptOut.objects.exists()


def test_several_opt_outs_of_one_number_in_one_push(callback, opted_out_signals):
    items = [{**REPLY, "time": REPLY["time"] + i, "text": t} for i, t in enumerate(["TD", "T"])]
    assert callback(items).json() == OK
    assert SmsReply.objects.count() == 2 and SmsOptOut.objects.count() == 1
    assert len(opted_out_signals) == 1


def test_a_number_listed_already_keeps_its_entry(callback, opted_out_signals, admin_user):
    entry, created = opt_out(PHONE, source="staff", user=admin_user, note="asked by phone")
    assert created and len(opted_out_signals) == 1
    callback(REPLY)
    entry.refresh_from_db()
    assert (entry.source, entry.added_by, entry.reply) == ("staff", admin_user, None)
    assert SmsOptOut.objects.count() == 1 and len(opted_out_signals) == 1


def test_an_entry_written_meanwhile_by_another_process_is_no_error(callback, monkeypatch):
    SmsOptOut.objects.create(phone=PHONE, source="api")
    monkeypatch.setattr(optouts, "opted_out_among", lambda phones: set())  # it looked first
    assert callback(REPLY).json() == OK
    assert SmsOptOut.objects.count() == 1 and SmsReply.objects.count() == 1


def test_a_receiver_that_raises_does_not_fail_the_callback(callback):
    def broken(**kwargs):
        raise RuntimeError("receiver bug")

    number_opted_out.connect(broken)
    try:
        assert callback(REPLY).json() == OK
    finally:
        number_opted_out.disconnect(broken)
    assert is_opted_out(PHONE)


def test_a_reply_that_fails_to_store_opts_nobody_out(callback):
    assert callback({**REPLY, "extend": "1" * 40}).status_code == 400  # refused whole
    assert not SmsReply.objects.exists() and not SmsOptOut.objects.exists()


@pytest.mark.parametrize(
    "nationcode, mobile",
    [
        ("86", "13711112222"),
        ("+86", "13711112222"),
        ("86", "013711112222"),
        ("86", "8613711112222"),
    ],
)
def test_a_reply_from_a_number_written_another_way_opts_out_its_number(
    callback, nationcode, mobile
):
    assert callback({**REPLY, "nationcode": nationcode, "mobile": mobile}).json() == OK
    assert [e.phone.as_e164 for e in SmsOptOut.objects.all()] == [PHONE]


def test_a_reply_from_a_number_that_is_no_number_is_stored_and_logged(callback, caplog):
    assert callback({**REPLY, "mobile": "12345"}).json() == OK
    assert SmsReply.objects.count() == 1 and not SmsOptOut.objects.exists()
    assert "not valid" in caplog.text and "12345" not in caplog.text
