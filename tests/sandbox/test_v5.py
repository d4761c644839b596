"""The legacy API's ``sendsms`` on the sandbox, over a real socket: the seed vector, every
refusal in Tencent's order, the frequency limits, the fee.

No Django needed. No test sleeps to wait for time; the clock is faked.
"""

from __future__ import annotations

import json

import pytest
import requests

from django_tencent_sms.protocol.billing import billed_length, is_gsm7, sms_fee
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.result_codes import lookup
from django_tencent_sms.sandbox import SandboxMessage
from django_tencent_sms.sandbox.rules import valid_number
from tests.sandbox.helpers import (
    APP_ID,
    SEED_KEY,
    SEED_MOBILE,
    SEED_RANDOM,
    SEED_SIG,
    SEED_TIME,
    SID,
    FakeClock,
    make_body,
    seed_sandbox_fixtures,
    send,
)

clock, sandbox = seed_sandbox_fixtures()


# The seed vector ------------------------------------------------------------------------------


def seed_body(**changes) -> dict:
    body = {
        "ext": "",
        "extend": "",
        "params": ["Verification code", "1234", "4"],
        "sig": SEED_SIG,
        "sign": "Tencent Cloud",
        "tel": {"mobile": SEED_MOBILE, "nationcode": "86"},
        "time": SEED_TIME,
        "tpl_id": 19,
    }
    body.update(changes)
    return body


def test_seed_vector_is_accepted(sandbox, clock):
    # The documented sig covers appkey, random, time and mobile only. The English copy of the
    # doc translated the first parameter into 17 characters, so it is shortened here (see next).
    body = seed_body(params=["Code", "1234", "4"], ext="session-7")
    answer = send(sandbox, body)

    assert answer["result"] == 0
    assert answer["errmsg"] == "OK"
    assert answer["ext"] == "session-7"
    assert answer["fee"] == 1
    assert SID.match(answer["sid"])
    [message] = sandbox.messages
    assert message == SandboxMessage(
        sid=answer["sid"],
        nationcode="86",
        mobile=SEED_MOBILE,
        tpl_id=19,
        params=["Code", "1234", "4"],
        sign="Tencent Cloud",
        text="【Tencent Cloud】Code is 1234, valid for 4 minutes.",
        fee=1,
        ext="session-7",
        extend="",
        time=SEED_TIME,
        received_at=SEED_TIME,
    )


def test_verbatim_english_seed_passes_the_signature_then_fails_on_parameter_length(sandbox):
    assert send(sandbox, seed_body())["result"] == 1036


def test_checks_run_in_tencents_order(sandbox, clock):
    """Fix one problem at a time; each answer names the first remaining problem."""
    clock.now = SEED_TIME + 601
    body = seed_body(tpl_id="99", params=["Code", "1234", "4"], sig="", sign="x" * 450)
    body["tel"] = {"nationcode": "86", "mobile": "23788888888"}
    query = {"sdkappid": "42"}

    def answer() -> int:
        return send(sandbox, body, **query)["result"]

    assert answer() == 1004
    body["tpl_id"] = 99
    assert answer() == 1003
    body["sig"] = "0" * 64
    assert answer() == 1019
    query["sdkappid"] = APP_ID
    assert answer() == 1021
    clock.now = SEED_TIME
    assert answer() == 1001
    body["sig"] = v5_signature(SEED_KEY, SEED_RANDOM, SEED_TIME, mobiles=["23788888888"])
    assert answer() == 1016
    body["tel"]["mobile"] = SEED_MOBILE
    body["sig"] = SEED_SIG
    assert answer() == 1014
    body["tpl_id"] = 19
    body["params"] = ["Code number 1", "1234", "4"]
    assert answer() == 1036
    body["params"] = ["Code", "1234", "4"]
    assert answer() == 1017
    body["sign"] = "Tencent Cloud"
    assert answer() == 0


# Refusals ------------------------------------------------------------------------------------


