"""The emulator's voice codes: ``/v5/tlsvoicesvr/sendcvoice`` and VMS ``SendCodeVoice``.

Raw signed requests over a real socket: Tencent's checks, shapes and per-number voice limits
(1 per 30 s, 2 per 10 minutes, 3 per day), and calls recorded as calls.
"""

from __future__ import annotations

import json

import pytest
import requests

from django_tencent_sms.protocol.signing import tc3_authorization, v5_signature
from django_tencent_sms.sandbox.inbox import render_inbox
from tests.sandbox.helpers import (
    APP_ID,
    SEED_KEY,
    SEED_MOBILE,
    SEED_RANDOM,
    SEED_SIG,
    SEED_TIME,
    sandbox_fixtures,
)

SECRET_ID = "AKIDvoiceUnitTest"
SECRET_KEY = "voice-unit-test-secret"
VOICE_APP = "1400009999"

clock, sandbox = sandbox_fixtures(
    now=SEED_TIME,
    sdk_app_id=APP_ID,
    app_key=SEED_KEY,
    secret_id=SECRET_ID,
    secret_key=SECRET_KEY,
    voice_sdk_app_id=VOICE_APP,
)


def legacy(sb, *, mobile=SEED_MOBILE, nationcode="86", msg="1234", key=SEED_KEY, **fields):
    when = fields.pop("time", int(sb.clock()))
    body = {
        "tel": {"nationcode": nationcode, "mobile": mobile},
        "msg": msg,
        "playtimes": 2,
        "sig": v5_signature(key, SEED_RANDOM, when, mobiles=[mobile]),
        "time": when,
        "ext": "e1",
        **fields,
    }
    url = f"{sb.voice_url}/sendcvoice?sdkappid={APP_ID}&random={SEED_RANDOM}"
    return requests.post(url, json=body, timeout=5).json()


def cloud(sb, data=None, *, service="vms", version="2020-09-02", secret_key=SECRET_KEY):
    data = data or {
        "CodeMessage": "1234",
        "CalledNumber": "+86" + SEED_MOBILE,
        "VoiceSdkAppid": VOICE_APP,
        "PlayTimes": 2,
        "SessionContext": "ctx",
    }
    payload = json.dumps(data).encode()
    host = sb.cloud_endpoint.removeprefix("http://")
    now = int(sb.clock())
    headers = {
        "Content-Type": "application/json",
        "Host": host,
        "X-TC-Action": "SendCodeVoice",
        "X-TC-Version": version,
        "X-TC-Timestamp": str(now),
        "X-TC-Region": "ap-guangzhou",
        "Authorization": tc3_authorization(
            SECRET_ID, secret_key, timestamp=now, service=service, host=host, payload=payload
        ),
    }
    response = requests.post(sb.cloud_endpoint + "/", data=payload, headers=headers, timeout=5)
    assert response.status_code == 200
    return response.json()["Response"]


def test_the_documented_signature_places_a_call(sandbox):
    # The voice-code page's own example: the sendsms form of sig, with &mobile=.
    assert v5_signature(SEED_KEY, SEED_RANDOM, SEED_TIME, mobiles=[SEED_MOBILE]) == SEED_SIG
    answer = legacy(sandbox)
    assert answer["result"] == 0 and answer["errmsg"] == "OK" and answer["ext"] == "e1"
    (call,) = sandbox.calls
    assert answer["callid"] == call.sid and call.params == ["1234"]
    assert call.channel == "voice" and "1 2 3 4" in call.text
    assert sandbox.pending_reports == []  # a call is not an SMS: no SMS delivery report


@pytest.mark.parametrize(
    ("fields", "result"),
    [
        ({"sig": "0" * 64}, 1001),
        ({"sig": ""}, 1003),
        ({"msg": 1234}, 1004),
        ({"time": SEED_TIME - 601}, 1021),
        ({"msg": "12a4"}, 1018),
        ({"msg": ""}, 1018),
        ({"playtimes": 4}, 1004),
        ({"nationcode": "852", "mobile": "91234567"}, 1016),
        ({"mobile": "1378888888"}, 1016),
    ],
)
def test_legacy_refusals(sandbox, fields, result):
    assert legacy(sandbox, **fields)["result"] == result
    assert sandbox.calls == []


