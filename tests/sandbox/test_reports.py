"""The emulator's delivery reports and replies: pushed to a live site's callbacks, or pulled.

The end-to-end tests run the site in pytest-django's ``live_server`` and let the emulator's
thread push to it; they wait for the outcome with ``tests.waiting.wait_until`` (polling for what
another thread does, never sleeping for time to pass).
"""

from __future__ import annotations

import json
import socket
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse

from django_tencent_sms import send_sms
from django_tencent_sms.models import SmsLog, SmsReply, SmsTemplate
from django_tencent_sms.protocol.reports import DeliveryReport
from django_tencent_sms.sandbox import Sandbox, SandboxMessage
from django_tencent_sms.sandbox.reports import ReportCenter
from tests.waiting import wait_until

TOKEN = "sandbox-callback-token-0123456789"
PHONE = "+8613711112222"


def message(sid: str = "sid-1") -> SandboxMessage:
    return SandboxMessage(sid=sid, nationcode="86", mobile="13711112222", tpl_id=7)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def site(live_server, settings, transactional_db):
    """The live site with its callbacks open; returns their URLs."""
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": TOKEN}
    return {
        kind: live_server.url + reverse(f"tencent_sms_callbacks:{kind}", kwargs={"token": TOKEN})
        for kind in ("status", "reply")
    }


@pytest.fixture
def sandbox(site, sandbox):
    """The shared ``sandbox`` (both API generations), knowing the "note" template."""
    SmsTemplate.objects.create(name="note", tpl_id=7, text="Order {1} shipped")
    return sandbox


# End to end: the emulator pushes to the live site ------------------------------------------


# The callback URL is set once send_sms has recorded the sid: with no delay, a push could
# otherwise reach the site before the log has its sid (Tencent's take seconds; see the README).


def test_a_pushed_report_marks_the_log_delivered(sandbox, site):
    log = send_sms(PHONE, "note", ["A1"])
    sandbox.callback_url = site["status"]
    assert wait_until(lambda: SmsLog.objects.get(pk=log.pk).status == "delivered")
    log.refresh_from_db()
    assert log.report_code == "DELIVRD" and log.delivered_at is not None
    assert wait_until(lambda: sandbox.pushes)
    (push,) = sandbox.pushes
    assert push.ok and push.status == 200 and push.kind == "status"
    assert push.body[0]["sid"] == log.sid and push.body[0]["report_status"] == "SUCCESS"
    assert sandbox.pending_reports == []


def test_pushed_failures_mark_logs_undelivered(sandbox, site):
    sandbox.report_success = 0
    log = send_sms(PHONE, "note", ["A1"])
    sandbox.callback_url = site["status"]
    assert wait_until(lambda: SmsLog.objects.get(pk=log.pk).status == "undelivered")
    assert SmsLog.objects.get(pk=log.pk).report_code == "UNDELIV"


def test_several_reports_go_in_one_push(sandbox, site):
    logs = [send_sms(f"+86137111122{i:02d}", "note", [f"A{i}"]) for i in range(3)]
    sandbox.callback_url = site["status"]
    assert wait_until(lambda: SmsLog.objects.filter(status="delivered").count() == 3)
    assert wait_until(lambda: sandbox.pushes)  # recorded once the site has answered
    (push,) = sandbox.pushes
    assert sorted(item["sid"] for item in push.body) == sorted(log.sid for log in logs)


def test_a_pushed_reply_is_stored(sandbox, site):
    sandbox.reply_callback_url = site["reply"]
    answer = requests.post(
        sandbox.cloud_endpoint + "/_sandbox/reply",
        json={"phone": PHONE, "text": "退订", "extend": "5"},
        timeout=5,
    ).json()
    assert answer["ok"] and answer["pushed_to"] == site["reply"]
    assert wait_until(lambda: SmsReply.objects.exists())
    reply = SmsReply.objects.get()
    stored = (str(reply.phone), reply.text, reply.sign, reply.extend)
    assert stored == (PHONE, "退订", "腾讯云", "5")
    assert wait_until(lambda: sandbox.pushes and sandbox.pushes[0].ok)


def test_a_push_the_site_refuses_leaves_the_report_for_a_pull(sandbox, site):
    log = send_sms(PHONE, "note", ["A1"])
    sandbox.callback_url = site["status"].replace(TOKEN, "wrong-token-0123456789")
    assert wait_until(lambda: sandbox.pushes)
    (push,) = sandbox.pushes
    assert (push.ok, push.status) == (False, 403)
    assert [r.sid for r in sandbox.pending_reports] == [log.sid]
    assert SmsLog.objects.get(pk=log.pk).status == "sent"
    # Not pushed again; the pull gets it.
    call_command("tencent_sms_pull_status", "--kind", "reports", stdout=StringIO())
    assert SmsLog.objects.get(pk=log.pk).status == "delivered"
    assert len(sandbox.pushes) == 1


# The emulator on its own --------------------------------------------------------------------


def test_a_report_is_held_back_for_its_delay():
    center = ReportCenter(clock=lambda: 1_700_000_000.0, delay=3600)
    report = center.message_accepted(message())
    assert center.take_reports(100) == []  # not due: not handed out
    assert center.pending_reports == [report]
    assert report.received_at.timestamp() == 1_700_003_600


def test_a_shorter_delay_lets_a_later_report_out_first():
    center = ReportCenter(clock=lambda: 0.0, delay=3600)
    center.message_accepted(message("slow"))
    center.configure(delay=0)
    center.message_accepted(message("quick"))
    assert [r.sid for r in center.take_reports(100)] == ["quick"]
    assert [r.sid for r in center.pending_reports] == ["slow"]