def test_1001_when_one_sig_character_differs(sandbox):
    body = seed_body(params=["Code", "1234", "4"])
    body["sig"] = SEED_SIG[:10] + ("0" if SEED_SIG[10] != "0" else "1") + SEED_SIG[11:]
    answer = send(sandbox, body)
    assert answer == {"result": 1001, "errmsg": lookup(1001).meaning, "ext": ""}
    assert sandbox.messages == []


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"key": SEED_KEY + " "}, id="app key with a trailing space"),
        pytest.param({"random": "7226249335"}, id="other random"),
        pytest.param({"mobile_in_sig": "13788888889"}, id="other mobile"),
    ],
)
def test_1001_when_the_sig_covers_other_values(sandbox, change):
    body = make_body(
        sandbox, key=change.get("key", SEED_KEY), random=change.get("random", SEED_RANDOM)
    )
    if "mobile_in_sig" in change:
        body["sig"] = v5_signature(
            SEED_KEY, SEED_RANDOM, SEED_TIME, mobiles=[change["mobile_in_sig"]]
        )
    assert send(sandbox, body)["result"] == 1001


def test_random_is_taken_from_the_query_string_as_is(sandbox):
    body = make_body(sandbox, random="007")
    assert send(sandbox, body, random="007")["result"] == 0
    assert send(sandbox, body, random="7")["result"] == 1001


@pytest.mark.parametrize("sig", [None, "", "missing"])
def test_1003_when_sig_is_missing_or_empty(sandbox, sig):
    body = make_body(sandbox)
    if sig == "missing":
        del body["sig"]
    else:
        body["sig"] = sig
    assert send(sandbox, body)["result"] == 1003


def _set(path: str, value):
    def change(body: dict) -> dict:
        *parents, last = path.split(".")
        target = body
        for name in parents:
            target = target[name]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
        return body

    return change


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda body: b"not json", id="not json"),
        pytest.param(lambda body: b"", id="empty"),
        pytest.param(lambda body: b"[1, 2]", id="array"),
        pytest.param(lambda body: b'"text"', id="string"),
        pytest.param(lambda body: json.dumps(body).encode()[:-1], id="truncated"),
        pytest.param(lambda body: b'{"ext": "\xff\xfe"}', id="not utf-8"),
        pytest.param(lambda body: b'{"time": NaN}', id="NaN"),
        pytest.param(_set("tpl_id", "20"), id="tpl_id string"),
        pytest.param(_set("tpl_id", True), id="tpl_id bool"),
        pytest.param(_set("tpl_id", 20.0), id="tpl_id float"),
        pytest.param(_set("tpl_id", KeyError), id="tpl_id missing (plain send)"),
        pytest.param(_set("params", "1234"), id="params string"),
        pytest.param(_set("params", [1234]), id="params numbers"),
        pytest.param(_set("params", KeyError), id="params missing"),
        pytest.param(_set("tel", "+8613788888888"), id="tel string"),
        pytest.param(_set("tel.nationcode", 86), id="nationcode number"),
        pytest.param(_set("tel.mobile", 13788888888), id="mobile number"),
        pytest.param(_set("tel.mobile", KeyError), id="mobile missing"),
        pytest.param(_set("time", str(SEED_TIME)), id="time string"),
        pytest.param(_set("time", SEED_TIME + 0.5), id="time float"),
        pytest.param(_set("time", KeyError), id="time missing"),
        pytest.param(_set("sign", 5), id="sign number"),
        pytest.param(_set("extend", 123), id="extend number"),
        pytest.param(_set("sig", 123), id="sig number"),
    ],
)
def test_1004_when_the_body_does_not_parse(sandbox, change):
    body = change(make_body(sandbox, ext="mine"))
    answer = send(sandbox, body)
    assert answer["result"] == 1004
    assert answer["errmsg"].startswith(lookup(1004).meaning)
    assert answer["ext"] == ("mine" if isinstance(body, dict) else "")


