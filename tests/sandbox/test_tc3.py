"""The sandbox's API 3.0 endpoint (``POST /`` with ``X-TC-Action: SendSms``), over a real socket.

Every API 3.0 error code the emulator answers has a test that makes it happen. No Django; the
clock is faked.
"""

from __future__ import annotations

import json
import re

import pytest
import requests

from django_tencent_sms.protocol.signing import tc3_authorization
from django_tencent_sms.sandbox import FrequencyLimits, Sandbox
from tests.sandbox.helpers import FakeClock, sandbox_fixtures

APP_ID = "1400006666"
SECRET_ID = "AKIDsandboxUnitTest"
SECRET_KEY = "unit-test-secret-key"
NOW = 1700000000
TEMPLATES = {20: "Your code is {1}.", 21: "Hello.", 22: "{1}"}
PHONE = "+8613711112222"
SID = re.compile(r"^2019:[0-9a-f]{20}$")


clock, sandbox = sandbox_fixtures(
    now=NOW, sdk_app_id=APP_ID, templates=TEMPLATES, secret_id=SECRET_ID, secret_key=SECRET_KEY
)


def body(**fields) -> dict:
    data = {
        "PhoneNumberSet": [PHONE],
        "SmsSdkAppId": APP_ID,
        "TemplateId": "20",
        "SignName": "腾讯云",
        "TemplateParamSet": ["1234"],
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def post(
    sb: Sandbox,
    data: object = None,
    *,
    raw: bytes | None = None,
    secret_id: str = SECRET_ID,
    secret_key: str = SECRET_KEY,
    timestamp: int = NOW,
    headers: dict | None = None,
    method: str = "POST",
) -> requests.Response:
    payload = raw if raw is not None else json.dumps(body() if data is None else data).encode()
    host = sb.cloud_endpoint.removeprefix("http://")
    sent = {
        "Content-Type": "application/json",
        "Host": host,
        "X-TC-Action": "SendSms",
        "X-TC-Version": "2021-01-11",
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Region": "ap-guangzhou",
        "Authorization": tc3_authorization(
            secret_id, secret_key, timestamp=timestamp, service="sms", host=host, payload=payload
        ),
    }
    sent.update(headers or {})
    sent = {k: v for k, v in sent.items() if v is not None}
    return requests.request(method, sb.cloud_endpoint + "/", data=payload, headers=sent, timeout=5)


def error_code(response: requests.Response) -> str:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.json()["Response"]["Error"]["Code"]


def statuses(response: requests.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    data = response.json()["Response"]
    assert "Error" not in data, data
    assert re.fullmatch(r"[0-9a-f-]{36}", data["RequestId"])
    return data["SendStatusSet"]


def test_an_accepted_message_is_recorded_like_a_legacy_one(sandbox):
    (status,) = statuses(post(sandbox, body(SessionContext="order-42", ExtendCode="12")))
    assert status["Code"] == "Ok" and status["Message"] == "send success"
    assert SID.match(status["SerialNo"])
    assert (status["PhoneNumber"], status["Fee"], status["IsoCode"]) == (PHONE, 1, "CN")
    assert status["SessionContext"] == "order-42"
    (message,) = sandbox.messages
    assert message.sid == status["SerialNo"]
    assert (message.nationcode, message.mobile, message.tpl_id) == ("86", "13711112222", 20)
    assert message.text == "【腾讯云】Your code is 1234."
    assert (message.ext, message.extend, message.time) == ("order-42", "12", NOW)
    (request,) = sandbox.requests
    assert (request.endpoint, request.code, request.result) == ("SendSms", "Ok", 0)
    assert request.as_json()["code"] == "Ok"
    # The control API and the inbox see it.
    control = requests.get(sandbox.cloud_endpoint + "/_sandbox/messages", timeout=5).json()
    assert [m["sid"] for m in control] == [message.sid]
    inbox = requests.get(sandbox.cloud_endpoint + "/_sandbox/inbox", timeout=5).text
    assert "Your code is 1234." in inbox


def test_several_numbers_each_get_a_status_in_order(sandbox):
    numbers = [PHONE, "8613711113333", "008613711114444", "13711115555", "+86123", "+447400123456"]
    result = statuses(post(sandbox, body(PhoneNumberSet=numbers[:5])))
    assert [s["PhoneNumber"] for s in result] == numbers[:5]
    assert [s["Code"] for s in result] == ["Ok"] * 4 + [
        "InvalidParameterValue.IncorrectPhoneNumber"
    ]
    assert [m.mobile for m in sandbox.messages] == [
        "13711112222",
        "13711113333",
        "13711114444",
        "13711115555",
    ]
    assert sandbox.requests[0].code == "InvalidParameterValue.IncorrectPhoneNumber"


def test_international_numbers_need_no_sign(sandbox):
    (status,) = statuses(post(sandbox, body(PhoneNumberSet=["+447400123456"], SignName=None)))
    assert status["Code"] == "Ok" and status["IsoCode"] == "GB"
    assert sandbox.messages[0].text == "Your code is 1234."


def test_frequency_limits_refuse_the_number_not_the_request(sandbox):
    sandbox.limits = FrequencyLimits(per_30s=1, per_hour=None, per_day=None)
    statuses(post(sandbox))
    result = statuses(post(sandbox, body(PhoneNumberSet=[PHONE, "+8613711113333"])))
    assert [s["Code"] for s in result] == ["LimitExceeded.PhoneNumberThirtySecondLimit", "Ok"]
    assert result[0]["Fee"] == 0 and result[0]["SerialNo"] == ""


def test_raw_utf8_and_ascii_escapes_are_both_accepted(sandbox):
    data = body()
    assert statuses(post(sandbox, raw=json.dumps(data, ensure_ascii=False).encode()))
    assert statuses(post(sandbox, raw=json.dumps(data, ensure_ascii=True).encode()))


def test_an_unsigned_payload_header_signs_the_literal(sandbox):
    host = sandbox.cloud_endpoint.removeprefix("http://")
    authorization = tc3_authorization(
        SECRET_ID, SECRET_KEY, timestamp=NOW, service="sms", host=host, payload=b"UNSIGNED-PAYLOAD"
    )
    response = post(
        sandbox,
        headers={"X-TC-Content-SHA256": "UNSIGNED-PAYLOAD", "Authorization": authorization},
    )
    assert statuses(response)[0]["Code"] == "Ok"


# --- request-level refusals, each made to happen ------------------------------------------


INVALID_AUTHORIZATION = "AuthFailure.InvalidAuthorization"
SIGNATURE_FAILURE = "AuthFailure.SignatureFailure"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"headers": {"X-TC-Action": "DescribeNothingAtAll"}}, "InvalidAction"),
        ({"headers": {"X-TC-Version": "2019-07-11"}}, "NoSuchVersion"),
        ({"headers": {"X-TC-Region": None}}, "MissingParameter"),
        ({"headers": {"X-TC-Timestamp": "soon"}}, "MissingParameter"),
        ({"headers": {"Authorization": None}}, "AuthFailure.InvalidAuthorization"),
        ({"headers": {"Authorization": "HMAC-SHA256 Signature=abc"}}, INVALID_AUTHORIZATION),
        ({"timestamp": NOW - 301}, "AuthFailure.SignatureExpire"),
        ({"timestamp": NOW + 301}, "AuthFailure.SignatureExpire"),
        ({"secret_id": "AKIDsomebodyElse"}, "AuthFailure.SecretIdNotFound"),
        ({"secret_key": SECRET_KEY + " "}, "AuthFailure.SignatureFailure"),
        ({"headers": {"Host": "sms.tencentcloudapi.com"}}, "AuthFailure.SignatureFailure"),
        ({"headers": {"Content-Type": "application/json; charset=utf-8"}}, SIGNATURE_FAILURE),
        ({"method": "PUT"}, "InvalidParameter"),
    ],
)  # fmt: skip
def test_header_and_signature_refusals(sandbox, kwargs, code):
    assert error_code(post(sandbox, **kwargs)) == code
    assert sandbox.messages == []
    assert sandbox.requests[-1].code == code


