"""The voice-code wire formats: legacy ``sendcvoice`` and API 3.0 VMS ``SendCodeVoice``.

Pure functions, no server: the documented signature vector, the body fields Tencent's SDKs
send, and every shape of answer.
"""

from __future__ import annotations

import json

import phonenumbers
import pytest

from django_tencent_sms.exceptions import (
    HTTPStatusError,
    InvalidResponse,
    TencentAccountError,
    TencentInputError,
    TencentRateLimitError,
)
from django_tencent_sms.protocol.signing import tc3_canonical_request, tc3_signature
from django_tencent_sms.protocol.tc3.action import parse_endpoint
from django_tencent_sms.protocol.tc3.voice import (
    build_send_code_voice,
    parse_send_code_voice_response,
)
from django_tencent_sms.protocol.v5_voice import build_sendcvoice, parse_sendcvoice_response
from django_tencent_sms.voice_message import VoiceCodeMessage

PHONE = phonenumbers.parse("+8613788888888")
MESSAGE = VoiceCodeMessage(PHONE, "1234", playtimes=2, ext="e")


def test_sendcvoice_uses_the_mobile_signature_and_the_documented_body():
    request = build_sendcvoice(
        MESSAGE,
        api_url="https://cloud.tim.qq.com/v5/tlsvoicesvr/",
        sdk_app_id="1400000000",
        app_key="5f03a35d00ee52a21327ab048186a2c4",
        random="7226249334",
        now=1457336869,
    )
    assert request.url == (
        "https://cloud.tim.qq.com/v5/tlsvoicesvr/sendcvoice?sdkappid=1400000000&random=7226249334"
    )
    assert json.loads(request.body) == {
        "tel": {"nationcode": "86", "mobile": "13788888888"},
        "msg": "1234",
        "playtimes": 2,
        # The value printed on Tencent's voice-code page for these inputs.
        "sig": "ecab4881ee80ad3d76bb1da68387428ca752eb885e52621a3129dcf4d9bc4fd4",
        "time": 1457336869,
        "ext": "e",
    }
    assert "1234" not in repr(request)


def test_sendcvoice_answers():
    ok = parse_sendcvoice_response(200, b'{"result":0,"errmsg":"OK","callid":"c-1","ext":"e"}')
    assert (ok.sid, ok.fee, ok.ext) == ("c-1", None, "e")
    with pytest.raises(TencentRateLimitError):
        parse_sendcvoice_response(200, b'{"result":1013,"errmsg":"limit"}')
    with pytest.raises(TencentInputError):
        parse_sendcvoice_response(200, b'{"result":1016,"errmsg":"bad number"}')
    with pytest.raises(InvalidResponse):
        parse_sendcvoice_response(200, b'{"result":0,"errmsg":"OK"}')  # accepted, no callid
    with pytest.raises(InvalidResponse):
        parse_sendcvoice_response(200, b"<html>")
    with pytest.raises(HTTPStatusError):
        parse_sendcvoice_response(502, b"bad gateway")


def test_send_code_voice_signs_for_vms():
    endpoint = parse_endpoint("vms.tencentcloudapi.com")
    request = build_send_code_voice(
        MESSAGE,
        voice_sdk_app_id="1400006666",
        secret_id="AKIDEXAMPLE",
        secret_key="SECRETKEYEXAMPLE",
        region="ap-guangzhou",
        endpoint=endpoint,
        now=1700000000,
    )
    assert request.url == "https://vms.tencentcloudapi.com/"
    assert json.loads(request.body) == {
        "CodeMessage": "1234",
        "CalledNumber": "+8613788888888",
        "VoiceSdkAppid": "1400006666",
        "PlayTimes": 2,
        "SessionContext": "e",
    }
    headers = request.headers
    assert headers["X-TC-Action"] == "SendCodeVoice"
    assert headers["X-TC-Version"] == "2020-09-02"
    assert "Credential=AKIDEXAMPLE/2023-11-14/vms/tc3_request" in headers["Authorization"]
    canonical = tc3_canonical_request(host="vms.tencentcloudapi.com", payload=request.body)
    expected = tc3_signature("SECRETKEYEXAMPLE", 1700000000, "vms", canonical)
    assert headers["Authorization"].endswith(f"Signature={expected}")
    assert tc3_signature("SECRETKEYEXAMPLE", 1700000000, "sms", canonical) != expected


def test_send_code_voice_answers():
    ok = parse_send_code_voice_response(
        200,
        b'{"Response":{"SendStatus":{"CallId":"c-2","SessionContext":"e"},"RequestId":"r"}}',
    )
    assert (ok.sid, ok.ext, ok.request_id) == ("c-2", "e", "r")
    with pytest.raises(TencentAccountError) as refused:
        parse_send_code_voice_response(
            200,
            b'{"Response":{"Error":{"Code":"UnauthorizedOperation.VoiceSdkAppidVerifyFail",'
            b'"Message":"x"},"RequestId":"r"}}',
        )
    assert "VOICE_SDK_APP_ID" in refused.value.hint
    with pytest.raises(TencentRateLimitError):
        parse_send_code_voice_response(
            200,
            b'{"Response":{"Error":{"Code":"LimitExceeded.DeliveryFrequencyLimit"},'
            b'"RequestId":"r"}}',
        )
    with pytest.raises(InvalidResponse):
        parse_send_code_voice_response(200, b'{"Response":{"RequestId":"r"}}')


@pytest.mark.parametrize(
    ("code", "playtimes"), [("12a4", 2), ("", 2), ("１２３４", 2), ("1234", 0), ("1234", 4)]
)
def test_a_voice_message_takes_ascii_digits_and_one_to_three_plays(code, playtimes):
    with pytest.raises(ValueError):
        VoiceCodeMessage(PHONE, code, playtimes=playtimes)


def test_a_voice_message_never_shows_its_code():
    message = VoiceCodeMessage(PHONE, "987654")
    assert "987654" not in repr(message) and "987654" not in str(message)
