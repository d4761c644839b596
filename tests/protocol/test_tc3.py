"""Request building and response parsing for Tencent Cloud API 3.0 SendSms (pure, no server)."""

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
from django_tencent_sms.message import SmsMessage
from django_tencent_sms.protocol.signing import tc3_canonical_request, tc3_signature
from django_tencent_sms.protocol.tc3.action import Endpoint, parse_endpoint
from django_tencent_sms.protocol.tc3.send import (
    build_send_sms,
    build_send_sms_request,
    parse_send_sms_response,
    parse_send_status_set,
)
from django_tencent_sms.result_codes import (
    CLOUD_EQUIVALENTS,
    RESULT_CODES,
    Category,
    cloud_lookup,
    lookup,
)

SECRET_ID = "AKIDEXAMPLE"
SECRET_KEY = "SECRETKEYEXAMPLE"
NOW = 1700000000
TENCENT = Endpoint("https://sms.tencentcloudapi.com/", "sms.tencentcloudapi.com")
REQUEST_ID = "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"


def message(**overrides):
    fields = {
        "phone": PhoneNumber.from_string("+8613711112222"),
        "tpl_id": 1234,
        "params": ("1234",),
        "sign": "腾讯云",
    }
    fields.update(overrides)
    return SmsMessage(**fields)


def build(msg=None, **overrides):
    arguments = {
        "sdk_app_id": "1400006666",
        "secret_id": SECRET_ID,
        "secret_key": SECRET_KEY,
        "region": "ap-guangzhou",
        "endpoint": TENCENT,
        "now": NOW,
        **overrides,
    }
    return build_send_sms(msg or message(), **arguments)


# --- building ---------------------------------------------------------------------------


def test_build_sends_the_documented_fields_and_headers():
    request = build()
    assert request.url == "https://sms.tencentcloudapi.com/"
    assert json.loads(request.body) == {
        "PhoneNumberSet": ["+8613711112222"],
        "SmsSdkAppId": "1400006666",
        "TemplateId": "1234",
        "SignName": "腾讯云",
        "TemplateParamSet": ["1234"],
    }
    assert "腾讯云".encode() in request.body  # raw UTF-8, signed as sent
    headers = dict(request.headers)
    authorization = headers.pop("Authorization")
    assert headers == {
        "Content-Type": "application/json",
        "Host": "sms.tencentcloudapi.com",
        "X-TC-Action": "SendSms",
        "X-TC-Version": "2021-01-11",
        "X-TC-Timestamp": "1700000000",
        "X-TC-Region": "ap-guangzhou",
    }
    signature = tc3_signature(
        SECRET_KEY,
        NOW,
        "sms",
        tc3_canonical_request(host="sms.tencentcloudapi.com", payload=request.body),
    )
    assert authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/sms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def test_build_is_a_function_of_its_input():
    assert build() == build()
    assert build().headers["Authorization"] != build(now=NOW + 1).headers["Authorization"]


def test_the_host_signed_is_the_endpoints():
    local = parse_endpoint("http://127.0.0.1:8765")
    request = build(endpoint=local)
    assert request.url == "http://127.0.0.1:8765/"
    assert request.headers["Host"] == "127.0.0.1:8765"
    assert request.headers["Authorization"] != build().headers["Authorization"]


def test_ext_and_extend_travel_as_session_context_and_extend_code():
    body = json.loads(build(message(ext="order-42", extend="12")).body)
    assert body["SessionContext"] == "order-42" and body["ExtendCode"] == "12"


def test_empty_optional_fields_are_left_out():
    body = json.loads(build(message(sign="", params=())).body)
    assert "SignName" not in body and "ExtendCode" not in body and "SessionContext" not in body
    assert body["TemplateParamSet"] == []


def test_international_numbers_are_e164():
    body = json.loads(build(message(phone=PhoneNumber.from_string("+447400123456"))).body)
    assert body["PhoneNumberSet"] == ["+447400123456"]


