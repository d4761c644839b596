"""Tencent's pushes: the delivery-report (status) callback and the reply (MO) callback.

Both views are reached through the test client at the URLs
``include("django_tencent_sms.reports.urls")`` gives them
(tests/urls.py mounts them under ``sms/``).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_tencent_sms.checks import check_callback_urls, check_settings
from django_tencent_sms.models import SmsLog, SmsReply
from django_tencent_sms.protocol.callbacks import parse_replies, parse_status_reports
from django_tencent_sms.protocol.reports import CHINA_TIME, DeliveryReport, MalformedReport
from django_tencent_sms.protocol.tc3.pull import parse_cloud_status_report
from django_tencent_sms.reports.apply import apply_delivery_reports, store_replies
from django_tencent_sms.reports.callbacks import DeliveryReportView, parse_networks
from django_tencent_sms.signals import sms_delivery_report, sms_reply_received
from tests.helpers import staff

pytestmark = pytest.mark.django_db

TOKEN = "t0ken-for-tests-only_0123456789"
PHONE = "+8613711112222"
OK = {"result": 0, "errmsg": "OK"}


def china(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA_TIME)


@pytest.fixture(autouse=True)
def token(settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": TOKEN}


def make_log(sid: str, **fields) -> SmsLog:
    values = {
        "phone": PHONE,
        "tpl_id": 7,
        "status": SmsLog.Status.SENT,
        "result": 0,
        "sid": sid,
        "created_at": datetime(2015, 10, 17, 0, 2, 58, tzinfo=timezone.utc),
    }
    return SmsLog.objects.create(**{**values, **fields})


def report(sid: str, status: str = "SUCCESS", when: str = "2015-10-17 08:03:04", **fields) -> dict:
    item = {
        "user_receive_time": when,
        "nationcode": "86",
        "mobile": "13711112222",
        "report_status": status,
        "errmsg": "DELIVRD" if status == "SUCCESS" else "UNDELIV",
        "description": "用户短信送达成功" if status == "SUCCESS" else "用户短信未送达",
        "sid": sid,
    }
    item.update(fields)
    return item


def status_url(token: str | None = TOKEN) -> str:
    if token is None:
        return reverse("tencent_sms_callbacks:status-no-token")
    return reverse("tencent_sms_callbacks:status", kwargs={"token": token})


def reply_url(token: str | None = TOKEN) -> str:
    if token is None:
        return reverse("tencent_sms_callbacks:reply-no-token")
    return reverse("tencent_sms_callbacks:reply", kwargs={"token": token})


def post(client, url, body, **extra):
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False)
    return client.post(url, data=data, content_type="application/json", **extra)


def state(log: SmsLog) -> tuple:
    log.refresh_from_db()
    return (
        log.status,
        log.report_code,
        log.report_description,
        log.delivered_at,
        log.reported_at,
    )


@pytest.fixture
def signals():
    received = {"reports": [], "replies": []}

    def on_report(sender, log, report, **kwargs):
        received["reports"].append((sender, log, report))

    def on_reply(sender, reply, **kwargs):
        received["replies"].append((sender, reply))

    sms_delivery_report.connect(on_report)
    sms_reply_received.connect(on_reply)
    yield received
    sms_delivery_report.disconnect(on_report)
    sms_reply_received.disconnect(on_reply)


# Delivery reports ---------------------------------------------------------------------------


def test_a_success_report_marks_the_log_delivered_at_china_time(client):
    log = make_log("sid-1")
    answer = post(client, status_url(), [report("sid-1")])
    assert answer.status_code == 200
    assert answer.json() == OK
    log.refresh_from_db()
    assert log.status == SmsLog.Status.DELIVERED
    assert log.report_code == "DELIVRD"
    assert log.report_description == "用户短信送达成功"
    # "2015-10-17 08:03:04" is Beijing time: 00:03:04 UTC.
    assert log.delivered_at == datetime(2015, 10, 17, 0, 3, 4, tzinfo=timezone.utc)
    assert log.reported_at is not None


def test_a_fail_report_marks_the_log_undelivered_with_the_carriers_code(client):
    log = make_log("sid-1")
    item = report("sid-1", "FAIL", errmsg="MK:0001", description="空号")
    assert post(client, status_url(), [item]).json() == OK
    log.refresh_from_db()
    assert log.status == SmsLog.Status.UNDELIVERED
    assert (log.report_code, log.report_description) == ("MK:0001", "空号")
    assert log.delivered_at == china("2015-10-17 08:03:04")


def test_one_batch_updates_several_logs(client):
    logs = [make_log(f"sid-{i}") for i in range(3)]
    body = [report("sid-0"), report("sid-1", "FAIL"), report("sid-2")]
    assert post(client, status_url(), body).status_code == 200
    statuses = [SmsLog.objects.get(pk=log.pk).status for log in logs]
    assert statuses == ["delivered", "undelivered", "delivered"]


@pytest.mark.parametrize("token", ["wrong-token-0123456789", TOKEN[:-1], TOKEN + "x", None])
def test_a_forged_or_missing_token_is_refused_and_changes_nothing(client, token):
    log = make_log("sid-1")
    before = state(log)
    answer = post(client, status_url(token), [report("sid-1")])
    assert answer.status_code == 403
    assert state(log) == before
    answer = post(client, reply_url(token), {"mobile": "13711112222", "text": "hi", "time": 1})
    assert answer.status_code == 403
    assert not SmsReply.objects.exists()


def test_no_callback_is_accepted_while_the_token_is_not_set(client, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": ""}
    log = make_log("sid-1")
    before = state(log)
    assert post(client, status_url("anything-at-all-12345"), [report("sid-1")]).status_code == 403
    assert post(client, status_url(None), [report("sid-1")]).status_code == 403
    assert state(log) == before


def test_the_token_is_not_written_to_the_logs(client, caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    assert post(client, status_url(), b"not json").status_code == 400
    assert post(client, status_url("wrong-token-0123456789"), []).status_code == 403
    assert client.get(status_url()).status_code == 405

    def broken(reports):
        raise RuntimeError("the database is down")

    monkeypatch.setattr("django_tencent_sms.reports.callbacks.apply_delivery_reports", broken)
    assert post(client, status_url(), []).status_code == 500
    assert caplog.records, "the refusals are logged"
    assert not any(TOKEN in record.getMessage() for record in caplog.records)
    assert not any(record.name == "django.request" for record in caplog.records)


def test_a_replayed_batch_changes_nothing(client, signals):
    log = make_log("sid-1")
    body = [report("sid-1")]
    assert post(client, status_url(), body).status_code == 200
    after_first = state(log)
    assert post(client, status_url(), body).json() == OK
    assert state(log) == after_first  # reported_at included: the replay was not applied
    assert len(signals["reports"]) == 1


def test_a_later_report_wins_only_if_it_is_newer(client, signals):
    log = make_log("sid-1")
    post(client, status_url(), [report("sid-1", "FAIL", "2015-10-17 08:03:04")])
    post(client, status_url(), [report("sid-1", "SUCCESS", "2015-10-17 08:05:00")])
    assert state(log)[:4] == (
        "delivered",
        "DELIVRD",
        "用户短信送达成功",
        china("2015-10-17 08:05:00"),
    )
    # An older report arriving late, or one of the same time, changes nothing.
    post(client, status_url(), [report("sid-1", "FAIL", "2015-10-17 08:04:00")])
    post(client, status_url(), [report("sid-1", "FAIL", "2015-10-17 08:05:00")])
    post(client, status_url(), [report("sid-1", "FAIL", "")])
    assert state(log)[0] == "delivered"
    assert [r.delivered for _, _, r in signals["reports"]] == [False, True]


def test_in_one_batch_the_newest_report_per_sid_counts():
    log = make_log("sid-1")
    reports = parse_status_reports(
        [
            report("sid-1", "SUCCESS", "2015-10-17 08:05:00"),
            report("sid-1", "FAIL", "2015-10-17 08:03:00"),
        ]
    )
    outcome = apply_delivery_reports(reports)
    assert (outcome.received, outcome.applied, outcome.unchanged, outcome.unknown) == (2, 1, 1, 0)
    assert state(log)[0] == "delivered"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe[]",
        b"42",
        b'"a string"',
        b"[1, 2]",
        b'[{"sid": "sid-1", "report_status": "NaN", "user_receive_time": NaN}]',
    ],
)
def test_a_malformed_body_is_answered_400_and_changes_nothing(client, body):
    log = make_log("sid-1")
    before = state(log)
    answer = post(client, status_url(), body)
    assert answer.status_code == 400
    assert answer.json()["result"] != 0
    assert state(log) == before


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"report_status": "DONE"}, "report_status"),
        ({"report_status": None}, "report_status"),
        ({"sid": ""}, "sid"),
        ({"sid": 17}, "sid"),
        ({"sid": "   "}, "sid"),
        ({"user_receive_time": "yesterday"}, "user_receive_time"),
        ({"user_receive_time": "2015-13-40 08:03:04"}, "user_receive_time"),
        ({"errmsg": ["DELIVRD"]}, "errmsg"),
        ({"description": 3}, "description"),
    ],
)
def test_one_malformed_item_refuses_the_whole_batch(client, signals, bad, reason):
    good = make_log("sid-good")
    make_log("sid-bad")
    before = state(good)
    body = [report("sid-good"), {**report("sid-bad"), **bad}]
    answer = post(client, status_url(), body)
    assert answer.status_code == 400
    assert "item 1" in answer.json()["errmsg"] and reason in answer.json()["errmsg"]
    assert state(good) == before  # nothing applied, not even the good item before it
    assert signals["reports"] == []


def test_a_missing_item_field_refuses_the_batch(client):
    make_log("sid-1")
    item = report("sid-1")
    del item["report_status"]
    assert post(client, status_url(), [item]).status_code == 400
    assert SmsLog.objects.get().status == "sent"


def test_reports_for_unknown_sids_are_counted_and_logged_without_failing_the_batch(client, caplog):
    log = make_log("sid-known")
    caplog.set_level(logging.INFO, logger="django_tencent_sms")
    body = [report("sid-unknown-1"), report("sid-known"), report("sid-unknown-2", "FAIL")]
    answer = post(client, status_url(), body)
    assert answer.status_code == 200 and answer.json() == OK
    assert state(log)[0] == "delivered"
    messages = [r.getMessage() for r in caplog.records]
    assert any("2 delivery report(s) name a sid no SMS log has" in m for m in messages)
    assert any("sid-unknown-1" in m and "sid-unknown-2" in m for m in messages)
    outcome = apply_delivery_reports(parse_status_reports(body))
    assert (outcome.applied, outcome.unchanged, outcome.unknown) == (0, 1, 2)
    assert outcome.unknown_sids == ["sid-unknown-1", "sid-unknown-2"]


def test_a_lone_object_and_an_empty_array_are_accepted(client):
    log = make_log("sid-1")
    assert post(client, status_url(), []).json() == OK
    assert post(client, status_url(), report("sid-1")).json() == OK
    assert state(log)[0] == "delivered"


def test_optional_fields_may_be_null_or_missing_and_unknown_fields_are_ignored(client):
    log = make_log("sid-1")
    item = {"sid": "sid-1", "report_status": "success", "errmsg": None, "extra": {"x": 1}}
    assert post(client, status_url(), [item]).json() == OK
    log.refresh_from_db()
    assert (log.status, log.report_code, log.delivered_at) == ("delivered", "", None)


def test_a_unix_receive_time_is_accepted():
    (parsed,) = parse_status_reports([report("s", when=1444997784)])
    assert parsed.received_at == datetime(2015, 10, 16, 12, 16, 24, tzinfo=timezone.utc)


def test_long_codes_and_descriptions_are_cut_to_what_the_log_keeps(client):
    log = make_log("sid-1")
    item = report("sid-1", errmsg="C" * 40, description="d" * 300)
    assert post(client, status_url(), [item]).json() == OK
    log.refresh_from_db()
    assert (len(log.report_code), len(log.report_description)) == (32, 255)


def test_every_log_with_the_sid_is_updated():
    first, second = make_log("shared"), make_log("shared")
    outcome = apply_delivery_reports(parse_status_reports([report("shared")]))
    assert outcome.applied == 1 and len(outcome.logs) == 2
    assert {state(first)[0], state(second)[0]} == {"delivered"}


def test_the_signal_carries_the_updated_log_and_its_report(client, signals):
    log = make_log("sid-1")
    post(client, status_url(), [report("sid-1", "FAIL", errmsg="MK:0001")])
    ((sender, signalled, received),) = signals["reports"]
    assert sender is SmsLog
    assert signalled.pk == log.pk and signalled.status == "undelivered"
    assert isinstance(received, DeliveryReport)
    assert (received.sid, received.code, received.phone) == ("sid-1", "MK:0001", PHONE)


def test_a_failing_signal_receiver_does_not_fail_the_callback(client, caplog):
    make_log("sid-1")

    def broken(**kwargs):
        raise RuntimeError("receiver bug")

    sms_delivery_report.connect(broken)
    try:
        assert post(client, status_url(), [report("sid-1")]).json() == OK
    finally:
        sms_delivery_report.disconnect(broken)
    assert SmsLog.objects.get().status == "delivered"
    assert any("Receiver" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("size", [3, 60])
def test_a_batch_costs_the_same_queries_at_any_size(client, size):
    for i in range(size):
        make_log(f"sid-{i}")
    body = [report(f"sid-{i}", "SUCCESS" if i % 2 else "FAIL") for i in range(size)]
    body.append(report("sid-unknown"))
    with CaptureQueriesContext(connection) as queries:
        assert post(client, status_url(), body).status_code == 200
    assert SmsLog.objects.filter(status__in=["delivered", "undelivered"]).count() == size
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # The logs' SELECT … FOR UPDATE and UPDATE; for the unknown sid, the SELECT of the reports
    # kept already and the INSERT keeping it (UnmatchedReport). The dashboard rollup adds its
    # locked read of the rows (SQLite, without row locks: a write taking the lock, then the
    # read) and one upsert (an INSERT).
    sqlite = connection.vendor == "sqlite"
    assert statements.count("SELECT") == (4 if sqlite else 3)
    assert statements.count("UPDATE") == (2 if sqlite else 1)
    assert statements.count("INSERT") == 2
    assert len(queries.captured_queries) <= 12  # plus savepoint bookkeeping


def test_a_replayed_batch_costs_one_select_and_no_update(client):
    for i in range(20):
        make_log(f"sid-{i}")
    body = [report(f"sid-{i}") for i in range(20)]
    post(client, status_url(), body)
    with CaptureQueriesContext(connection) as queries:
        post(client, status_url(), body)
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements.count("SELECT") == 1 and "UPDATE" not in statements


# The HTTP side ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "put", "delete", "options"])
def test_only_post_is_allowed(client, method):
    answer = getattr(client, method)(status_url())
    assert answer.status_code == 405
    assert answer["Allow"] == "POST"


def test_callbacks_need_no_csrf_token():
    make_log("sid-1")
    client = Client(enforce_csrf_checks=True)
    assert post(client, status_url(), [report("sid-1")]).status_code == 200


def test_a_body_over_the_limit_is_refused(client, monkeypatch):
    monkeypatch.setattr(DeliveryReportView, "max_body", 100)
    make_log("sid-1")
    answer = post(client, status_url(), [report("sid-1")])
    assert answer.status_code == 413
    assert SmsLog.objects.get().status == "sent"


def test_an_allowed_network_is_let_in_and_others_are_refused(client, settings):
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "CALLBACK_ALLOWED_IPS": ["203.0.113.0/24", "2001:db8::/32"],
    }
    log = make_log("sid-1")
    refused = post(client, status_url(), [report("sid-1")], REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 403 and state(log)[0] == "sent"
    assert post(client, reply_url(), {"mobile": "1", "text": "x", "time": 1}).status_code == 403
    assert post(client, status_url(), [], REMOTE_ADDR="2001:db8::5").status_code == 200
    allowed = post(client, status_url(), [report("sid-1")], REMOTE_ADDR="::ffff:203.0.113.9")
    assert allowed.status_code == 200 and state(log)[0] == "delivered"


def forwarded_for(request):
    return request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()


@pytest.mark.parametrize("where", ["CALLBACK_CLIENT_IP", "OTP"])
def test_behind_a_proxy_the_client_ip_resolver_decides(client, settings, where):
    resolver = "tests.reports.test_callbacks.forwarded_for"
    extra = (
        {"CALLBACK_CLIENT_IP": resolver}
        if where == "CALLBACK_CLIENT_IP"
        else {"OTP": {"CLIENT_IP": resolver}}
    )
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "CALLBACK_ALLOWED_IPS": ["203.0.113.0/24"],
        **extra,
    }
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    assert post(client, status_url(), [], **proxy).status_code == 403
    outside = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.5, 198.51.100.1"}
    assert post(client, status_url(), [], **outside).status_code == 403
    inside = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.5"}
    assert post(client, status_url(), [], **inside).status_code == 200


def test_parse_networks():
    assert parse_networks(None) is None
    assert [str(n) for n in parse_networks(["203.0.113.7", "10.1.2.3/8"])] == [
        "203.0.113.7/32",
        "10.0.0.0/8",
    ]
    for bad in ("203.0.113.0/24", ["not-an-ip"], 42):
        with pytest.raises(ValueError):
            parse_networks(bad)


# Replies ------------------------------------------------------------------------------------

REPLY = {
    "extend": "",
    "mobile": "13711112222",
    "nationcode": "86",
    "sign": "腾讯云",
    "text": "退订",
    "time": 1457336869,
}


def test_a_reply_is_stored_once_and_signalled_once(client, signals):
    assert post(client, reply_url(), REPLY).json() == OK
    assert post(client, reply_url(), REPLY).json() == OK  # a replayed push
    reply = SmsReply.objects.get()
    assert (str(reply.phone), reply.text, reply.sign) == (PHONE, "退订", "腾讯云")
    assert reply.replied_at == datetime.fromtimestamp(1457336869, timezone.utc)
    assert [r.pk for _, r in signals["replies"]] == [reply.pk]
    assert signals["replies"][0][0] is SmsReply


def test_replies_in_an_array_and_in_api3_shape_are_stored(client):
    cloud = {
        "CountryCode": "86",
        "SubscriberNumber": "13711113333",
        "PhoneNumber": "+8613711113333",
        "SignName": "腾讯云",
        "ReplyContent": "1",
        "ReplyTime": 1620734188,
        "ExtendCode": "11",
    }
    body = [REPLY, {**REPLY, "text": "再见", "time": REPLY["time"] + 5}, cloud, REPLY]
    assert post(client, reply_url(), body).json() == OK
    assert SmsReply.objects.count() == 3
    assert SmsReply.objects.get(text="1").extend == "11"


@pytest.mark.parametrize(
    "bad",
    [
        {"mobile": None},
        {"mobile": "137-1111"},
        {"nationcode": "+8x"},
        {"time": "yesterday"},
        {"time": True},
        {"text": 5},
        {"extend": "1" * 40},
    ],
)
def test_a_malformed_reply_refuses_the_batch(client, signals, bad):
    body = [REPLY, {**REPLY, **bad, "text": bad.get("text", "other")}]
    answer = post(client, reply_url(), body)
    assert answer.status_code == 400
    assert not SmsReply.objects.exists() and signals["replies"] == []


def test_storing_replies_costs_two_queries_and_a_replay_one():
    # Not 退订: an opt-out costs its own queries (tests/account/test_optouts_replies.py).
    replies = parse_replies(
        [{**REPLY, "text": "好的", "time": REPLY["time"] + i} for i in range(30)]
    )
    with CaptureQueriesContext(connection) as queries:
        outcome = store_replies(replies)
    assert outcome.stored == 30
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert (statements.count("SELECT"), statements.count("INSERT")) == (1, 1)
    with CaptureQueriesContext(connection) as queries:
        outcome = store_replies(replies)
    assert (outcome.stored, outcome.duplicates) == (0, 30)
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements.count("SELECT") == 1 and "INSERT" not in statements


def test_a_reply_stored_meanwhile_by_another_process_is_skipped(monkeypatch, signals):
    from django_tencent_sms.reports import apply as reports

    (first,) = parse_replies(REPLY)
    store_replies([first])
    signals["replies"].clear()
    # The duplicate check ran before the other process committed: the bulk insert fails.
    monkeypatch.setattr(reports, "stored_keys", lambda keys: set())
    (second,) = parse_replies({**REPLY, "text": "new"})
    outcome = store_replies([first, second])
    assert (outcome.stored, outcome.duplicates) == (1, 1)
    assert sorted(SmsReply.objects.values_list("text", flat=True)) == ["new", "退订"]
    assert [r.text for _, r in signals["replies"]] == ["new"]


@pytest.mark.parametrize("texts", [("OK", "ok"), ("👍", "👎"), ("café", "cafe")])
def test_replies_that_differ_only_in_case_or_emoji_are_two_replies(texts):
    # On MariaDB the text's collation (utf8mb4_*_ci) is case-, accent- and emoji-blind: the
    # unique constraint compares a hash of the exact text instead.
    outcome = store_replies(parse_replies([{**REPLY, "text": text} for text in texts]))
    assert (outcome.stored, outcome.duplicates) == (2, 0)
    assert sorted(SmsReply.objects.values_list("text", flat=True)) == sorted(texts)
    # Each stored once: pushed again, one by one, neither is stored twice.
    for text in texts:
        again = store_replies(parse_replies({**REPLY, "text": text}))
        assert (again.stored, again.duplicates) == (0, 1)


# Pure parsing -------------------------------------------------------------------------------


def test_api3_pull_entries_keep_a_carrier_code_apart_from_a_description():
    entry = {
        "UserReceiveTime": 1620734188,
        "CountryCode": "86",
        "SubscriberNumber": "15291990000",
        "PhoneNumber": "+8615291990000",
        "SerialNo": "14:19325917feb3914eb78b50d6182d7e452e",
        "ReportStatus": "SUCCESS",
        "Description": "DELIVRD",
        "SessionContext": None,
    }
    parsed = parse_cloud_status_report(entry)
    assert (parsed.code, parsed.description, parsed.delivered) == ("DELIVRD", "", True)
    assert parsed.received_at == datetime.fromtimestamp(1620734188, timezone.utc)
    worded = parse_cloud_status_report({**entry, "Description": "用户短信送达成功"})
    assert (worded.code, worded.description) == ("", "用户短信送达成功")
    with pytest.raises(MalformedReport):
        parse_cloud_status_report({**entry, "ReportStatus": "MAYBE"})


def test_reports_round_trip_through_the_callback_shape():
    original = DeliveryReport(
        "sid", True, "DELIVRD", "ok", china("2026-11-25 10:00:00"), "86", "13711112222"
    )
    (parsed,) = parse_status_reports([original.callback_item()])
    assert parsed == original
    assert original.callback_item()["user_receive_time"] == "2026-11-25 10:00:00"


# System checks ------------------------------------------------------------------------------


def ids(messages):
    return {m.id for m in messages}


def test_w030_when_the_callbacks_are_mounted_without_a_token(settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": ""}
    assert ids(check_callback_urls()) == {"tencent_sms.W030"}
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": TOKEN}
    assert check_callback_urls() == []


def test_no_w030_when_the_callbacks_are_not_mounted(settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": ""}
    with override_settings(ROOT_URLCONF="tests.otp.urls_conf"):
        assert check_callback_urls() == []


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"CALLBACK_TOKEN": "short"}, "tencent_sms.E030"),
        ({"CALLBACK_TOKEN": "has/a/slash/in/it/0123456"}, "tencent_sms.E030"),
        ({"CALLBACK_TOKEN": 1234567890123456789}, "tencent_sms.E030"),
        ({"CALLBACK_ALLOWED_IPS": "203.0.113.0/24"}, "tencent_sms.E031"),
        ({"CALLBACK_ALLOWED_IPS": ["203.0.113.0/33"]}, "tencent_sms.E031"),
        ({"CALLBACK_CLIENT_IP": "nowhere.client_ip"}, "tencent_sms.E032"),
        ({"CALLBACK_CLIENT_IP": "django_tencent_sms.conf.DEFAULTS"}, "tencent_sms.E032"),
    ],
)
def test_callback_settings_checks(settings, override, expected):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, **override}
    assert expected in ids(check_settings())


def test_good_callback_settings_pass(settings):
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "CALLBACK_ALLOWED_IPS": ["203.0.113.0/24"],
        "CALLBACK_CLIENT_IP": "tests.reports.test_callbacks.forwarded_for",
    }
    assert not {i for i in ids(check_settings()) if i.startswith("tencent_sms.E03")}


# The admin ----------------------------------------------------------------------------------


def test_the_log_page_shows_the_delivery_report_and_the_time_to_deliver(client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    log = make_log("sid-1")
    post(client, status_url(), [report("sid-1", errmsg="DELIVRD")])
    page = client.get(reverse("admin:tencent_sms_smslog_change", args=[log.pk]))
    text = page.content.decode()
    assert "Delivery report" in text and "<code>DELIVRD</code> 用户短信送达成功" in text
    # Created 00:02:58 UTC, received 00:03:04 UTC.
    assert "6 s" in text
    listing = client.get(reverse("admin:tencent_sms_smslog_changelist")).content.decode()
    assert "reached the phone in 6 s" in listing


def test_an_undelivered_log_page_says_when_the_carrier_gave_up(client):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    log = make_log("sid-1")
    post(client, status_url(), [report("sid-1", "FAIL")])
    text = client.get(reverse("admin:tencent_sms_smslog_change", args=[log.pk])).content.decode()
    assert "Not received: the carrier reported the failure at" in text


def test_format_elapsed():
    from django_tencent_sms.admin.display import format_elapsed

    cases = {
        timedelta(seconds=-3): "< 1 s",
        timedelta(milliseconds=400): "< 1 s",
        timedelta(seconds=45): "45 s",
        timedelta(minutes=3, seconds=5): "3 min 5 s",
        timedelta(hours=2, minutes=10, seconds=9): "2 h 10 min",
        timedelta(days=3, hours=4, minutes=1): "3 d 4 h",
    }
    assert {delta: format_elapsed(delta) for delta in cases} == cases


def test_the_reply_admin_masks_numbers_unless_allowed(client):
    store_replies(parse_replies(REPLY))
    reply = SmsReply.objects.get()
    viewer = staff("viewer", "tencent_sms.view_smsreply")
    client.force_login(viewer)
    listing = client.get(reverse("admin:tencent_sms_smsreply_changelist")).content.decode()
    assert "+86 137 **** 2222" in listing and PHONE not in listing and "退订" in listing
    detail = client.get(reverse("admin:tencent_sms_smsreply_change", args=[reply.pk]))
    assert PHONE not in detail.content.decode()
    assert "+86 137 **** 2222" in detail.content.decode()
    assert client.get(reverse("admin:tencent_sms_smsreply_add")).status_code == 403
    client.force_login(staff("full", "tencent_sms.view_smsreply", "tencent_sms.view_full_phone"))
    detail = client.get(reverse("admin:tencent_sms_smsreply_change", args=[reply.pk]))
    assert "+86 137 1111 2222" in detail.content.decode()


def test_the_reply_admin_searches_by_phone_in_any_format(client):
    store_replies(parse_replies([REPLY, {**REPLY, "mobile": "13899990000", "text": "other"}]))
    client.force_login(staff("viewer", "tencent_sms.view_smsreply", "tencent_sms.view_full_phone"))
    url = reverse("admin:tencent_sms_smsreply_changelist")
    found = client.get(url, {"q": "137 1111 2222"}).content.decode()
    assert "退订" in found and "other" not in found
    # Neither a number nor a fragment for those who may not see whole numbers.
    client.force_login(staff("masked", "tencent_sms.view_smsreply"))
    assert "退订" not in client.get(url, {"q": "137 1111 2222"}).content.decode()
    assert "退订" not in client.get(url, {"q": "2222"}).content.decode()
    client.force_login(staff("full", "tencent_sms.view_smsreply", "tencent_sms.view_full_phone"))
    assert "退订" in client.get(url, {"q": "2222"}).content.decode()
    # Lookups other than the filters' are not accepted in the URL.
    probe = client.get(url, {"phone__startswith": "+86137"})
    assert probe.status_code in (302, 400) or "退订" not in probe.content.decode()


def test_the_reply_changelist_costs_the_same_queries_at_any_size(client):
    client.force_login(staff("viewer", "tencent_sms.view_smsreply"))
    url = reverse("admin:tencent_sms_smsreply_changelist")
    store_replies(parse_replies([{**REPLY, "time": REPLY["time"] + i} for i in range(2)]))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    store_replies(parse_replies([{**REPLY, "time": REPLY["time"] + i} for i in range(2, 40)]))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
