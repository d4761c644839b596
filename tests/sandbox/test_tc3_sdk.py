"""Tencent's own API 3.0 SDK (tencentcloud-sdk-python-sms) against the sandbox.

What the SDK signs, the sandbox must accept; what it signs wrongly, the sandbox must refuse.
The SDK is pointed at the emulator with ``HttpProfile(endpoint="127.0.0.1:<port>",
protocol="http")``: it then signs ``Host: 127.0.0.1:<port>``, as a client of the real service
signs ``Host: sms.tencentcloudapi.com``.
"""

from __future__ import annotations

import pytest

from django_tencent_sms.sandbox import Sandbox
from tests.sandbox.helpers import sandbox_fixtures

pytest.importorskip("tencentcloud.sms.v20210111")
from tencentcloud.common import credential
from tencentcloud.common.abstract_client import AbstractClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

# The SDK's own use of a deprecated datetime call on Python 3.12+; not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning"
)

APP_ID = "1400006666"
SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
TEMPLATES = {1234: "Your code is {1}, valid for {2} minutes."}


# The SDK takes time.time() itself, so the sandbox uses the real clock here.
clock, sandbox = sandbox_fixtures(
    now=None, sdk_app_id=APP_ID, templates=TEMPLATES, secret_id=SECRET_ID, secret_key=SECRET_KEY
)


def client(
    sb: Sandbox,
    secret_id: str = SECRET_ID,
    secret_key: str = SECRET_KEY,
    *,
    unsigned_payload: bool = False,
):
    http = HttpProfile(
        endpoint=sb.cloud_endpoint.removeprefix("http://"), protocol="http", reqTimeout=5
    )
    profile = ClientProfile(httpProfile=http)
    profile.unsignedPayload = unsigned_payload
    return sms_client.SmsClient(
        credential.Credential(secret_id, secret_key), "ap-guangzhou", profile
    )


def send_request(*numbers: str, template_id: str = "1234", **fields) -> models.SendSmsRequest:
    request = models.SendSmsRequest()
    request.PhoneNumberSet = list(numbers) or ["+8613711112222"]
    request.SmsSdkAppId = APP_ID
    request.TemplateId = template_id
    request.SignName = "腾讯云"
    request.TemplateParamSet = ["1234", "5"]
    for name, value in fields.items():
        setattr(request, name, value)
    return request


def test_the_official_sdk_is_accepted(sandbox):
    response = client(sandbox).SendSms(send_request(SessionContext="order-42"))

    (status,) = response.SendStatusSet
    assert status.Code == "Ok", status
    assert status.Fee == 1 and status.SerialNo and status.IsoCode == "CN"
    assert status.PhoneNumber == "+8613711112222" and status.SessionContext == "order-42"
    assert response.RequestId
    [message] = sandbox.messages
    assert message.sid == status.SerialNo
    assert message.text == "【腾讯云】Your code is 1234, valid for 5 minutes."
    assert (message.nationcode, message.mobile, message.ext) == ("86", "13711112222", "order-42")
    [request] = sandbox.requests
    assert request.endpoint == "SendSms" and request.code == "Ok" and request.result == 0
    assert b"\\u817e\\u8baf\\u4e91" in request.body  # the SDK escapes non-ASCII


def test_several_numbers_get_one_status_each(sandbox):
    response = client(sandbox).SendSms(send_request("+8613711112222", "8613711113333", "12345"))

    assert [s.Code for s in response.SendStatusSet] == [
        "Ok",
        "Ok",
        "InvalidParameterValue.IncorrectPhoneNumber",
    ]
    assert [m.mobile for m in sandbox.messages] == ["13711112222", "13711113333"]


def test_a_tampered_signature_is_refused(sandbox, monkeypatch):
    real = AbstractClient._get_tc3_signature

    def one_char_off(self, *args, **kwargs):
        signature = real(self, *args, **kwargs)
        return signature[:-1] + ("0" if signature[-1] != "0" else "1")

    monkeypatch.setattr(AbstractClient, "_get_tc3_signature", one_char_off)
    with pytest.raises(TencentCloudSDKException) as info:
        client(sandbox).SendSms(send_request())

    assert info.value.code == "AuthFailure.SignatureFailure"
    assert info.value.requestId
    assert sandbox.messages == []


def test_a_wrong_secret_key_is_refused(sandbox):
    with pytest.raises(TencentCloudSDKException) as info:
        client(sandbox, secret_key=SECRET_KEY + "x").SendSms(send_request())
    assert info.value.code == "AuthFailure.SignatureFailure"


def test_an_unknown_secret_id_is_refused(sandbox):
    with pytest.raises(TencentCloudSDKException) as info:
        client(sandbox, secret_id="AKIDsomebodyElse").SendSms(send_request())
    assert info.value.code == "AuthFailure.SecretIdNotFound"


def test_a_clock_more_than_five_minutes_off_is_refused(sandbox):
    import time

    sandbox.clock = lambda: time.time() + 301
    with pytest.raises(TencentCloudSDKException) as info:
        client(sandbox).SendSms(send_request())
    assert info.value.code == "AuthFailure.SignatureExpire"


def test_an_unsigned_payload_is_accepted(sandbox):
    response = client(sandbox, unsigned_payload=True).SendSms(send_request())
    assert response.SendStatusSet[0].Code == "Ok"
    assert sandbox.requests[0].headers.get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD"


def test_an_unknown_template_is_refused_with_its_api3_code(sandbox):
    with pytest.raises(TencentCloudSDKException) as info:
        client(sandbox).SendSms(send_request(template_id="404"))
    assert info.value.code == "FailedOperation.TemplateIncorrectOrUnapproved"


def test_an_http_error_reaches_the_sdk_as_a_server_network_error(sandbox):
    sandbox.fail_next("http_error", status=503)
    with pytest.raises(TencentCloudSDKException) as info:
        client(sandbox).SendSms(send_request())
    assert info.value.code == "ServerNetworkError"