def test_the_repr_shows_neither_body_nor_signature():
    request = build(message(params=("987654",)))
    assert "987654" not in repr(request)
    assert request.headers["Authorization"] not in repr(request)


def test_at_most_200_numbers_per_request():
    common = {
        "template_id": 1,
        "sdk_app_id": "1",
        "secret_id": SECRET_ID,
        "secret_key": SECRET_KEY,
        "region": "ap-guangzhou",
        "endpoint": TENCENT,
        "now": NOW,
    }
    numbers = [f"+86137{i:08d}" for i in range(201)]
    assert len(json.loads(build_send_sms_request(numbers[:200], **common).body)["PhoneNumberSet"])
    with pytest.raises(ValueError):
        build_send_sms_request(numbers, **common)
    with pytest.raises(ValueError):
        build_send_sms_request([], **common)
    with pytest.raises(TypeError):
        build_send_sms_request("+8613711112222", **common)


# --- endpoints --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "url", "host"),
    [
        ("sms.tencentcloudapi.com", "https://sms.tencentcloudapi.com/", "sms.tencentcloudapi.com"),
        (
            "sms.ap-guangzhou.tencentcloudapi.com",
            "https://sms.ap-guangzhou.tencentcloudapi.com/",
            "sms.ap-guangzhou.tencentcloudapi.com",
        ),
        ("https://sms.tencentcloudapi.com/", "https://sms.tencentcloudapi.com/", None),
        ("https://SMS.tencentcloudapi.com:443", "https://sms.tencentcloudapi.com/", None),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/", "127.0.0.1:8765"),
        ("http://localhost:80/", "http://localhost/", "localhost"),
        ("http://[::1]:8765", "http://[::1]:8765/", "[::1]:8765"),
        (" sms.tencentcloudapi.com ", "https://sms.tencentcloudapi.com/", None),
    ],
)
def test_endpoint_forms(setting, url, host):
    endpoint = parse_endpoint(setting)
    assert endpoint.url == url
    assert endpoint.host == (host or url.split("://")[1].rstrip("/"))


@pytest.mark.parametrize(
    "setting",
    [
        "",
        "ftp://sms.tencentcloudapi.com",
        "https://sms.tencentcloudapi.com/v5/tlssmssvr",
        "https://sms.tencentcloudapi.com/?a=1",
        "http://127.0.0.1:99999",
        "http://user:pw@127.0.0.1:8765",
        "https://",
        None,
    ],
)
def test_unusable_endpoints(setting):
    with pytest.raises(ValueError):
        parse_endpoint(setting)


# --- parsing ----------------------------------------------------------------------------


def answer(*statuses, request_id=REQUEST_ID, **response):
    if statuses:
        response["SendStatusSet"] = list(statuses)
    response["RequestId"] = request_id
    return json.dumps({"Response": response}).encode()


def status(code="Ok", message="send success", **fields):
    return {
        "SerialNo": "2028:f825e6b16e23f73f4123",
        "PhoneNumber": "+8613711112222",
        "Fee": 1,
        "SessionContext": "order-42",
        "Code": code,
        "Message": message,
        "IsoCode": "CN",
        **fields,
    }


def test_an_accepted_number():
    result = parse_send_sms_response(200, answer(status()))
    assert result.sid == "2028:f825e6b16e23f73f4123"
    assert result.fee == 1
    assert result.errmsg == "send success"
    assert result.ext == "order-42"
    assert result.request_id == REQUEST_ID


@pytest.mark.parametrize(
    ("code", "result", "exc_class"),
    [
        ("InvalidParameterValue.IncorrectPhoneNumber", 1016, TencentInputError),
        ("LimitExceeded.PhoneNumberDailyLimit", 1025, TencentRateLimitError),
        ("FailedOperation.PhoneNumberInBlacklist", 1015, TencentInputError),
    ],
)
def test_a_refused_number_raises_like_the_legacy_code(code, result, exc_class):
    with pytest.raises(exc_class) as info:
        parse_send_sms_response(200, answer(status(code, "nope", SerialNo="", Fee=0)))
    exc = info.value
    assert (exc.code, exc.result, exc.request_id, exc.ext) == (code, result, REQUEST_ID, "order-42")
    assert exc.errmsg == f"{code}: nope"
    assert exc.meaning == lookup(result).meaning


