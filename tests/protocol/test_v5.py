"""Request building and response parsing for the legacy API (pure, no server)."""

import json

import pytest
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.exceptions import (
    HTTPStatusError,
    InvalidResponse,
    TencentAccountError,
    TencentInputError,
    TencentRateLimitError,
    TencentSmsError,
    TencentTransientError,
    TencentUnknownOutcomeError,
)
from django_tencent_sms.message import BulkMessage, SmsMessage
from django_tencent_sms.protocol.v5 import (
    build_sendmultisms2,
    build_sendsms,
    parse_sendmultisms2_response,
    parse_sendsms_response,
)
from django_tencent_sms.result_codes import Category

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
        (1007, TencentTransientError, Category.TRANSIENT),
        (1008, TencentUnknownOutcomeError, Category.UNKNOWN_OUTCOME),
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
    "body",
    [
        b"<html>oops</html>",
        b"[]",
        b'{"errmsg":"OK"}',
        b'{"result":"0"}',
        # JSON booleans are not result codes: false must not read as an accepted send (0).
        b'{"result":false,"sid":"x"}',
        b'{"result":true}',
    ],
)
def test_parse_unusable_bodies(body):
    with pytest.raises(InvalidResponse):
        parse_sendsms_response(200, body)


# --- sendmultisms2 ----------------------------------------------------------------------


def bulk(*phones, **overrides):
    fields = {
        "phones": tuple(PhoneNumber.from_string(p) for p in phones),
        "tpl_id": 19,
        "params": ("Verification code", "1234", "4"),
        "sign": "Tencent Cloud",
    }
    fields.update(overrides)
    return BulkMessage(**fields)


REFERENCE_PAIR = ("+8613788888888", "+8613788888889")


def build_reference_pair(**kwargs):
    return build_sendmultisms2(
        bulk(*REFERENCE_PAIR, **kwargs),
        api_url="https://yun.tim.qq.com/v5/tlssmssvr",
        sdk_app_id="1400006666",
        app_key=APP_KEY,
        random="7226249334",
        now=1457336869,
    )


def test_build_multi_reproduces_the_documented_two_number_request():
    request = build_reference_pair()
    assert request.url == (
        "https://yun.tim.qq.com/v5/tlssmssvr/sendmultisms2?sdkappid=1400006666&random=7226249334"
    )
    # Byte for byte: the reference fixes the sig (§3) and the fields (§4.3); the field order
    # and the escaping are ours (the server takes any order, raw UTF-8 and \\u escapes alike).
    assert request.body == (
        b'{"tel": [{"nationcode": "86", "mobile": "13788888888"}, '
        b'{"nationcode": "86", "mobile": "13788888889"}], "tpl_id": 19, '
        b'"params": ["Verification code", "1234", "4"], "sign": "Tencent Cloud", '
        b'"sig": "be66bb4aeb54701ed0637d0996a0b75111d5b8eda9b3a71bdc579a3d26f3edfb", '
        b'"time": 1457336869, "extend": "", "ext": ""}'
    )


def test_build_multi_matches_tencents_own_sdk(monkeypatch):
    sdk = pytest.importorskip("qcloudsms_py")
    from qcloudsms_py import sms as sdk_sms

    captured = []
    monkeypatch.setattr(sdk_sms.util, "get_random", lambda: 7226249334)
    monkeypatch.setattr(sdk_sms.util, "get_current_time", lambda: 1457336869)
    monkeypatch.setattr(sdk_sms.util, "api_request", lambda req, client: captured.append(req))
    sdk.SmsMultiSender("1400006666", APP_KEY).send_with_param(
        "86", ["13788888888", "13788888889"], 19, ["Verification code", "1234", "4"],
        sign="Tencent Cloud",
    )  # fmt: skip
    (sdk_request,) = captured
    ours = build_reference_pair()
    assert ours.url == sdk_request.url
    assert json.loads(ours.body) == json.loads(sdk_request.body)


def test_build_multi_signs_the_numbers_in_the_order_sent():
    forward = json.loads(build_reference_pair().body)
    backward = json.loads(
        build_sendmultisms2(
            bulk(*reversed(REFERENCE_PAIR)),
            api_url="x",
            sdk_app_id="1",
            app_key=APP_KEY,
            random="7226249334",
            now=1457336869,
        ).body
    )
    assert [t["mobile"] for t in backward["tel"]] == ["13788888889", "13788888888"]
    assert backward["sig"] != forward["sig"]