def test_1004_ext_of_the_wrong_type_is_not_echoed(sandbox):
    body = make_body(sandbox)
    body["ext"] = {"a": 1}
    assert send(sandbox, body) == {
        "result": 1004,
        "errmsg": f"{lookup(1004).meaning}: ext must be a string",
        "ext": "",
    }


@pytest.mark.parametrize("endpoint", ["sendmultisms", "pullreply4mobile", "sendsms/", "SENDSMS"])
def test_1011_for_other_endpoints(sandbox, endpoint):
    answer = send(sandbox, make_body(sandbox, ext="e"), endpoint=endpoint)
    assert answer["result"] == 1011
    assert answer["ext"] == "e"
    assert sandbox.requests[-1].endpoint == endpoint
    assert sandbox.requests[-1].result == 1011


@pytest.mark.parametrize("path", ["/", "/v5/tlssmssvr", "/v5/tlsvoicesvr", "/sendsms"])
def test_404_outside_the_api(sandbox, path):
    response = requests.post(f"http://127.0.0.1:{sandbox.port}{path}", data=b"{}", timeout=5)
    assert response.status_code == 404
    assert sandbox.requests == []


def test_1014_for_an_unknown_template(sandbox):
    answer = send(sandbox, make_body(sandbox, tpl_id=99))
    assert answer["result"] == 1014
    assert "tpl_id" in answer["errmsg"]


@pytest.mark.parametrize(
    ("tpl_id", "params"), [(20, []), (20, ["1", "2"]), (21, ["1"]), (19, ["a", "b"])]
)
def test_1014_when_the_parameter_count_differs(sandbox, tpl_id, params):
    answer = send(sandbox, make_body(sandbox, tpl_id=tpl_id, params=params))
    assert answer["result"] == 1014
    assert "params" in answer["errmsg"]


def test_template_without_placeholders_takes_no_parameters(sandbox):
    answer = send(sandbox, make_body(sandbox, tpl_id=21, params=[]))
    assert answer["result"] == 0
    assert sandbox.messages[0].text == "【腾讯云】Hello."


@pytest.mark.parametrize(
    ("nationcode", "mobile"),
    [
        ("86", "1378888888"),  # 10 digits
        ("86", "137888888889"),  # 12 digits
        ("86", "23788888888"),  # does not start with 1
        ("86", "1378888888a"),
        ("86", "137 8888 8888"),
        ("86", "+8613788888888"),
        ("86", "１３７８８８８８８８８"),  # full-width digits
        ("+86", SEED_MOBILE),
        ("", SEED_MOBILE),
        ("1", "555"),
        ("1", "0000000000"),
        ("44", "12345"),
        ("999", "12345678"),
        ("12", "025550123"),  # "+12025550123" is a US number, but 12 is no country code
    ],
)
def test_1016_for_a_bad_number(sandbox, nationcode, mobile):
    answer = send(sandbox, make_body(sandbox, nationcode=nationcode, mobile=mobile))
    assert answer["result"] == 1016


@pytest.mark.parametrize(
    ("nationcode", "mobile"),
    [("86", "19912345678"), ("1", "2015550123"), ("44", "7911123456"), ("852", "51234567")],
)
def test_valid_numbers_are_accepted(sandbox, nationcode, mobile):
    answer = send(sandbox, make_body(sandbox, nationcode=nationcode, mobile=mobile))
    assert answer["result"] == 0
    assert sandbox.messages[0].nationcode == nationcode
    assert sandbox.messages[0].mobile == mobile


def test_valid_number_unit():
    assert valid_number("86", SEED_MOBILE)
    assert valid_number("1", "2015550123")
    assert not valid_number("1", "20155501")
    assert not valid_number("86", "٣٧٨٨٨٨٨٨٨٨٨")  # Arabic-Indic digits are not digits here


@pytest.mark.parametrize("sdkappid", [None, "", "1400000001", " 1400000000"])
def test_1019_for_a_missing_or_other_sdkappid(sandbox, sdkappid):
    answer = send(sandbox, make_body(sandbox), sdkappid=sdkappid)
    assert answer["result"] == 1019


