"""The emulator's per-number lookups, raw over HTTP: Tencent's shapes, window, limits and error
answers, for ``pullstatus4mobile`` and API 3.0's ``PullSms…StatusByPhoneNumber``; and the
``lost_answer`` fault, which takes a send and never answers it."""

from __future__ import annotations

import json

import pytest
import requests

from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.protocol.tc3.action import build_action_request, parse_endpoint
from django_tencent_sms.protocol.tc3.by_number import build_pull_by_number
from django_tencent_sms.protocol.v5_by_number import build_pullstatus4mobile
from django_tencent_sms.sandbox.accounts import DEVELOPMENT_SECRET_ID, DEVELOPMENT_SECRET_KEY
from tests.sandbox.helpers import (
    APP_ID,
    SEED_KEY,
    SEED_MOBILE,
    SEED_RANDOM,
    make_body,
    post,
    seed_sandbox_fixtures,
    send,
)

clock, sandbox = seed_sandbox_fixtures()

DAY = 24 * 3600
PHONE = f"+86{SEED_MOBILE}"


def lookup_v5(sb, kind=0, **overrides):
    now = int(sb.clock())
    body = json.loads(
        build_pullstatus4mobile(
            kind,
            nationcode="86",
            mobile=SEED_MOBILE,
            begin=now - 3600,
            end=now,
            limit=100,
            api_url=sb.url,
            sdk_app_id=APP_ID,
            app_key=SEED_KEY,
            random=SEED_RANDOM,
            now=now,
        ).body
    )
    body.update(overrides)
    return send(sb, body, endpoint="pullstatus4mobile")


def lookup_cloud(sb, action="PullSmsSendStatusByPhoneNumber", **overrides):
    now = int(sb.clock())
    fields = {
        "BeginTime": now - 3600,
        "EndTime": now,
        "Offset": 0,
        "Limit": 100,
        "PhoneNumber": PHONE,
        "SmsSdkAppId": APP_ID,
        **overrides,
    }
    fields = {k: v for k, v in fields.items() if v is not None}
    request = build_action_request(
        action,
        fields,
        secret_id=DEVELOPMENT_SECRET_ID,
        secret_key=DEVELOPMENT_SECRET_KEY,
        region="ap-guangzhou",
        endpoint=parse_endpoint(sb.cloud_endpoint),
        now=now,
    )
    answer = requests.post(request.url, data=request.body, headers=request.headers, timeout=5)
    assert answer.status_code == 200
    return answer.json()["Response"]


def test_pullstatus4mobile_answers_the_numbers_reports_in_the_callback_shape(sandbox, clock):
    sid = send(sandbox, make_body(sandbox))["sid"]
    send(sandbox, make_body(sandbox, mobile="13711113333"))
    answer = lookup_v5(sandbox)
    assert answer["result"] == 0 and answer["count"] == 1
    (item,) = answer["data"]
    assert set(item) == {
        "user_receive_time",
        "nationcode",
        "mobile",
        "report_status",
        "errmsg",
        "description",
        "sid",
    }
    assert (item["sid"], item["mobile"], item["report_status"]) == (sid, SEED_MOBILE, "SUCCESS")
    assert lookup_v5(sandbox)["count"] == 1  # a lookup: asked again, answered again


def test_pullstatus4mobile_type_1_answers_replies(sandbox):
    sandbox.reply(PHONE, "退订")
    (item,) = lookup_v5(sandbox, kind=1)["data"]
    assert item["text"] == "退订" and item["mobile"] == SEED_MOBILE


@pytest.mark.parametrize(
    ("overrides", "result"),
    [
        ({"max": 101}, 1004),
        ({"max": 0}, 1004),
        ({"type": 2}, 1004),
        ({"begin_time": "yesterday"}, 1004),
        ({"sig": "0" * 64}, 1001),
        ({"sig": ""}, 1003),
        ({"mobile": "12"}, 1016),
        ({"mobile": 13788888888}, 1004),
    ],
)
def test_pullstatus4mobile_refusals(sandbox, overrides, result):
    assert lookup_v5(sandbox, **overrides)["result"] == result


def test_pullstatus4mobile_window_rules(sandbox):
    now = int(sandbox.clock())
    assert lookup_v5(sandbox, begin_time=now, end_time=now - 1)["result"] == 1004
    assert lookup_v5(sandbox, begin_time=now - 8 * DAY)["result"] == 1004
    assert lookup_v5(sandbox, begin_time=now - 6 * DAY)["result"] == 0