def test_build_multi_sends_international_numbers_of_several_countries_in_one_request():
    request = build_sendmultisms2(
        bulk("+447400123456", "+14155552671", sign="腾讯云"),
        api_url="http://x",
        sdk_app_id="1",
        app_key="SECRET-APP-KEY",
        random="1",
        now=1,
    )
    body = json.loads(request.body.decode("utf-8"))
    assert body["tel"] == [
        {"nationcode": "44", "mobile": "7400123456"},
        {"nationcode": "1", "mobile": "4155552671"},
    ]
    assert "腾讯云".encode() in request.body
    assert "SECRET-APP-KEY" not in repr(request) + request.body.decode()


@pytest.mark.parametrize(
    "phones",
    [
        (),
        tuple(f"+86137{i:08d}" for i in range(201)),
        ("+8613788888888", "+447400123456"),
    ],
    ids=["none", "201 numbers", "domestic and international"],
)
def test_build_multi_refuses_what_tencent_would(phones):
    with pytest.raises(ValueError):
        build_sendmultisms2(
            bulk(*phones), api_url="x", sdk_app_id="1", app_key="k", random="1", now=1
        )


def detail(mobile, result=0, nationcode="86", **extra):
    entry = {"result": result, "errmsg": "OK" if result == 0 else "no", "mobile": mobile}
    entry["nationcode"] = nationcode
    if result == 0:
        entry.update({"sid": f"sid-{mobile}", "fee": 1})
    entry.update(extra)
    return entry


def answer(*entries, result=0, **extra):
    return json.dumps(
        {"result": result, "errmsg": "OK", "ext": "e", "detail": list(entries), **extra}
    ).encode()


def test_parse_multi_matches_detail_to_the_numbers_whatever_its_order():
    message = bulk("+8613788888888", "+8613788888889", "+8613788888890")
    body = answer(detail("13788888890"), detail("13788888888"), detail("13788888889", 1016))
    result = parse_sendmultisms2_response(200, body, message)
    assert result.ext == "e"
    first, second, third = result.recipients
    assert (first.result, first.sid, first.fee, first.accepted) == (0, "sid-13788888888", 1, True)
    assert (second.result, second.errmsg, second.sid, second.fee) == (1016, "no", "", None)
    assert (third.result, third.sid) == (0, "sid-13788888890")


def test_parse_multi_gives_a_number_listed_twice_its_entries_in_turn():
    message = bulk("+8613788888888", "+8613788888888")
    body = answer(detail("13788888888"), detail("13788888888", 1023))
    first, second = parse_sendmultisms2_response(200, body, message).recipients
    assert (first.result, second.result) == (0, 1023)


def test_parse_multi_tells_countries_apart():
    message = bulk("+447400123456", "+14155552671")
    body = answer(detail("4155552671", nationcode="1"), detail("7400123456", 1016, "44"))
    uk, us = parse_sendmultisms2_response(200, body, message).recipients
    assert (uk.result, us.result) == (1016, 0)


def test_parse_multi_a_number_missing_from_detail_may_have_been_sent():
    message = bulk("+8613788888888", "+8613788888889")
    for body in (answer(detail("13788888888")), b'{"result":0,"errmsg":"OK"}'):
        *_, missing = parse_sendmultisms2_response(200, body, message).recipients
        assert missing.result is None and isinstance(missing.error, InvalidResponse)
        assert missing.error.may_have_reached_tencent


def test_parse_multi_refusal_of_the_whole_request_raises_by_category():
    message = bulk("+8613788888888")
    with pytest.raises(TencentAccountError) as info:
        parse_sendmultisms2_response(200, b'{"result":1014,"errmsg":"tpl","ext":"x"}', message)
    assert (info.value.result, info.value.ext) == (1014, "x")
    with pytest.raises(TencentInputError):
        parse_sendmultisms2_response(200, answer(result=1034), message)


def test_parse_multi_detail_wins_over_a_failed_result():
    # Numbers the detail reports accepted were sent: never report them failed.
    message = bulk("+8613788888888", "+8613788888889")
    body = answer(detail("13788888888"), detail("13788888889", 1016), result=1016)
    accepted, refused = parse_sendmultisms2_response(200, body, message).recipients
    assert (accepted.result, refused.result) == (0, 1016)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (502, b"bad gateway", HTTPStatusError),
        (200, b"<html>oops</html>", InvalidResponse),
        (200, b'{"detail": []}', InvalidResponse),
    ],
)
def test_parse_multi_unusable_answers(status, body, error):
    with pytest.raises(error):
        parse_sendmultisms2_response(status, body, bulk("+8613788888888"))