def test_the_success_ratio_is_applied_in_turn():
    center = ReportCenter(clock=lambda: 0.0, success=0.75)
    outcomes = [center.message_accepted(message(str(i))).delivered for i in range(8)]
    assert outcomes == [True, True, True, False] * 2
    center.reset()
    center.configure(success=0.0)
    assert not center.message_accepted(message()).delivered


def test_reports_are_handed_out_once_in_order_up_to_the_limit():
    center = ReportCenter(clock=lambda: 0.0)
    for i in range(5):
        center.message_accepted(message(f"sid-{i}"))
    assert [r.sid for r in center.take_reports(3)] == ["sid-0", "sid-1", "sid-2"]
    assert [r.sid for r in center.take_reports(3)] == ["sid-3", "sid-4"]
    assert center.take_reports(3) == []


@pytest.mark.parametrize(
    "change",
    [
        {"callback_url": "ftp://example.com/"},
        {"callback_url": "not a url"},
        {"delay": -1},
        {"delay": "1"},
        {"success": 1.5},
        {"success": True},
    ],
)
def test_report_settings_are_checked(change):
    center = ReportCenter(clock=lambda: 0.0)
    with pytest.raises(ValueError):
        center.configure(**change)
    with pytest.raises(TypeError):
        center.configure(colour="blue")


def test_a_push_to_nowhere_is_recorded_and_the_report_kept_for_a_pull():
    port = free_port()  # nothing listens there
    with Sandbox(callback_url=f"http://127.0.0.1:{port}/status/") as sandbox:
        report = sandbox.state.reports.message_accepted(message())
        assert wait_until(lambda: sandbox.pushes)
        (push,) = sandbox.pushes
        assert push.status is None and not push.ok and "Error" in push.answer
        assert sandbox.pending_reports == [report]
        answer = requests.get(sandbox.cloud_endpoint + "/_sandbox/reports", timeout=5).json()
        assert answer["reports"][0]["sid"] == "sid-1"
        assert answer["pushes"][0]["ok"] is False


def pullstatus(sandbox, kind: int, limit: int, **changes) -> dict:
    from django_tencent_sms.protocol import v5

    request = v5.build_pullstatus(
        kind,
        limit=limit,
        api_url=sandbox.url,
        sdk_app_id="1400000000",
        app_key="sandbox-app-key",
        random="1234567890",
        now=int(sandbox.clock()),
    )
    body = {**json.loads(request.body), **changes}
    return requests.post(request.url, json=body, timeout=5).json()


def test_pullstatus_serves_reports_and_replies_once():
    with Sandbox() as sandbox:
        for i in range(3):
            sandbox.state.reports.message_accepted(message(f"sid-{i}"))
        sandbox.reply(PHONE, "hi")
        answer = pullstatus(sandbox, 0, 2)
        assert (answer["result"], answer["count"]) == (0, 2)
        assert [item["sid"] for item in answer["data"]] == ["sid-0", "sid-1"]
        assert set(answer["data"][0]) == {
            "user_receive_time",
            "nationcode",
            "mobile",
            "report_status",
            "errmsg",
            "description",
            "sid",
        }
        assert pullstatus(sandbox, 0, 2)["count"] == 1
        (reply,) = pullstatus(sandbox, 1, 100)["data"]
        assert (reply["mobile"], reply["nationcode"], reply["text"]) == ("13711112222", "86", "hi")
        assert pullstatus(sandbox, 1, 100) == {"result": 0, "errmsg": "OK", "count": 0, "data": []}


@pytest.mark.parametrize(
    ("changes", "result"),
    [
        ({"max": 101}, 1004),
        ({"max": 0}, 1004),
        ({"type": 2}, 1004),
        ({"sig": ""}, 1003),
        ({"sig": "0" * 64}, 1001),
        ({"time": 1}, 1021),
    ],
)
def test_pullstatus_refuses_what_tencent_would(changes, result):
    with Sandbox() as sandbox:
        sandbox.state.reports.message_accepted(message())
        assert pullstatus(sandbox, 0, 10, **changes)["result"] == result
        assert len(sandbox.pending_reports) == 1  # nothing handed out


def test_reply_control_endpoint_checks_its_body():
    with Sandbox() as sandbox:
        url = sandbox.cloud_endpoint + "/_sandbox/reply"
        for body in (
            {"phone": "nope", "text": "x"},
            {"phone": PHONE},
            {"phone": PHONE, "text": "x", "x": 1},
            {"phone": PHONE, "text": "x", "sign": 5},
        ):
            assert requests.post(url, json=body, timeout=5).status_code == 400
        assert requests.get(url, timeout=5).status_code == 405
        assert sandbox.pending_replies == []


def test_reset_forgets_reports_replies_and_pushes_but_keeps_the_settings():
    with Sandbox(report_delay=5, report_success=0.5) as sandbox:
        sandbox.state.reports.message_accepted(message())
        sandbox.reply(PHONE, "x")
        sandbox.reset()
        assert sandbox.pending_reports == [] and sandbox.pending_replies == []
        assert (sandbox.report_delay, sandbox.report_success) == (5, 0.5)


def test_reports_round_trip_through_both_pull_shapes():
    center = ReportCenter(clock=lambda: 1_700_000_000.0)
    report = center.message_accepted(message())
    assert isinstance(report, DeliveryReport)
    from django_tencent_sms.protocol.callbacks import parse_status_report
    from django_tencent_sms.protocol.tc3.pull import parse_cloud_status_report

    assert parse_status_report(report.callback_item()) == report
    cloud = parse_cloud_status_report(report.cloud_item())
    assert (cloud.sid, cloud.code, cloud.received_at) == (report.sid, "DELIVRD", report.received_at)