def test_cloud_lookup_answers_pull_shapes(sandbox):
    sid = send(sandbox, make_body(sandbox))["sid"]
    sandbox.reply(PHONE, "好的")
    (report,) = lookup_cloud(sandbox)["PullSmsSendStatusSet"]
    assert set(report) == {
        "UserReceiveTime",
        "CountryCode",
        "SubscriberNumber",
        "PhoneNumber",
        "SerialNo",
        "ReportStatus",
        "Description",
        "SessionContext",
    }
    assert (report["SerialNo"], report["PhoneNumber"]) == (sid, PHONE)
    assert isinstance(report["UserReceiveTime"], int)
    (reply,) = lookup_cloud(sandbox, "PullSmsReplyStatusByPhoneNumber")["PullSmsReplyStatusSet"]
    assert reply["ReplyContent"] == "好的" and isinstance(reply["ReplyTime"], int)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"Limit": 101}, "InvalidParameterValue.LimitVerifyFail"),
        ({"Limit": "100"}, "InvalidParameterValue.LimitVerifyFail"),
        ({"Offset": 1}, "InvalidParameterValue.OffsetVerifyFail"),
        ({"PhoneNumber": SEED_MOBILE}, "InvalidParameterValue.IncorrectPhoneNumber"),
        ({"SmsSdkAppId": "1400000001"}, "InvalidParameterValue.SdkAppIdNotExist"),
        ({"EndTime": "now"}, "InvalidParameterValue.EndTimeVerifyFail"),
        ({"Limit": None}, "MissingParameter"),
        ({"Extra": 1}, "UnknownParameter"),
    ],
)
def test_cloud_lookup_refusals(sandbox, overrides, code):
    assert lookup_cloud(sandbox, **overrides)["Error"]["Code"] == code


def test_cloud_lookup_window_rules(sandbox):
    now = int(sandbox.clock())
    old = lookup_cloud(sandbox, BeginTime=now - 8 * DAY)
    assert old["Error"]["Code"] == "InvalidParameterValue.BeginTimeVerifyFail"
    reversed_window = lookup_cloud(sandbox, BeginTime=now, EndTime=now - 10)
    assert reversed_window["Error"]["Code"] == "InvalidParameterValue.InvalidStartTime"
    assert "PullSmsSendStatusSet" in lookup_cloud(sandbox, EndTime=None)


def test_a_report_is_listed_only_once_the_phone_has_it(sandbox, clock):
    sandbox.report_delay = 60
    send(sandbox, make_body(sandbox))
    assert lookup_v5(sandbox)["count"] == 0
    clock.advance(61)
    assert lookup_v5(sandbox, end_time=int(clock()))["count"] == 1


def test_lost_answer_takes_the_send_and_never_answers(sandbox):
    sandbox.fail_next("lost_answer", delay=1)
    with pytest.raises(requests.RequestException):
        post(sandbox, make_body(sandbox), timeout=0.3)
    (message,) = sandbox.messages
    assert sandbox.pending_reports[0].sid == message.sid
    assert lookup_v5(sandbox)["data"][0]["sid"] == message.sid


def test_the_signature_covers_no_number():
    """Reference §3: pullstatus4mobile signs the no-mobile form, although its body names one."""
    request = build_pullstatus4mobile(
        0,
        nationcode="86",
        mobile="13788888888",
        begin=1457336000,
        end=1457336869,
        limit=10,
        api_url="https://yun.tim.qq.com/v5/tlssmssvr",
        sdk_app_id=APP_ID,
        app_key="5f03a35d00ee52a21327ab048186a2c4",
        random="7226249334",
        now=1457336869,
    )
    body = json.loads(request.body)
    assert body["sig"] == "c13e54f047ed75e821e698730c72d030dc30e5b510b3f8a0fb6fb7605283d7df"
    assert body["sig"] == v5_signature(SEED_KEY, SEED_RANDOM, 1457336869)
    assert request.url.endswith(f"/pullstatus4mobile?sdkappid={APP_ID}&random=7226249334")
    assert (body["mobile"], body["nationcode"], body["type"], body["max"]) == (
        "13788888888",
        "86",
        0,
        10,
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"begin": 10, "end": 5}, {"limit": 101}, {"limit": 0}, {"phone": "13788888888"}],
)
def test_builders_refuse_what_tencent_would(kwargs):
    arguments = {"phone": PHONE, "begin": 1, "end": 2, "limit": 100, **kwargs}
    with pytest.raises(ValueError):
        build_pull_by_number(
            "PullSmsSendStatusByPhoneNumber",
            sdk_app_id=APP_ID,
            secret_id="id",
            secret_key="key",
            region="ap-guangzhou",
            endpoint=parse_endpoint("sms.tencentcloudapi.com"),
            now=3,
            **arguments,
        )


def test_the_emulator_and_the_client_use_the_same_names():
    from django_tencent_sms.protocol.tc3 import by_number as client
    from django_tencent_sms.protocol.v5_by_number import BY_NUMBER_ENDPOINT
    from django_tencent_sms.sandbox import by_number as emulator

    assert emulator.BY_NUMBER_ENDPOINT == BY_NUMBER_ENDPOINT
    assert emulator.REPORTS_BY_NUMBER_ACTION == client.REPORTS_BY_NUMBER_ACTION
    assert emulator.REPLIES_BY_NUMBER_ACTION == client.REPLIES_BY_NUMBER_ACTION
