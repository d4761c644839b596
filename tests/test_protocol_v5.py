"""Request building and response parsing for the legacy API (pure, no server)."""

import json

import pytest
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.codes import Category
from django_tencent_sms.exceptions import (
    HTTPStatusError,
    InvalidResponse,
    TencentAccountError,
    TencentInputError,
    TencentRateLimitError,
    TencentSmsError,
    TencentTransientError,
)
from django_tencent_sms.message import SmsMessage
from django_tencent_sms.protocol.v5 import build_sendsms, new_random, parse_sendsms_response

APP_KEY = "5f03a35d00ee52a21327ab048186a2c4"


def message(**overrides):
    fields = {
        "phone": PhoneNumber.from_string("+8613788888888"),
        "tpl_id": 19,
        "params": ("Verification code", "1234", "4"),
        "sign": "Tencent Cloud",
    }
    fields.update(overrides)
    return SmsMessage(**fields)


def test_build_reproduces_the_documented_request():
    request = build_sendsms(
        message(),
        api_url="https://yun.tim.qq.com/v5/tlssmssvr",
        sdk_app_id="1400006666",
        app_key=APP_KEY,
        random="7226249334",
        now=1457336869,
    )
    assert request.url == (
        "https://yun.tim.qq.com/v5/tlssmssvr/sendsms?sdkappid=1400006666&random=7226249334"
    )
    assert json.loads(request.body) == {
        "ext": "",
        "extend": "",
        "params": ["Verification code", "1234", "4"],
        "sig": "ecab4881ee80ad3d76bb1da68387428ca752eb885e52621a3129dcf4d9bc4fd4",
        "sign": "Tencent Cloud",
        "tel": {"mobile": "13788888888", "nationcode": "86"},
        "time": 1457336869,
        "tpl_id": 19,
    }


def test_build_sends_utf8_and_national_numbers_without_trunk_prefix():
    request = build_sendsms(
        message(phone=PhoneNumber.from_string("+447400123456"), sign="腾讯云"),
        api_url="http://x",
        sdk_app_id="1",
        app_key="SECRET-APP-KEY",
        random="1",
        now=1,
    )
    body = json.loads(request.body.decode("utf-8"))
    assert body["tel"] == {"nationcode": "44", "mobile": "7400123456"}
    assert "腾讯云".encode() in request.body
    assert "SECRET-APP-KEY" not in repr(request) + request.body.decode()
    assert body["sig"] not in repr(request)


def test_random_is_fresh_and_ten_digits():
    values = {new_random() for _ in range(50)}
    assert len(values) == 50
    assert all(len(v) == 10 and v.isdigit() for v in values)


def test_parse_success():
    result = parse_sendsms_response(
        200, b'{"result":0,"errmsg":"OK","ext":"abc","fee":2,"sid":"8:NIBmQSGZArQm3LLvn3v20180309"}'
    )
    assert (result.sid, result.fee, result.ext) == ("8:NIBmQSGZArQm3LLvn3v20180309", 2, "abc")


def test_parse_success_tolerates_missing_optional_fields():
    result = parse_sendsms_response(200, b'{"result":0,"errmsg":"OK"}')
    assert (result.sid, result.fee) == ("", None)


@pytest.mark.parametrize(
    ("code", "cls", "category"),
    [
        (1016, TencentInputError, Category.INPUT),
        (1023, TencentRateLimitError, Category.RATE_LIMIT),
        (1014, TencentAccountError, Category.ACCOUNT),
        (1008, TencentTransientError, Category.TRANSIENT),
        (4242, TencentSmsError, Category.UNKNOWN),
    ],
)
def test_parse_refusal_raises_by_category(code, cls, category):
    body = json.dumps({"result": code, "errmsg": "tencent says no", "ext": "e"}).encode()
    with pytest.raises(TencentSmsError) as info:
        parse_sendsms_response(200, body)
    exc = info.value
    assert type(exc) is cls
    assert (exc.result, exc.errmsg, exc.ext, exc.category) == (
        code,
        "tencent says no",
        "e",
        category,
    )
    assert str(code) in str(exc) and "tencent says no" in str(exc)


def test_parse_accepts_msg_instead_of_errmsg():
    with pytest.raises(TencentSmsError) as info:
        parse_sendsms_response(200, b'{"result":1014,"msg":"template not match"}')
    assert info.value.errmsg == "template not match"


def test_parse_non_200():
    with pytest.raises(HTTPStatusError) as info:
        parse_sendsms_response(502, b"<html>bad gateway</html>")
    assert info.value.status == 502 and info.value.may_have_reached_tencent
    with pytest.raises(HTTPStatusError) as info:
        parse_sendsms_response(404, b"")
    assert not info.value.may_have_reached_tencent


@pytest.mark.parametrize(
    "body", [b"<html>oops</html>", b"[]", b'{"errmsg":"OK"}', b'{"result":"0"}']
)
def test_parse_unusable_bodies(body):
    with pytest.raises(InvalidResponse):
        parse_sendsms_response(200, body)