def test_the_timestamp_window_is_five_minutes(sandbox):
    assert statuses(post(sandbox, timestamp=NOW - 300))
    assert statuses(
        post(sandbox, timestamp=NOW + 300, data=body(PhoneNumberSet=["+8613711113333"]))
    )


def test_a_credential_scope_of_another_day_is_refused(sandbox):
    host = sandbox.cloud_endpoint.removeprefix("http://")
    payload = json.dumps(body()).encode()
    authorization = tc3_authorization(
        SECRET_ID, SECRET_KEY, timestamp=NOW, service="sms", host=host, payload=payload
    ).replace("2023-11-14", "2023-11-13")
    response = post(sandbox, raw=payload, headers={"Authorization": authorization})
    assert error_code(response) == "AuthFailure.SignatureFailure"


def test_one_changed_body_byte_breaks_the_signature(sandbox):
    payload = json.dumps(body()).encode()
    host = sandbox.cloud_endpoint.removeprefix("http://")
    authorization = tc3_authorization(
        SECRET_ID, SECRET_KEY, timestamp=NOW, service="sms", host=host, payload=payload
    )
    tampered = payload.replace(b"1234", b"1235")
    response = post(sandbox, raw=tampered, headers={"Authorization": authorization})
    assert error_code(response) == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not json", "FailedOperation.FailResolvePacket"),
        (b"[]", "FailedOperation.FailResolvePacket"),
        (body(SmsSdkAppid=APP_ID, SmsSdkAppId=None), "UnknownParameter"),  # the 2019 spelling
        (body(TemplateId=None), "MissingParameter"),
        (body(TemplateId=20), "InvalidParameter"),  # a string in API 3.0
        (body(PhoneNumberSet=PHONE), "InvalidParameter"),
        (body(TemplateParamSet=[1234]), "InvalidParameter"),
        (body(SmsSdkAppId="1400000001"), "InvalidParameterValue.SdkAppIdNotExist"),
        (body(PhoneNumberSet=[]), "MissingParameter.EmptyPhoneNumberSet"),
        (
            body(PhoneNumberSet=[f"+86137{i:08d}" for i in range(201)]),
            "LimitExceeded.PhoneNumberCountLimit",
        ),
        (
            body(PhoneNumberSet=[PHONE, "+447400123456"]),
            "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
        ),
        (body(SignName=None), "FailedOperation.SignatureIncorrectOrUnapproved"),
        (body(SignName=""), "FailedOperation.SignatureIncorrectOrUnapproved"),
        (body(TemplateId="404"), "FailedOperation.TemplateIncorrectOrUnapproved"),
        (body(TemplateId="abc"), "FailedOperation.TemplateIncorrectOrUnapproved"),
        (body(TemplateParamSet=[]), "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"),
        (
            body(TemplateParamSet=["1234567890123"]),
            "InvalidParameterValue.TemplateParameterLengthLimit",
        ),
        (body(TemplateId="22", TemplateParamSet=["长"] * 1), None),  # control: accepted
        (body(SessionContext="x" * 512), "InvalidParameterValue"),
    ],
)
def test_body_refusals(sandbox, data, code):
    raw = data if isinstance(data, bytes) else None
    response = post(sandbox, None if raw else data, raw=raw)
    if code is None:
        assert statuses(response)[0]["Code"] == "Ok"
        return
    assert error_code(response) == code
    assert sandbox.messages == []


