"""The sandbox: a local emulator of Tencent's legacy SMS API, tested over a real socket.

No Django: run with ``-p no:django``. No test sleeps to wait for time; the clock is faked.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from django_tencent_sms.protocol.billing import is_single_byte, sms_fee
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.result_codes import lookup
from django_tencent_sms.sandbox import FrequencyLimits, ReceivedRequest, Sandbox, SandboxMessage
from django_tencent_sms.sandbox.cli import main, parse_limits, sandbox_from_options
from django_tencent_sms.sandbox.rules import valid_number
from django_tencent_sms.sandbox.templates import placeholder_count, render
from tests.sandbox.helpers import FakeClock, sandbox_fixtures
from tests.waiting import wait_until

# The documented example (reference §3 and seed-sendsms.txt).
SEED_KEY = "5f03a35d00ee52a21327ab048186a2c4"
SEED_RANDOM = "7226249334"
SEED_TIME = 1457336869
SEED_MOBILE = "13788888888"
SEED_SIG = "ecab4881ee80ad3d76bb1da68387428ca752eb885e52621a3129dcf4d9bc4fd4"
APP_ID = "1400000000"

TEMPLATES = {
    19: "{1} is {2}, valid for {3} minutes.",
    20: "Your code is {1}.",
    21: "Hello.",
}
SID = re.compile(r"^2019:[0-9a-f]{20}$")


clock, sandbox = sandbox_fixtures(
    now=SEED_TIME, sdk_app_id=APP_ID, app_key=SEED_KEY, templates=TEMPLATES
)


@pytest.fixture
def session():
    with requests.Session() as session:
        yield session


def make_body(
    sb: Sandbox,
    *,
    mobile: str = SEED_MOBILE,
    nationcode: str = "86",
    tpl_id: int = 20,
    params: tuple[str, ...] | list[str] = ("1234",),
    time: int | None = None,
    random: str = SEED_RANDOM,
    key: str = SEED_KEY,
    sign: str = "腾讯云",
    ext: str = "",
    extend: str = "",
) -> dict:
    """A correctly signed template body; ``time`` defaults to the sandbox clock."""
    time = int(sb.clock()) if time is None else time
    return {
        "tel": {"nationcode": nationcode, "mobile": mobile},
        "tpl_id": tpl_id,
        "params": list(params),
        "sign": sign,
        "sig": v5_signature(key, random, time, mobiles=[mobile]),
        "time": time,
        "extend": extend,
        "ext": ext,
    }


def post(
    sb: Sandbox,
    body: dict | bytes,
    *,
    endpoint: str = "sendsms",
    sdkappid: str | None = APP_ID,
    random: str = SEED_RANDOM,
    session: requests.Session | None = None,
    timeout: float = 5,
    headers: dict | None = None,
) -> requests.Response:
    query = [f"sdkappid={sdkappid}"] if sdkappid is not None else []
    query.append(f"random={random}")
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    url = f"{sb.url}/{endpoint}?{'&'.join(query)}"
    return (session or requests).post(url, data=data, timeout=timeout, headers=headers)


def send(sb: Sandbox, body: dict | bytes, **kwargs) -> dict:
    response = post(sb, body, **kwargs)
    assert response.status_code == 200
    return response.json()


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


@pytest.mark.parametrize("endpoint", ["sendmultisms", "pullstatus4mobile", "sendsms/", "SENDSMS"])
def test_1011_for_other_endpoints(sandbox, endpoint):
    answer = send(sandbox, make_body(sandbox, ext="e"), endpoint=endpoint)
    assert answer["result"] == 1011
    assert answer["ext"] == "e"
    assert sandbox.requests[-1].endpoint == endpoint
    assert sandbox.requests[-1].result == 1011


@pytest.mark.parametrize("path", ["/", "/v5/tlssmssvr", "/v5/tlsvoicesvr/sendcvoice", "/sendsms"])
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


# Frequency limits ----------------------------------------------------------------------------


def test_1023_per_30_seconds(sandbox, clock):
    sandbox.limits = FrequencyLimits(per_30s=1, per_hour=5, per_day=10)
    assert send(sandbox, make_body(sandbox))["result"] == 0
    clock.advance(29)
    assert send(sandbox, make_body(sandbox))["result"] == 1023
    assert send(sandbox, make_body(sandbox, mobile="13788888889"))["result"] == 0
    clock.advance(1)
    assert send(sandbox, make_body(sandbox))["result"] == 0
    assert [m.mobile for m in sandbox.messages] == [SEED_MOBILE, "13788888889", SEED_MOBILE]


def test_1024_per_hour_counts_accepted_sends_only(sandbox, clock):
    sandbox.limits = FrequencyLimits(per_30s=1, per_hour=5, per_day=10)
    for _ in range(5):
        assert send(sandbox, make_body(sandbox))["result"] == 0
        assert send(sandbox, make_body(sandbox))["result"] == 1023  # refused: not counted
        clock.advance(31)
    assert send(sandbox, make_body(sandbox))["result"] == 1024
    clock.now = SEED_TIME + 3599
    assert send(sandbox, make_body(sandbox))["result"] == 1024
    clock.now = SEED_TIME + 3600  # the first send leaves the hour
    assert send(sandbox, make_body(sandbox))["result"] == 0
    assert len(sandbox.messages) == 6


def test_1025_per_calendar_day_in_china_time(sandbox, clock):
    sandbox.limits = FrequencyLimits(per_30s=None, per_hour=None, per_day=3)
    china_midnight = 1704124800  # 2024-01-02 00:00 in China = 2024-01-01 16:00 UTC
    clock.now = china_midnight - 120
    for _ in range(3):
        assert send(sandbox, make_body(sandbox))["result"] == 0
    assert send(sandbox, make_body(sandbox))["result"] == 1025
    clock.now = china_midnight - 1
    assert send(sandbox, make_body(sandbox))["result"] == 1025
    clock.now = china_midnight  # a new day in China, the same day in UTC
    assert send(sandbox, make_body(sandbox))["result"] == 0


def test_limits_off_by_default_and_reset_clears_the_counters(sandbox, clock):
    for _ in range(12):
        assert send(sandbox, make_body(sandbox))["result"] == 0
    sandbox.limits = FrequencyLimits(per_30s=None, per_hour=None, per_day=10)
    assert send(sandbox, make_body(sandbox))["result"] == 1025  # counted while off
    sandbox.reset()
    assert send(sandbox, make_body(sandbox))["result"] == 0
    sandbox.limits = None
    assert sandbox.limits is None


def test_frequency_limits_validate():
    assert FrequencyLimits() == FrequencyLimits(per_30s=1, per_hour=5, per_day=10)
    with pytest.raises(ValueError):
        FrequencyLimits(per_30s=-1)
    with pytest.raises(ValueError):
        FrequencyLimits(per_day=True)
    with pytest.raises(TypeError):
        Sandbox().limits = (1, 5, 10)


# Faults ------------------------------------------------------------------------------------


def test_fault_http_error(sandbox):
    sandbox.fail_next("http_error")
    sandbox.fail_next("http_error", status=503)
    first = post(sandbox, make_body(sandbox))
    second = post(sandbox, make_body(sandbox))
    third = post(sandbox, make_body(sandbox))
    assert (first.status_code, second.status_code, third.status_code) == (500, 503, 200)
    assert "500" in first.text
    assert third.json()["result"] == 0
    assert [(r.fault, r.result) for r in sandbox.requests] == [
        ("http_error", None),
        ("http_error", None),
        (None, 0),
    ]
    assert len(sandbox.messages) == 1


def test_fault_slow_times_out_a_short_client_timeout(sandbox):
    sandbox.fail_next("slow", delay=0.3)
    with pytest.raises(requests.exceptions.ReadTimeout):
        post(sandbox, make_body(sandbox), timeout=0.05)
    assert sandbox.requests[0].fault == "slow"


def test_fault_slow_then_answers_normally(sandbox):
    sandbox.fail_next("slow", delay=0.1)
    started = time.monotonic()
    answer = send(sandbox, make_body(sandbox))
    assert time.monotonic() - started >= 0.1
    assert answer["result"] == 0
    assert (sandbox.requests[0].fault, sandbox.requests[0].result) == ("slow", 0)


def _send_in_thread(sb: Sandbox) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["answer"] = send(sb, make_body(sb))
        except requests.RequestException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert wait_until(lambda: sb.requests)
    return thread, outcome


def test_reset_wakes_a_slow_request(sandbox):
    sandbox.fail_next("slow", delay=60)
    thread, outcome = _send_in_thread(sandbox)
    started = time.monotonic()
    sandbox.reset()
    thread.join(5)
    assert time.monotonic() - started < 2
    assert outcome["answer"]["result"] == 0


def test_stop_is_prompt_with_a_slow_request_and_closes_the_port(clock):
    sb = Sandbox(sdk_app_id=APP_ID, app_key=SEED_KEY, templates=TEMPLATES, clock=clock).start()
    port = sb.port
    sb.fail_next("slow", delay=60)
    thread, outcome = _send_in_thread(sb)
    started = time.monotonic()
    sb.stop()
    assert time.monotonic() - started < 2
    thread.join(5)
    assert not thread.is_alive()
    assert "answer" in outcome or isinstance(outcome["error"], requests.ConnectionError)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    sb.stop()  # twice is harmless


def test_stop_closes_idle_keep_alive_connections(clock):
    sb = Sandbox(sdk_app_id=APP_ID, app_key=SEED_KEY, templates=TEMPLATES, clock=clock).start()
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    conn.request("POST", "/v5/tlssmssvr/sendsms", body=b"{}")
    assert json.loads(conn.getresponse().read())["result"] == 1004
    sb.stop()
    conn.sock.settimeout(2)
    assert conn.sock.recv(1) == b""  # closed by the server, not left waiting
    conn.close()


def test_fault_drop(sandbox):
    sandbox.fail_next("drop")
    body = json.dumps(make_body(sandbox)).encode()
    with pytest.raises(requests.exceptions.ConnectionError):
        post(sandbox, body)
    [request] = sandbox.requests
    assert (request.fault, request.result, request.body) == ("drop", None, body)
    assert sandbox.messages == []
    assert send(sandbox, body)["result"] == 0  # the next request is served


def test_fault_not_json(sandbox):
    sandbox.fail_next("not_json")
    response = post(sandbox, make_body(sandbox))
    assert response.status_code == 200
    assert "<html>" in response.text
    with pytest.raises(ValueError):
        response.json()
    assert (sandbox.requests[0].fault, sandbox.requests[0].result) == ("not_json", None)


def test_fault_result(sandbox):
    sandbox.fail_next("result")
    sandbox.fail_next("result", result=1031, errmsg="余额不足")
    body = make_body(sandbox, ext="x")
    assert send(sandbox, body) == {"result": 1008, "errmsg": lookup(1008).meaning, "ext": "x"}
    assert send(sandbox, b"no checks at all") == {"result": 1031, "errmsg": "余额不足", "ext": ""}
    assert [(r.fault, r.result) for r in sandbox.requests] == [("result", 1008), ("result", 1031)]
    assert sandbox.messages == []


def test_faults_are_first_in_first_out_and_counted(sandbox):
    sandbox.fail_next("http_error", count=2, status=502)
    sandbox.fail_next("not_json")
    statuses = [post(sandbox, make_body(sandbox)) for _ in range(4)]
    assert [r.status_code for r in statuses] == [502, 502, 200, 200]
    assert [r.fault for r in sandbox.requests] == ["http_error", "http_error", "not_json", None]
    assert statuses[3].json()["result"] == 0


def test_reset_clears_pending_faults(sandbox):
    sandbox.fail_next("http_error", count=3)
    sandbox.reset()
    assert send(sandbox, make_body(sandbox))["result"] == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "boom"},
        {"kind": "http_error", "count": 0},
        {"kind": "http_error", "count": True},
        {"kind": "http_error", "status": 42},
        {"kind": "slow", "delay": -1},
        {"kind": "result", "result": "1008"},
        {"kind": "result", "errmsg": 5},
    ],
)
def test_fail_next_validates(sandbox, kwargs):
    with pytest.raises(ValueError):
        sandbox.fail_next(**kwargs)
    assert send(sandbox, make_body(sandbox))["result"] == 0


# HTTP ----------------------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(sandbox, session):
    for _ in range(5):
        assert send(sandbox, make_body(sandbox), session=session)["result"] == 0
    assert sandbox.connections == 1
    assert {r.connection for r in sandbox.requests} == {1}

    for _ in range(2):  # without a session: one connection per request
        assert send(sandbox, make_body(sandbox))["result"] == 0
    assert sandbox.connections == 3
    assert [r.connection for r in sandbox.requests] == [1, 1, 1, 1, 1, 2, 3]


def test_keep_alive_over_http_client_with_errors_in_between(sandbox):
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=5)
    try:
        for body in (b"garbage", json.dumps(make_body(sandbox)).encode(), b"{}"):
            conn.request("POST", f"/v5/tlssmssvr/sendsms?sdkappid={APP_ID}&random=1", body=body)
            response = conn.getresponse()
            payload = response.read()
            assert response.getheader("Content-Length") == str(len(payload))
            assert response.getheader("Connection") is None
    finally:
        conn.close()
    assert sandbox.connections == 1
    assert [r.result for r in sandbox.requests] == [1004, 1001, 1004]


def test_responses_do_not_stall_on_delayed_ack(sandbox, session):
    # A response written as headers then body can wait ~40 ms for the client's delayed ACK.
    send(sandbox, make_body(sandbox), session=session)
    started = time.perf_counter()
    for _ in range(40):
        send(sandbox, b"{}", session=session)
    assert (time.perf_counter() - started) / 40 < 0.02


def test_connection_close_is_honoured(sandbox):
    response = post(sandbox, make_body(sandbox), headers={"Connection": "close"})
    assert response.headers["Connection"] == "close"


def test_chunked_request_body(sandbox):
    data = json.dumps(make_body(sandbox)).encode()
    response = requests.post(
        f"{sandbox.url}/sendsms?sdkappid={APP_ID}&random={SEED_RANDOM}",
        data=iter([data[:10], data[10:]]),
        timeout=5,
    )
    assert response.json()["result"] == 0
    assert sandbox.requests[0].headers["Transfer-Encoding"] == "chunked"
    assert sandbox.requests[0].body == data


def test_raw_utf8_and_unicode_escapes_are_both_accepted(sandbox):
    body = make_body(sandbox, params=["验证码"], sign="腾讯云", ext="上下文")
    escaped = json.dumps(body).encode()
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    assert b"\\u" in escaped and b"\\u" not in raw
    assert send(sandbox, escaped)["ext"] == "上下文"
    assert send(sandbox, raw)["ext"] == "上下文"
    texts = [m.text for m in sandbox.messages]
    assert texts == ["【腾讯云】Your code is 验证码."] * 2


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"Conetent-Type": "application/json"},  # Tencent's Java SDK
        {"Content-Type": "application/x-www-form-urlencoded"},  # PHP curl default
        {"Content-Type": "text/plain"},
    ],
)
def test_content_type_is_ignored(sandbox, headers):
    assert send(sandbox, make_body(sandbox), headers=headers)["result"] == 0


# The Python API ------------------------------------------------------------------------------


def test_requests_are_recorded_as_copies(sandbox):
    body = make_body(sandbox, ext="e")
    send(sandbox, body)
    [request] = sandbox.requests
    assert isinstance(request, ReceivedRequest)
    assert request.endpoint == "sendsms"
    assert request.method == "POST"
    assert request.query == {"sdkappid": APP_ID, "random": SEED_RANDOM}
    assert request.json == body
    assert json.loads(request.body) == body
    assert request.headers["Content-Length"] == str(len(request.body))
    assert (request.received_at, request.result, request.fault, request.connection) == (
        SEED_TIME,
        0,
        None,
        1,
    )
    request.json["tpl_id"] = 0
    request.query.clear()
    sandbox.messages[0].params.append("changed")
    assert sandbox.requests[0].json["tpl_id"] == 20
    assert sandbox.requests[0].query
    assert sandbox.messages[0].params == ["1234"]


def test_sids_are_unique(sandbox):
    sids = {send(sandbox, make_body(sandbox))["sid"] for _ in range(20)}
    assert len(sids) == 20
    assert all(SID.match(sid) for sid in sids)
    assert {m.sid for m in sandbox.messages} == sids


def test_default_sign_is_used_when_the_request_has_none(clock):
    with Sandbox(APP_ID, SEED_KEY, templates=TEMPLATES, default_sign="测试", clock=clock) as sb:
        send(sb, make_body(sb, sign=""))
        send(sb, make_body(sb, sign="别的"))
        body = make_body(sb)
        del body["sign"]
        send(sb, body)
        assert [(m.sign, m.text) for m in sb.messages] == [
            ("测试", "【测试】Your code is 1234."),
            ("别的", "【别的】Your code is 1234."),
            ("测试", "【测试】Your code is 1234."),
        ]


def test_extend_and_ext_are_recorded(sandbox):
    send(sandbox, make_body(sandbox, extend="12", ext="ctx"))
    assert (sandbox.messages[0].extend, sandbox.messages[0].ext) == ("12", "ctx")


def test_lenient_mode_accepts_any_template(clock):
    with Sandbox(APP_ID, SEED_KEY, templates=None, clock=clock) as sb:
        assert send(sb, make_body(sb, tpl_id=7, params=["a", "b"]))["result"] == 0
        assert send(sb, make_body(sb, tpl_id=8, params=[]))["result"] == 0
        assert send(sb, make_body(sb, tpl_id=9, params=["1234567890123"]))["result"] == 1036
        sb.add_template(7, "Code {1}")
        assert send(sb, make_body(sb, tpl_id=7, params=["a", "b"]))["result"] == 1014
        assert send(sb, make_body(sb, tpl_id=7, params=["a"]))["result"] == 0
        assert [m.text for m in sb.messages] == [
            "【腾讯云】template 7: a, b",
            "【腾讯云】template 8",
            "【腾讯云】Code a",
        ]


def test_templates_from_a_callable_are_read_per_request(clock):
    store = {20: "First {1}"}
    calls = []

    def templates():
        calls.append(1)
        return store

    with Sandbox(APP_ID, SEED_KEY, templates=templates, clock=clock) as sb:
        send(sb, make_body(sb))
        store[20] = "Second {1}"
        send(sb, make_body(sb))
        store.clear()
        assert send(sb, make_body(sb))["result"] == 1014
        assert [m.text for m in sb.messages] == ["【腾讯云】First 1234", "【腾讯云】Second 1234"]
        assert len(calls) == 3
        with pytest.raises(TypeError):
            sb.add_template(21, "x")


def test_a_failing_template_source_answers_1007(clock, capsys):
    def broken():
        raise RuntimeError("database is down")

    with Sandbox(APP_ID, SEED_KEY, templates=broken, clock=clock) as sb:
        assert send(sb, make_body(sb))["result"] == 1007
    assert "database is down" in capsys.readouterr().err


def test_template_helpers():
    assert placeholder_count("{1} and {2} and {1}") == 2
    assert placeholder_count("no {x} placeholders {}") == 0
    assert render("{1}-{2}-{1}", ["a", "{2}"]) == "a-{2}-a"  # substituted once
    assert render("{1} {3}", ["a", "b"]) == "a {3}"


def test_url_port_host_and_lifecycle(clock):
    sb = Sandbox(APP_ID, SEED_KEY, clock=clock, port=0)
    assert sb.port == 0
    assert sb.start() is sb
    try:
        assert sb.port > 0
        assert sb.host == "127.0.0.1"
        assert sb.url == f"http://127.0.0.1:{sb.port}/v5/tlssmssvr"
        with pytest.raises(RuntimeError):
            sb.start()
    finally:
        sb.stop()
    assert SEED_KEY not in repr(sb)


def test_quiet_by_default_and_verbose_without_secrets(clock, capfd):
    with Sandbox(APP_ID, SEED_KEY, templates=TEMPLATES, clock=clock) as sb:
        send(sb, make_body(sb))
        send(sb, b"junk")
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")

    with Sandbox(APP_ID, SEED_KEY, templates=TEMPLATES, clock=clock, verbose=True) as sb:
        body = make_body(sb)
        send(sb, body)
    err = capfd.readouterr().err
    assert err.count("\n") == 1
    assert "result 0" in err
    assert body["sig"] not in err
    assert SEED_KEY not in err


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
        (140, "1", "a", 1),  # international GSM-7: 140, then 134
        (141, "1", "a", 2),
        (268, "1", "a", 2),
        (269, "1", "a", 3),
        (140, "44", "é", 1),  # é is in the GSM-7 alphabet
        (70, "1", "中", 1),  # international UCS-2: 70, then 67
        (71, "1", "中", 2),
        (134, "852", "中", 2),
        (135, "852", "中", 3),
    ],
)
def test_fee(length, nationcode, char, fee):
    assert sms_fee(char * length, nationcode) == fee


def test_one_non_gsm_character_makes_an_international_message_ucs2():
    assert sms_fee("a" * 100, "1") == 1
    assert sms_fee("a" * 99 + "【", "1") == 2
    assert is_single_byte("Hello {world} [€] ^~|\\")
    assert not is_single_byte("验证码")


def test_fee_end_to_end(sandbox):
    sandbox.add_template(40, "x" * 65 + "{1}")
    answer = send(sandbox, make_body(sandbox, tpl_id=40, params=["1"]))  # 5 + 65 + 1 = 71
    assert answer["fee"] == 2
    assert sandbox.messages[0].fee == 2


# The control API -------------------------------------------------------------------------------


def control(sb: Sandbox, method: str, route: str, data=None) -> requests.Response:
    url = f"http://127.0.0.1:{sb.port}/_sandbox/{route}"
    return requests.request(method, url, json=data, timeout=5)


def test_control_messages_and_requests(sandbox):
    send(sandbox, make_body(sandbox, params=["9876"]))
    send(sandbox, b"junk")
    messages = control(sandbox, "GET", "messages").json()
    assert [m["text"] for m in messages] == ["【腾讯云】Your code is 9876."]
    assert messages[0]["sid"] == sandbox.messages[0].sid
    requests_ = control(sandbox, "GET", "requests").json()
    assert [r["result"] for r in requests_] == [0, 1004]
    assert requests_[1]["body"] == "junk"
    assert json.loads(requests_[0]["body"])["params"] == ["9876"]
    assert len(sandbox.requests) == 2  # control calls are not recorded


def test_control_faults(sandbox):
    response = control(sandbox, "POST", "faults", {"kind": "http_error", "status": 502, "count": 2})
    assert response.json() == {"ok": True}
    assert [post(sandbox, make_body(sandbox)).status_code for _ in range(3)] == [502, 502, 200]
    control(sandbox, "POST", "faults", {"kind": "result", "result": 1025})
    assert send(sandbox, make_body(sandbox))["result"] == 1025


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "boom"},
        {"status": 500},
        {"kind": "slow", "delay": "1"},
        {"kind": "drop", "x": 1},
        [],
    ],
)
def test_control_faults_refuse_bad_input(sandbox, data):
    response = control(sandbox, "POST", "faults", data)
    assert response.status_code == 400
    assert response.json()["error"]
    assert send(sandbox, make_body(sandbox))["result"] == 0


def test_control_templates_and_reset(sandbox):
    response = control(sandbox, "POST", "templates", {"tpl_id": 42, "text": "Hi {1}, bye {2}"})
    assert response.json() == {"ok": True}
    assert send(sandbox, make_body(sandbox, tpl_id=42, params=["A", "B"]))["result"] == 0
    assert sandbox.messages[0].text == "【腾讯云】Hi A, bye B"
    assert control(sandbox, "POST", "templates", {"tpl_id": "42", "text": "x"}).status_code == 400

    sandbox.fail_next("http_error")
    assert control(sandbox, "POST", "reset").json() == {"ok": True}
    assert sandbox.messages == [] and sandbox.requests == []
    assert send(sandbox, make_body(sandbox))["result"] == 0  # the fault was cleared


def test_control_templates_conflict_with_a_callable_source(clock):
    with Sandbox(APP_ID, SEED_KEY, templates=lambda: {}, clock=clock) as sb:
        assert control(sb, "POST", "templates", {"tpl_id": 1, "text": "x"}).status_code == 409


def test_control_routes_and_methods(sandbox):
    assert control(sandbox, "GET", "reset").status_code == 405
    assert control(sandbox, "POST", "messages").headers["Allow"] == "GET"
    assert control(sandbox, "GET", "nothing").status_code == 404


# The command line ----------------------------------------------------------------------------


def test_cli_main_serves_until_stopped(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(SEED_KEY + "\n")
    out = io.StringIO()
    stop = threading.Event()
    argv = [
        "--port=0",
        f"--app-key-file={key_file}",
        "--sdk-app-id=1400009999",
        "--template",
        "20=Your code is {1}.",
        "--limits=1,,",
    ]
    exit_codes = []
    thread = threading.Thread(
        target=lambda: exit_codes.append(main(argv, stdout=out, stop_event=stop, environ={})),
        daemon=True,
    )
    thread.start()
    try:
        assert wait_until(lambda: "Ctrl-C" in out.getvalue())
        url = re.search(r"API_URL: (\S+)", out.getvalue()).group(1)
        now = int(time.time())
        body = {
            "tel": {"nationcode": "86", "mobile": SEED_MOBILE},
            "tpl_id": 20,
            "params": ["4321"],
            "sig": v5_signature(SEED_KEY, "5", now, mobiles=[SEED_MOBILE]),
            "time": now,
        }
        sent = [
            requests.post(f"{url}/sendsms?sdkappid=1400009999&random=5", json=body, timeout=5)
            for _ in range(2)
        ]
        assert [r.json()["result"] for r in sent] == [0, 1023]
        messages = re.search(r"Messages \(JSON\): (\S+)", out.getvalue()).group(1)
        assert requests.get(messages, timeout=5).json()[0]["text"] == "【腾讯云】Your code is 4321."
    finally:
        stop.set()
        thread.join(5)
    assert exit_codes == [0]
    assert SEED_KEY not in out.getvalue()


def test_cli_options(tmp_path):
    import argparse

    from django_tencent_sms.sandbox.cli import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = parser.parse_args([])
    sb, notes = sandbox_from_options(options, environ={})
    assert (sb.host, sb.port, sb.limits) == ("127.0.0.1", 8765, None)
    assert any("development key" in note for note in notes)
    assert not any("sandbox-app-key" in note for note in notes)
    assert any("lenient" in note for note in notes)

    env = {"TENCENT_SMS_APP_KEY": "k-from-env", "TENCENT_SMS_SDK_APP_ID": "1400000042"}
    sb, notes = sandbox_from_options(parser.parse_args(["--port", "0"]), environ=env)
    assert "k-from-env" not in "".join(notes)
    with sb:
        now = int(time.time())
        body = {
            "tel": {"nationcode": "86", "mobile": SEED_MOBILE},
            "tpl_id": 5,
            "params": [],
            "sig": v5_signature("k-from-env", "1", now, mobiles=[SEED_MOBILE]),
            "time": now,
        }
        url = f"{sb.url}/sendsms?sdkappid=1400000042&random=1"
        assert requests.post(url, json=body, timeout=5).json()["result"] == 0

    assert parse_limits("1,5,10") == FrequencyLimits(1, 5, 10)
    assert parse_limits("1,,") == FrequencyLimits(1, None, None)
    for bad in (
        ["--limits", "1,5"],
        ["--limits", "a,b,c"],
        ["--template", "x=y"],
        ["--template", "1"],
    ):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)


def test_cli_reports_a_busy_port(capsys):
    with Sandbox() as sb:
        assert main(["--port", str(sb.port)], environ={}) == 1
    assert "sandbox:" in capsys.readouterr().err


def test_package_runs_without_django():
    code = (
        "import sys, django_tencent_sms.sandbox, django_tencent_sms.sandbox.cli; "
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    result = subprocess.run(
        [sys.executable, "-m", "django_tencent_sms.sandbox", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "--app-key-file" in result.stdout
    assert "--app-key " not in result.stdout