@pytest.mark.parametrize(
    ("code", "result", "exc_class"),
    [
        ("AuthFailure.SignatureFailure", 1001, TencentAccountError),
        ("AuthFailure.SignatureExpire", 1021, TencentAccountError),
        ("AuthFailure.SecretIdNotFound", None, TencentAccountError),
        ("FailedOperation.TemplateIncorrectOrUnapproved", 1014, TencentAccountError),
        ("FailedOperation.InsufficientBalanceInSmsPackage", 1031, TencentAccountError),
        ("InternalError.Timeout", 1008, TencentUnknownOutcomeError),
        ("InternalError.SendAndRecvFail", None, TencentUnknownOutcomeError),
        ("LimitExceeded.AppGlobalDailyLimit", 1047, TencentAccountError),
        ("LimitExceeded.DailyLimit", None, TencentAccountError),
        ("RequestLimitExceeded", None, TencentTransientError),
    ],
)
def test_a_request_level_error_raises_by_category(code, result, exc_class):
    with pytest.raises(exc_class) as info:
        parse_send_sms_response(200, answer(Error={"Code": code, "Message": "Tencent says"}))
    exc = info.value
    assert (exc.code, exc.result, exc.request_id) == (code, result, REQUEST_ID)
    assert exc.errmsg == f"{code}: Tencent says"
    assert str(exc).startswith(f"Tencent SMS error {code}: ")
    assert "Tencent says" in str(exc) and str(exc).count(code) == 1
    assert f"code={code!r}" in repr(exc)


def test_an_unknown_code_is_unknown_but_still_a_tencent_error():
    with pytest.raises(TencentSmsError) as info:
        parse_send_sms_response(200, answer(Error={"Code": "Brand.NewCode", "Message": "?"}))
    assert type(info.value) is TencentSmsError
    assert info.value.category is Category.UNKNOWN and info.value.result is None


def test_non_200_is_an_http_status_error():
    with pytest.raises(HTTPStatusError) as info:
        parse_send_sms_response(502, b"<html>bad gateway</html>")
    assert info.value.status == 502 and info.value.may_have_reached_tencent


@pytest.mark.parametrize(
    "content",
    [
        b"<html></html>",
        b"[]",
        b'{"result": 0}',
        b'{"Response": []}',
        json.dumps({"Response": {"RequestId": REQUEST_ID}}).encode(),
        answer(Error={"Message": "no code"}),
        answer(Error="AuthFailure"),
        answer(status(Code="")),
        json.dumps({"Response": {"SendStatusSet": ["Ok"], "RequestId": "x"}}).encode(),
        answer(status(), status()),  # two statuses for one number
        json.dumps({"Response": {"SendStatusSet": [], "RequestId": "x"}}).encode(),
    ],
)
def test_answers_that_are_not_the_documented_shape_are_invalid(content):
    with pytest.raises(InvalidResponse) as info:
        parse_send_sms_response(200, content)
    assert info.value.may_have_reached_tencent


def test_the_status_set_of_several_numbers_keeps_their_order():
    request_id, statuses = parse_send_status_set(
        200,
        answer(
            status(PhoneNumber="+8613711112222"),
            status("LimitExceeded.PhoneNumberThirtySecondLimit", PhoneNumber="+8613711113333"),
        ),
    )
    assert request_id == REQUEST_ID
    assert [(s.phone_number, s.ok) for s in statuses] == [
        ("+8613711112222", True),
        ("+8613711113333", False),
    ]


def test_a_fee_that_is_not_an_int_is_unknown():
    assert parse_send_sms_response(200, answer(status(Fee="1"))).fee is None


# --- the code table ---------------------------------------------------------------------


def test_every_equivalent_names_a_known_legacy_code_and_shares_its_category():
    for name, result in CLOUD_EQUIVALENTS.items():
        assert result in RESULT_CODES, name
        info = cloud_lookup(name)
        assert info.result == result and info.category is lookup(result).category, name