def test_tencents_voice_limits_per_number(sandbox, clock):
    assert legacy(sandbox)["result"] == 0
    assert legacy(sandbox)["result"] == 1013  # 1 per 30 s
    clock.advance(31)
    assert legacy(sandbox)["result"] == 0
    clock.advance(31)
    assert legacy(sandbox)["result"] == 1013  # 2 per 10 minutes
    assert legacy(sandbox, mobile="13711112222")["result"] == 0  # per number
    clock.advance(600)
    assert legacy(sandbox)["result"] == 0
    clock.advance(600)
    assert legacy(sandbox)["result"] == 1013  # 3 per day
    sandbox.voice_limits = None
    assert legacy(sandbox)["result"] == 0


def test_vms_send_code_voice(sandbox):
    response = cloud(sandbox)
    (call,) = sandbox.calls
    assert response["SendStatus"] == {"CallId": call.sid, "SessionContext": "ctx"}
    assert response["RequestId"]
    assert call.mobile == SEED_MOBILE and call.params == ["1234"]
    assert sandbox.requests[-1].endpoint == "SendCodeVoice"
    assert sandbox.requests[-1].code == "Ok"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"service": "sms"}, "AuthFailure.SignatureFailure"),
        ({"secret_key": "wrong"}, "AuthFailure.SignatureFailure"),
        ({"version": "2021-01-11"}, "NoSuchVersion"),
        ({"data": {"CodeMessage": "1234", "CalledNumber": "+85291234567",
                   "VoiceSdkAppid": VOICE_APP}}, "InvalidParameterValue.CalledNumberVerifyFail"),
        ({"data": {"CodeMessage": "1234", "CalledNumber": "+8613788888888",
                   "VoiceSdkAppid": APP_ID}}, "UnauthorizedOperation.VoiceSdkAppidVerifyFail"),
        ({"data": {"CodeMessage": "12ab", "CalledNumber": "+8613788888888",
                   "VoiceSdkAppid": VOICE_APP}}, "FailedOperation.InvalidParameters"),
        ({"data": {"CodeMessage": "1234", "CalledNumber": "+8613788888888",
                   "VoiceSdkAppid": VOICE_APP, "PlayTimes": 0}}, "InvalidParameterValue"),
    ],
)  # fmt: skip
def test_vms_refusals(sandbox, change, code):
    assert cloud(sandbox, **change)["Error"]["Code"] == code
    assert sandbox.calls == []


def test_vms_limits_share_the_numbers_count(sandbox):
    assert "SendStatus" in cloud(sandbox)
    assert legacy(sandbox)["result"] == 1013
    assert cloud(sandbox)["Error"]["Code"] == "LimitExceeded.DeliveryFrequencyLimit"


def test_faults_apply_to_voice_requests(sandbox):
    sandbox.fail_next("http_error", status=503)
    url = f"{sandbox.voice_url}/sendcvoice?sdkappid={APP_ID}&random=1"
    assert requests.post(url, json={}, timeout=5).status_code == 503
    sandbox.fail_next("result", result=1008)
    assert legacy(sandbox)["result"] == 1008
    assert sandbox.calls == []


def test_the_inbox_shows_a_call_as_a_call(sandbox):
    legacy(sandbox)
    page = render_inbox(sandbox.messages)
    assert "📞 call: your code is 1 2 3 4" in page
    page = requests.get(sandbox.cloud_endpoint + "/_sandbox/inbox", timeout=5)
    assert "📞" in page.text


def test_reset_forgets_the_voice_counts(sandbox):
    legacy(sandbox)
    sandbox.reset()
    assert sandbox.calls == [] and legacy(sandbox)["result"] == 0