def test_content_longer_than_500_characters_is_refused(sandbox):
    # API 3.0's limit is Tencent's current 500 characters, 【腾讯云】 included (the legacy 450).
    sandbox.add_template(23, "很" * 490 + "{1}")
    response = post(sandbox, body(TemplateId="23", TemplateParamSet=["123456"]))
    assert error_code(response) == "InvalidParameterValue.ContentLengthLimit"
    response = post(sandbox, body(TemplateId="23", TemplateParamSet=["12345"]))
    assert statuses(response)[0]["Code"] == "Ok"


@pytest.mark.parametrize("param", ["https://a.cn", "www.qq.com", "HTTP://x", "ftp://f"])
def test_a_link_in_a_parameter_is_refused(sandbox, param):
    sandbox.add_template(24, "请访问{1}")
    response = post(sandbox, body(TemplateId="24", TemplateParamSet=[param]))
    assert error_code(response) == "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter"
    assert sandbox.messages == []


def test_lenient_sandbox_accepts_any_numeric_template(clock):
    with Sandbox(sdk_app_id=APP_ID, clock=clock, secret_id=SECRET_ID, secret_key=SECRET_KEY) as sb:
        assert statuses(post(sb, body(TemplateId="404", TemplateParamSet=["a", "b"])))
        assert sb.messages[0].text == "【腾讯云】template 404: a, b"


def test_the_error_message_and_request_id_are_tencents_shape(sandbox):
    data = post(sandbox, secret_key="wrong").json()
    assert set(data) == {"Response"}
    assert set(data["Response"]) == {"Error", "RequestId"}
    assert set(data["Response"]["Error"]) == {"Code", "Message"}
    assert "wrong" not in json.dumps(data) and SECRET_KEY not in json.dumps(data)


# --- faults -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "code", "per_number"),
    [
        (1016, "InvalidParameterValue.IncorrectPhoneNumber", True),
        (1025, "LimitExceeded.PhoneNumberDailyLimit", True),
        (1031, "FailedOperation.InsufficientBalanceInSmsPackage", False),
        (1001, "AuthFailure.SignatureFailure", False),
        (1021, "AuthFailure.SignatureExpire", False),
        (1008, "InternalError.Timeout", False),
        (60008, "InternalError.UnknownError", False),  # no API 3.0 equivalent
    ],
)
def test_a_result_fault_is_answered_with_its_api3_code(sandbox, result, code, per_number):
    sandbox.fail_next("result", result=result, errmsg="scripted")
    response = post(sandbox)
    if per_number:
        (status,) = statuses(response)
        assert (status["Code"], status["Message"]) == (code, "scripted")
    else:
        assert error_code(response) == code
        assert response.json()["Response"]["Error"]["Message"] == "scripted"
    assert sandbox.messages == [] and sandbox.requests[0].fault == "result"


