"""``manage.py tencent_sms_pull_status`` against the emulator, for both API generations, and the
pure request builders and answer parsers behind it."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_tencent_sms import send_sms
from django_tencent_sms.backends import get_backend
from django_tencent_sms.exceptions import HTTPStatusError, InvalidResponse, TencentSmsError
from django_tencent_sms.models import SmsLog, SmsReply, SmsTemplate
from django_tencent_sms.protocol import v5
from django_tencent_sms.protocol.reports import DeliveryReport, IncomingReply
from django_tencent_sms.protocol.tc3 import pull as tc3_pull
from django_tencent_sms.protocol.tc3.action import parse_endpoint

pytestmark = pytest.mark.django_db

PHONES = [f"+86137111122{i:02d}" for i in range(12)]

# Reference §3: the pull/template/sign/statistics form of the signature.
REF_KEY = "5f03a35d00ee52a21327ab048186a2c4"
REF_RANDOM = "7226249334"
REF_TIME = 1457336869
REF_NO_MOBILE_SIG = "c13e54f047ed75e821e698730c72d030dc30e5b510b3f8a0fb6fb7605283d7df"


@pytest.fixture
def sandbox(sandbox):
    """The shared ``sandbox`` (the legacy API, then API 3.0), knowing the "note" template."""
    SmsTemplate.objects.create(name="note", tpl_id=7, text="Order {1} shipped")
    return sandbox


def pull(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("tencent_sms_pull_status", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def pulls(sandbox, kind: int = 0) -> list:
    """The pull requests the emulator received for ``kind`` (0 reports, 1 replies)."""
    found = []
    for request in sandbox.requests:
        if request.endpoint == "pullstatus" and request.json.get("type") == kind:
            found.append(request)
        action = {0: "PullSmsSendStatus", 1: "PullSmsReplyStatus"}[kind]
        if request.endpoint == action:
            found.append(request)
    return found


def send(count: int) -> list[SmsLog]:
    return [send_sms(PHONES[i], "note", [f"A{i}"]) for i in range(count)]


def test_pulled_reports_mark_the_logs_delivered(sandbox):
    logs = send(3)
    out, err = pull("--kind", "reports")
    assert "Reports: 3 fetched in 1 request(s), 3 applied, 0 unchanged, 0 for unknown sids." in out
    assert err == ""
    for log in logs:
        log.refresh_from_db()
        assert log.status == SmsLog.Status.DELIVERED
        assert log.report_code == "DELIVRD"
        # The emulator dates reports by its clock, to the second.
        assert abs((log.delivered_at - log.created_at).total_seconds()) < 5
    # Each report is handed out once: the next run finds nothing.
    out, _ = pull("--kind", "reports")
    assert "Reports: 0 fetched in 1 request(s)" in out


def test_undelivered_reports_too(sandbox):
    sandbox.report_success = 0.5
    logs = send(4)
    pull("--kind", "reports")
    statuses = [SmsLog.objects.get(pk=log.pk).status for log in logs]
    assert statuses == ["delivered", "undelivered", "delivered", "undelivered"]
    assert SmsLog.objects.get(pk=logs[1].pk).report_code == "UNDELIV"


@pytest.mark.parametrize(("count", "requests"), [(5, 3), (4, 3), (1, 1), (0, 1)])
def test_pulling_goes_on_while_full_pages_come_back(sandbox, count, requests):
    send(count)
    out, _ = pull("--kind", "reports", "--max", "2")
    made = pulls(sandbox)
    assert len(made) == requests
    limits = {r.json.get("max", r.json.get("Limit")) for r in made}
    assert limits == {2}
    assert f"Reports: {count} fetched in {requests} request(s), {count} applied" in out
    assert SmsLog.objects.filter(status="delivered").count() == count


def test_the_number_of_requests_is_bounded(sandbox):
    send(5)
    out, err = pull("--kind", "reports", "--max", "2", "--max-calls", "2")
    assert len(pulls(sandbox)) == 2
    assert "Reports: 4 fetched in 2 request(s)" in out
    assert "Stopped after 2 requests (--max-calls)" in err
    assert SmsLog.objects.filter(status="delivered").count() == 4
    out, err = pull("--kind", "reports", "--max", "2", "--max-calls", "2")
    assert "Reports: 1 fetched in 1 request(s)" in out and err == ""
    assert SmsLog.objects.filter(status="delivered").count() == 5


def test_pulled_replies_are_stored_once(sandbox):
    sandbox.reply("+8613711112200", "退订")
    sandbox.reply("13711112201", "好的", sign="其他签名", extend="12")
    out, _ = pull("--kind", "replies")
    assert "Replies: 2 fetched in 1 request(s), 2 stored, 0 already stored." in out
    stored = {str(r.phone): (r.text, r.sign, r.extend) for r in SmsReply.objects.all()}
    assert stored == {
        "+8613711112200": ("退订", "腾讯云", ""),
        "+8613711112201": ("好的", "其他签名", "12"),
    }
    out, _ = pull("--kind", "replies")
    assert "Replies: 0 fetched" in out and SmsReply.objects.count() == 2


def test_both_kinds_by_default(sandbox):
    send(2)
    sandbox.reply(PHONES[0], "ok")
    out, _ = pull()
    assert "Reports: 2 fetched" in out and "Replies: 1 fetched" in out
    assert len(pulls(sandbox, 0)) == 1 and len(pulls(sandbox, 1)) == 1


def test_a_report_a_callback_already_applied_changes_nothing(sandbox):
    (log,) = send(1)
    report = sandbox.pending_reports[0]
    from django_tencent_sms.reports.apply import apply_delivery_reports

    apply_delivery_reports([report])
    log.refresh_from_db()
    before = (log.status, log.reported_at)
    out, _ = pull("--kind", "reports")
    assert "1 fetched in 1 request(s), 0 applied, 1 unchanged" in out
    log.refresh_from_db()
    assert (log.status, log.reported_at) == before


def test_a_refused_pull_stops_the_command_with_tencents_reason(sandbox):
    send(1)
    sandbox.fail_next("result", result=1011)
    with pytest.raises(CommandError, match="Pulling reports failed: Tencent SMS error"):
        pull("--kind", "reports")
    assert SmsLog.objects.get().status == "sent"


def test_a_transport_failure_stops_the_command(sandbox):
    sandbox.fail_next("http_error", status=502)
    with pytest.raises(CommandError, match="HTTP 502"):
        pull("--kind", "replies")


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_max_is_1_to_100(sms_sandbox, limit):
    with pytest.raises(CommandError, match="from 1 to 100"):
        pull("--max", limit)


def test_a_backend_that_cannot_pull_is_refused_clearly(settings):
    settings.TENCENT_SMS = {"BACKEND": "django_tencent_sms.backends.locmem.LocmemBackend"}
    with pytest.raises(CommandError, match=r"cannot pull from Tencent.*Nothing was fetched"):
        pull()
    with pytest.raises(NotImplementedError):
        get_backend().pull_reports()


def test_pulling_100_reports_costs_the_same_queries_as_pulling_3(sandbox):
    send(3)
    with CaptureQueriesContext(connection) as few:
        pull("--kind", "reports")
    SmsLog.objects.all().delete()
    sandbox.reset()
    logs = [SmsLog(phone=PHONES[0], tpl_id=7, status="sent", sid=f"sid-{i}") for i in range(100)]
    SmsLog.objects.bulk_create(logs)
    for log in logs:
        sandbox.state.reports.message_accepted(_message(log.sid))
    with CaptureQueriesContext(connection) as many:
        out, _ = pull("--kind", "reports", "--max", "100")
    assert "Reports: 100 fetched in 2 request(s), 100 applied" in out
    # Two pulls (100, then 0), each one SELECT and at most one UPDATE; then the reconciliation's
    # one SELECT for unknown logs (none here, so Tencent is not asked).
    # The dashboard rollup's locked read of the updated rows adds a SELECT (two on SQLite, which
    # has no row locks) to the pull that applied reports.
    selects = [q for q in many.captured_queries if q["sql"].upper().startswith("SELECT")]
    assert len(selects) == (4 if connection.vendor == "sqlite" else 3)
    assert len(many.captured_queries) <= len(few.captured_queries) + 2


def _message(sid: str):
    from django_tencent_sms.sandbox import SandboxMessage

    return SandboxMessage(sid=sid, nationcode="86", mobile="13711112200", tpl_id=7)


# The pure builders and parsers --------------------------------------------------------------


def test_pullstatus_is_signed_without_a_number():
    request = v5.build_pullstatus(
        v5.PULL_REPORTS,
        limit=100,
        api_url="https://yun.tim.qq.com/v5/tlssmssvr",
        sdk_app_id="1400006666",
        app_key=REF_KEY,
        random=REF_RANDOM,
        now=REF_TIME,
    )
    assert request.url == (
        "https://yun.tim.qq.com/v5/tlssmssvr/pullstatus?sdkappid=1400006666&random=7226249334"
    )
    assert json.loads(request.body) == {
        "sig": REF_NO_MOBILE_SIG,
        "time": REF_TIME,
        "type": 0,
        "max": 100,
    }


@pytest.mark.parametrize(("kind", "limit"), [(2, 10), (0, 0), (1, 101), (0, True)])
def test_pullstatus_refuses_what_tencent_would(kind, limit):
    with pytest.raises(ValueError):
        v5.build_pullstatus(
            kind, limit=limit, api_url="u", sdk_app_id="1", app_key="k", random="1", now=1
        )


def test_pullstatus_answers_parse_into_reports_and_replies():
    answer = {
        "result": 0,
        "errmsg": "OK",
        "count": 3,
        "data": [
            {
                "user_receive_time": "2015-10-17 08:03:04",
                "nationcode": "86",
                "mobile": "13711112222",
                "report_status": "SUCCESS",
                "errmsg": "DELIVRD",
                "description": "用户短信送达成功",
                "sid": "sid-1",
            },
            {"sid": "sid-2", "report_status": "WHO KNOWS"},
            {"sid": "sid-3", "report_status": "FAIL"},
        ],
    }
    batch = v5.parse_pullstatus_response(200, json.dumps(answer).encode(), v5.PULL_REPORTS)
    assert [r.sid for r in batch.items] == ["sid-1", "sid-3"]
    assert batch.items[0].received_at == datetime(2015, 10, 17, 0, 3, 4, tzinfo=timezone.utc)
    assert len(batch.rejected) == 1 and "item 1" in batch.rejected[0]
    assert batch.fetched == 3
    replies = {
        "result": 0,
        "errmsg": "OK",
        "count": 1,
        "data": [{"nationcode": "86", "mobile": "13711112222", "text": "hi", "time": 1}],
    }
    batch = v5.parse_pullstatus_response(200, json.dumps(replies).encode(), v5.PULL_REPLIES)
    assert isinstance(batch.items[0], IncomingReply) and batch.items[0].phone == "+8613711112222"
    empty = v5.parse_pullstatus_response(200, b'{"result":0,"errmsg":"OK","data":null}', 0)
    assert empty.items == () and empty.fetched == 0


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (502, b"bad gateway", HTTPStatusError),
        (200, b"<html>", InvalidResponse),
        (200, b'{"errmsg": "no result"}', InvalidResponse),
        (200, b'{"result": 0, "data": {}}', InvalidResponse),
        (200, b'{"result": 1001, "errmsg": "sig error"}', TencentSmsError),
    ],
)
def test_pullstatus_answers_that_are_not_a_batch_raise(status, body, error):
    with pytest.raises(error):
        v5.parse_pullstatus_response(status, body, v5.PULL_REPORTS)


def test_the_api3_pull_requests_are_signed_actions():
    endpoint = parse_endpoint("sms.tencentcloudapi.com")
    common = {
        "sdk_app_id": "1400006666",
        "secret_id": "AKIDEXAMPLE",
        "secret_key": "SECRETKEYEXAMPLE",
        "region": "ap-guangzhou",
        "endpoint": endpoint,
        "now": 1700000000,
    }
    status = tc3_pull.build_pull_send_status(limit=50, **common)
    assert status.headers["X-TC-Action"] == "PullSmsSendStatus"
    assert json.loads(status.body) == {"Limit": 50, "SmsSdkAppId": "1400006666"}
    assert status.headers["Authorization"].startswith(
        "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/sms/tc3_request"
    )
    reply = tc3_pull.build_pull_reply_status(**common)
    assert reply.headers["X-TC-Action"] == "PullSmsReplyStatus"
    assert json.loads(reply.body)["Limit"] == 100
    with pytest.raises(ValueError):
        tc3_pull.build_pull_send_status(limit=101, **common)


def test_api3_pull_answers_parse():
    answer = {
        "Response": {
            "PullSmsSendStatusSet": [
                {
                    "UserReceiveTime": 1620734188,
                    "CountryCode": "86",
                    "SubscriberNumber": "15291990000",
                    "PhoneNumber": "+8615291990000",
                    "SerialNo": "14:19325917feb3914eb78b50d6182d7e452e",
                    "ReportStatus": "SUCCESS",
                    "Description": "DELIVRD",
                    "SessionContext": "",
                },
                {"SerialNo": "x"},
            ],
            "RequestId": "8979fc1e",
        }
    }
    batch = tc3_pull.parse_pull_send_status_response(200, json.dumps(answer).encode())
    (report,) = batch.items
    assert isinstance(report, DeliveryReport) and report.code == "DELIVRD"
    assert len(batch.rejected) == 1
    error = {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "no"}}}
    with pytest.raises(TencentSmsError):
        tc3_pull.parse_pull_reply_status_response(200, json.dumps(error).encode())
    replies = {
        "Response": {
            "PullSmsReplyStatusSet": [
                {
                    "CountryCode": "86",
                    "ReplyContent": "1",
                    "SubscriberNumber": "18501234444",
                    "ExtendCode": "11",
                    "ReplyTime": 1620734188,
                    "PhoneNumber": "+8618501234444",
                    "SignName": "腾讯云",
                }
            ],
            "RequestId": "a0aabda6",
        }
    }
    (reply,) = tc3_pull.parse_pull_reply_status_response(200, json.dumps(replies).encode()).items
    assert (reply.phone, reply.text, reply.extend) == ("+8618501234444", "1", "11")