@pytest.mark.parametrize(("skew", "result"), [(601, 1021), (-601, 1021), (600, 0), (-600, 0)])
def test_1021_outside_ten_minutes(sandbox, clock, skew, result):
    body = make_body(sandbox, time=SEED_TIME + skew)
    assert send(sandbox, body)["result"] == result


def test_1021_follows_the_clock_set_at_run_time(sandbox):
    body = make_body(sandbox)
    sandbox.clock = FakeClock(SEED_TIME + 3600)
    assert send(sandbox, body)["result"] == 1021
    assert sandbox.requests[-1].received_at == SEED_TIME + 3600


def test_1036_for_a_parameter_longer_than_12_characters(sandbox):
    assert send(sandbox, make_body(sandbox, params=["1234567890123"]))["result"] == 1036
    assert (
        send(sandbox, make_body(sandbox, params=["一二三四五六七八九十一二三"]))["result"] == 1036
    )
    assert send(sandbox, make_body(sandbox, params=["123456789012"]))["result"] == 0


def test_1017_for_content_over_450_characters(sandbox):
    # "【腾讯云】" is 5 characters and counts.
    sandbox.add_template(30, "x" * 441 + "{1}")
    answer = send(sandbox, make_body(sandbox, tpl_id=30, params=["1234"]))
    assert answer["result"] == 0
    assert len(sandbox.messages[0].text) == 450
    assert answer["fee"] == 7  # ceil(450 / 67)

    answer = send(sandbox, make_body(sandbox, tpl_id=30, params=["12345"]))
    assert answer["result"] == 1017
    assert len(sandbox.messages) == 1


# Billing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "nationcode", "char", "fee"),
    [
        (1, "86", "a", 1),
        (70, "86", "a", 1),  # domestic counts 70 even for ASCII
        (71, "86", "a", 2),
        (134, "86", "中", 2),
        (135, "86", "中", 3),
        (450, "86", "中", 7),
        (160, "1", "a", 1),  # international GSM-7: 160, then 153
        (161, "1", "a", 2),
        (306, "1", "a", 2),
        (307, "1", "a", 3),
        (320, "1", "a", 3),  # Tencent's example: 153 + 153 + 14
        (160, "44", "é", 1),  # é is in the GSM-7 alphabet
        (80, "1", "€", 1),  # an extension character counts 2: 160
        (81, "1", "€", 2),
        (70, "1", "中", 1),  # international UCS-2: 70, then 67
        (71, "1", "中", 2),
        (134, "852", "中", 2),
        (135, "852", "中", 3),
        (150, "852", "中", 3),  # Tencent's example: 67 + 67 + 16
        (35, "1", "😀", 1),  # beyond the BMP: 2 each
        (36, "1", "😀", 2),
        (153, "60", "a", 1),  # Malaysia: 153, then 146 + 153 + …
        (154, "60", "a", 2),
        (299, "60", "a", 2),
        (300, "60", "a", 3),
        (63, "60", "中", 1),  # and 63, then 60 + 67 + …
        (127, "60", "中", 2),
        (128, "60", "中", 3),
    ],
)
def test_fee(length, nationcode, char, fee):
    assert sms_fee(char * length, nationcode) == fee


def test_one_non_gsm_character_makes_an_international_message_ucs2():
    assert sms_fee("a" * 100, "1") == 1
    assert sms_fee("a" * 99 + "【", "1") == 2
    assert sms_fee("a" * 99 + "`", "1") == 2  # ASCII, but not in the GSM-7 alphabet
    assert is_gsm7("Hello {world} [€] ^~|\\")
    assert not is_gsm7("验证码")
    assert billed_length("a{b}", "1") == 6 and billed_length("a{b}", "86") == 4


def test_fee_end_to_end(sandbox):
    sandbox.add_template(40, "x" * 65 + "{1}")
    answer = send(sandbox, make_body(sandbox, tpl_id=40, params=["1"]))  # 5 + 65 + 1 = 71
    assert answer["fee"] == 2
    assert sandbox.messages[0].fee == 2