@pytest.mark.parametrize(
    ("code", "per_number"),
    [
        ("InternalError.SendAndRecvFail", True),
        ("FailedOperation.PhoneNumberInBlacklist", True),
        ("LimitExceeded.AppDailyLimit", False),
        ("LimitExceeded.GlobalSmsSendingRateLimit", False),
    ],
)
def test_a_fault_can_name_its_api3_code(sandbox, code, per_number):
    sandbox.fail_next("result", code=code)
    response = post(sandbox)
    if per_number:
        assert statuses(response)[0]["Code"] == code
    else:
        assert error_code(response) == code
    assert sandbox.messages == []


def test_transport_faults_apply_to_api3_too(sandbox):
    sandbox.fail_next("http_error", status=503)
    assert post(sandbox).status_code == 503
    sandbox.fail_next("not_json")
    assert post(sandbox).headers["Content-Type"].startswith("text/html")
    sandbox.fail_next("drop")
    with pytest.raises(requests.ConnectionError):
        post(sandbox)
    assert statuses(post(sandbox))[0]["Code"] == "Ok"
    assert [r.fault for r in sandbox.requests] == ["http_error", "not_json", "drop", None]


# --- routing ----------------------------------------------------------------------------


def test_the_legacy_api_and_the_control_api_are_unaffected(sandbox):
    assert requests.get(sandbox.cloud_endpoint + "/", timeout=5).status_code == 404
    assert requests.post(sandbox.cloud_endpoint + "/", data=b"{}", timeout=5).status_code == 404
    legacy = requests.post(sandbox.url + "/sendsms", data=b"{}", timeout=5).json()
    assert legacy["result"] == 1004
    assert sandbox.requests[-1].code is None


def test_verbose_logs_one_line_without_secrets(sandbox, capsys):
    sandbox.verbose = True
    post(sandbox)
    err = capsys.readouterr().err
    assert "POST / SendSms to +8613711112222 -> Ok" in err
    assert SECRET_KEY not in err and "Signature=" not in err


def test_the_sandbox_repr_and_credentials_repr_hide_the_secret_key(sandbox):
    assert SECRET_KEY not in repr(sandbox) + repr(sandbox.account)


# --- command line -----------------------------------------------------------------------


def test_the_cli_takes_the_api3_key_pair_from_the_environment_only():
    import argparse

    from django_tencent_sms.sandbox.accounts import DEVELOPMENT_SECRET_ID
    from django_tencent_sms.sandbox.cli import add_arguments, sandbox_from_options

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    sb, notes = sandbox_from_options(parser.parse_args(["--port", "0"]), environ={})
    assert sb.account.secret_id == DEVELOPMENT_SECRET_ID
    assert any("public" in note for note in notes)

    env = {"TENCENT_SMS_SECRET_ID": "AKIDfromEnv", "TENCENT_SMS_SECRET_KEY": "key-from-env"}
    sb, notes = sandbox_from_options(parser.parse_args(["--port", "0"]), environ=env)
    assert "key-from-env" not in "".join(notes) and "AKIDfromEnv" in "".join(notes)
    sb.clock = FakeClock(NOW)
    with sb:
        data = body(SmsSdkAppId=sb.account.sdk_app_id, TemplateId="1")
        response = post(sb, data, secret_id="AKIDfromEnv", secret_key="key-from-env")
        assert statuses(response)[0]["Code"] == "Ok"


def test_a_signed_body_that_is_not_json_content_is_refused(sandbox):
    host = sandbox.cloud_endpoint.removeprefix("http://")
    payload = json.dumps(body()).encode()
    authorization = tc3_authorization(
        SECRET_ID,
        SECRET_KEY,
        timestamp=NOW,
        service="sms",
        host=host,
        payload=payload,
        content_type="text/plain",
    )
    response = post(
        sandbox,
        raw=payload,
        headers={"Content-Type": "text/plain", "Authorization": authorization},
    )
    assert error_code(response) == "InvalidParameter"


def test_a_failing_template_source_is_an_internal_error(clock):
    def broken():
        raise RuntimeError("database down")

    with Sandbox(
        sdk_app_id=APP_ID,
        templates=broken,
        clock=clock,
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
    ) as sb:
        assert error_code(post(sb)) == "InternalError.OtherError"
        assert sb.requests[0].result == 1007