def test_the_reference_table_is_mapped():
    # Reference §8.3, every row.
    assert CLOUD_EQUIVALENTS["InternalError.SigVerificationFail"] == 1001
    assert CLOUD_EQUIVALENTS["LimitExceeded.PhoneNumberCountLimit"] == 1046
    assert CLOUD_EQUIVALENTS["UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber"] == (
        1034
    )
    assert len([n for n, r in CLOUD_EQUIVALENTS.items() if r]) >= 27


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("LimitExceeded.SomethingNew", Category.ACCOUNT),
        ("LimitExceeded.PhoneNumberSomethingNew", Category.RATE_LIMIT),
        ("InternalError.SomethingNew", Category.UNKNOWN_OUTCOME),
        ("InvalidParameterValue.SomethingNew", Category.INPUT),
        ("FailedOperation.SomethingNew", Category.ACCOUNT),
        ("AuthFailure.MFAFailure", Category.ACCOUNT),
        ("UnknownParameter", Category.ACCOUNT),
        ("Totally.Unknown", Category.UNKNOWN),
    ],
)
def test_codes_without_an_equivalent_are_categorised_by_their_first_part(name, category):
    info = cloud_lookup(name)
    assert info.category is category and info.result is None and info.meaning


def test_api3_hints_name_the_api3_settings():
    assert "SECRET_KEY" in cloud_lookup("AuthFailure.SignatureFailure").hint
    assert "5 minutes" in cloud_lookup("AuthFailure.SignatureExpire").meaning


# --- bulk -------------------------------------------------------------------------------


def bulk_message(*numbers):
    from django_tencent_sms.message import BulkMessage

    phones = tuple(PhoneNumber.from_string(n) for n in numbers)
    return BulkMessage(phones=phones, tpl_id=1234, params=("1234",), sign="腾讯云", ext="x")


def test_a_bulk_request_lists_every_number_in_order():
    from django_tencent_sms.protocol.tc3.send import build_send_sms_bulk

    message = bulk_message("+8613711112222", "+8613711113333", "+8613711112222")
    request = build_send_sms_bulk(
        message,
        sdk_app_id="1400006666",
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        region="ap-guangzhou",
        endpoint=TENCENT,
        now=NOW,
    )
    body = json.loads(request.body)
    assert body["PhoneNumberSet"] == ["+8613711112222", "+8613711113333", "+8613711112222"]
    assert body["SessionContext"] == "x" and body["TemplateId"] == "1234"


def test_a_bulk_answer_is_matched_to_the_numbers():
    from django_tencent_sms.protocol.tc3.send import parse_send_sms_bulk_response

    message = bulk_message("+8613711112222", "+8613711113333", "+8613711112222", "+447400123456")
    content = answer(
        status(PhoneNumber="+8613711113333", SerialNo="b"),
        status(PhoneNumber="+8613711112222", SerialNo="a1"),
        status("AuthFailure.SomethingPerNumber", "no", PhoneNumber="+8613711112222", Fee=0),
    )
    recipients = parse_send_sms_bulk_response(200, content, message).recipients
    assert [(r.result, r.sid) for r in recipients[:2]] == [(0, "a1"), (0, "b")]
    refused = recipients[2]
    assert refused.result is None and isinstance(refused.error, TencentAccountError)
    assert refused.error.request_id == REQUEST_ID
    assert refused.errmsg == "AuthFailure.SomethingPerNumber: no"
    missing = recipients[3]
    assert isinstance(missing.error, InvalidResponse) and missing.result is None


def test_a_bulk_request_level_error_raises():
    from django_tencent_sms.protocol.tc3.send import parse_send_sms_bulk_response

    content = answer(Error={"Code": "FailedOperation.SignatureIncorrectOrUnapproved"})
    with pytest.raises(TencentAccountError):
        parse_send_sms_bulk_response(200, content, bulk_message("+8613711112222"))
