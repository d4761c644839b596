"""The legacy API's ``sendmultisms2`` (Tencent's bulk send) on the sandbox, over a real socket.

No Django needed. No test sleeps; the clock is faked.
"""

from __future__ import annotations

import json

import pytest
import requests

from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.result_codes import lookup
from django_tencent_sms.sandbox import FrequencyLimits, Sandbox
from tests.sandbox.helpers import sandbox_fixtures

KEY = "5f03a35d00ee52a21327ab048186a2c4"
RANDOM = "7226249334"
NOW = 1457336869
APP_ID = "1400000000"
TEMPLATES = {20: "Your order {1} has shipped.", 21: "Hello."}
A, B, C = "13788888888", "13788888889", "13788888890"


clock, sandbox = sandbox_fixtures(now=NOW, sdk_app_id=APP_ID, app_key=KEY, templates=TEMPLATES)


def tels(*mobiles: str, nationcode: str = "86") -> list[dict]:
    return [{"nationcode": nationcode, "mobile": m} for m in mobiles]


def make_body(
    tel: list[dict],
    *,
    tpl_id: int = 20,
    params: list[str] | None = None,
    time: int = NOW,
    sign: str = "腾讯云",
    ext: str = "",
    signed_mobiles: list[str] | None = None,
) -> dict:
    """A correctly signed sendmultisms2 body: the sig covers the mobiles in ``tel`` order."""
    mobiles = [t["mobile"] for t in tel] if signed_mobiles is None else signed_mobiles
    return {
        "tel": tel,
        "tpl_id": tpl_id,
        "params": ["A1234"] if params is None else params,
        "sign": sign,
        "sig": v5_signature(KEY, RANDOM, time, mobiles=mobiles),
        "time": time,
        "extend": "",
        "ext": ext,
    }


def send(sb: Sandbox, body: dict | bytes, *, endpoint: str = "sendmultisms2") -> dict:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    url = f"{sb.url}/{endpoint}?sdkappid={APP_ID}&random={RANDOM}"
    response = requests.post(url, data=data, timeout=5)
    assert response.status_code == 200
    return response.json()


def test_each_number_gets_a_detail_entry_and_a_recorded_message(sandbox):
    answer = send(sandbox, make_body(tels(A, B), ext="batch-1"))
    assert (answer["result"], answer["errmsg"], answer["ext"]) == (0, "OK", "batch-1")
    first, second = answer["detail"]
    assert {k: first[k] for k in ("result", "errmsg", "mobile", "nationcode", "fee")} == {
        "result": 0,
        "errmsg": "OK",
        "mobile": A,
        "nationcode": "86",
        "fee": 1,
    }
    assert second["mobile"] == B and first["sid"] != second["sid"]
    messages = sandbox.messages
    assert [(m.mobile, m.sid) for m in messages] == [(A, first["sid"]), (B, second["sid"])]
    assert messages[0].text == "【腾讯云】Your order A1234 has shipped."
    assert messages[0].ext == "batch-1" and messages[0].params == ["A1234"]
    (request,) = sandbox.requests
    assert (request.endpoint, request.result) == ("sendmultisms2", 0)


def test_the_inbox_and_the_control_api_list_bulk_messages(sandbox):
    send(sandbox, make_body(tels(A, B)))
    listed = requests.get(f"http://127.0.0.1:{sandbox.port}/_sandbox/messages", timeout=5).json()
    assert [m["mobile"] for m in listed] == [B, A]  # newest first, as the inbox: B was last
    page = requests.get(f"http://127.0.0.1:{sandbox.port}/_sandbox/inbox", timeout=5).text
    assert "A1234" in page


def test_the_signature_covers_every_number_in_order(sandbox):
    body = make_body(tels(A, B), signed_mobiles=[B, A])
    assert send(sandbox, body) == {"result": 1001, "errmsg": lookup(1001).meaning, "ext": ""}
    assert send(sandbox, make_body(tels(A, B), signed_mobiles=[A]))["result"] == 1001
    assert sandbox.messages == []


def test_the_reference_two_number_vector_is_accepted(sandbox):
    body = make_body(tels(A, B))
    assert body["sig"] == "be66bb4aeb54701ed0637d0996a0b75111d5b8eda9b3a71bdc579a3d26f3edfb"
    assert send(sandbox, body)["result"] == 0


def test_time_more_than_ten_minutes_off_is_refused(sandbox, clock):
    clock.now = NOW + 601
    assert send(sandbox, make_body(tels(A)))["result"] == 1021


def test_more_than_200_numbers_is_1046(sandbox):
    mobiles = [f"137{i:08d}" for i in range(201)]
    assert send(sandbox, make_body(tels(*mobiles)))["result"] == 1046
    answer = send(sandbox, make_body(tels(*mobiles[:200])))
    assert answer["result"] == 0 and len(answer["detail"]) == 200
    assert len(sandbox.messages) == 200


def test_domestic_and_international_together_is_1034(sandbox):
    mixed = tels(A) + tels("7400123456", nationcode="44")
    answer = send(sandbox, make_body(mixed))
    assert answer["result"] == 1034 and "detail" not in answer
    assert sandbox.messages == []


def test_international_numbers_of_several_countries_share_a_request(sandbox):
    numbers = tels("7400123456", nationcode="44") + tels("4155552671", nationcode="1")
    answer = send(sandbox, make_body(numbers))
    assert [d["result"] for d in answer["detail"]] == [0, 0]
    assert [(m.nationcode, m.mobile) for m in sandbox.messages] == [
        ("44", "7400123456"),
        ("1", "4155552671"),
    ]


def test_a_bad_number_is_refused_in_its_detail_entry_only(sandbox):
    answer = send(sandbox, make_body(tels(A, "23788888888", B)))
    assert answer["result"] == 0
    assert [d["result"] for d in answer["detail"]] == [0, 1016, 0]
    refused = answer["detail"][1]
    assert refused["errmsg"] == lookup(1016).meaning and "sid" not in refused
    assert "fee" not in refused
    assert [m.mobile for m in sandbox.messages] == [A, B]


def test_frequency_limits_apply_per_number(sandbox, clock):
    sandbox.limits = FrequencyLimits(per_30s=1, per_hour=None, per_day=None)
    send(sandbox, make_body(tels(A)))
    answer = send(sandbox, make_body(tels(A, B)))
    assert [d["result"] for d in answer["detail"]] == [1023, 0]
    # A number listed twice in one request meets the limit on its second entry.
    answer = send(sandbox, make_body(tels(C, C)))
    assert [d["result"] for d in answer["detail"]] == [0, 1023]
    clock.now += 30
    assert [d["result"] for d in send(sandbox, make_body(tels(A)))["detail"]] == [0]


def test_without_limits_a_repeated_number_gets_two_messages(sandbox):
    answer = send(sandbox, make_body(tels(A, A)))
    assert [d["result"] for d in answer["detail"]] == [0, 0]
    assert len(sandbox.messages) == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"tpl_id": 99}, 1014),
        ({"params": []}, 1014),
        ({"params": ["A" * 13]}, 1036),
        ({"sign": "x" * 440}, 1017),
    ],
)
def test_template_and_content_checks_refuse_the_whole_request(sandbox, changes, code):
    answer = send(sandbox, make_body(tels(A, B), **changes))
    assert answer["result"] == code and "detail" not in answer
    assert sandbox.messages == []


@pytest.mark.parametrize(
    "tel",
    [
        {"nationcode": "86", "mobile": A},  # an object: the single-send shape
        [],
        [{"nationcode": 86, "mobile": A}],
        ["13788888888"],
    ],
    ids=["object", "empty", "number nationcode", "bare string"],
)
def test_a_tel_that_is_not_a_list_of_numbers_is_1004(sandbox, tel):
    body = make_body(tels(A))
    body["tel"] = tel
    answer = send(sandbox, body)
    assert answer["result"] == 1004 and answer["errmsg"].startswith(lookup(1004).meaning)


def test_a_multi_body_sent_to_sendsms_is_1004(sandbox):
    assert send(sandbox, make_body(tels(A)), endpoint="sendsms")["result"] == 1004


def test_the_sig_is_checked_before_the_count(sandbox):
    body = make_body(tels(*(f"137{i:08d}" for i in range(201))))
    body["sig"] = "0" * 64
    assert send(sandbox, body)["result"] == 1001


def test_fees_follow_the_length_per_number(sandbox):
    sandbox.add_template(22, "通知：" + "很" * 70 + "{1}")
    uk = tels("7400123456", nationcode="44")
    answer = send(sandbox, make_body(tels(A), tpl_id=22, params=["x"]))
    assert answer["detail"][0]["fee"] == 2
    answer = send(sandbox, make_body(uk, tpl_id=21, params=[], sign="Shop"))
    assert answer["detail"][0]["fee"] == 1


def test_a_scripted_result_refuses_the_whole_request(sandbox):
    sandbox.fail_next("result", result=1031)
    answer = send(sandbox, make_body(tels(A, B)))
    assert answer["result"] == 1031 and "detail" not in answer
    assert sandbox.messages == []


def test_tencents_own_sdk_sends_in_bulk_to_the_sandbox(monkeypatch):
    sdk = pytest.importorskip("qcloudsms_py")
    from qcloudsms_py import httpclient as sdk_httpclient

    monkeypatch.setattr(
        sdk_httpclient.HTTPResponse, "json", lambda self: json.loads(self.body.decode("utf-8"))
    )
    # The SDK takes time.time() itself: the sandbox uses the real clock here.
    with Sandbox(sdk_app_id=APP_ID, app_key=KEY, templates=TEMPLATES) as sb:
        answer = sdk.SmsMultiSender(APP_ID, KEY).send_with_param(
            "86", [A, B], 20, ["A1"], sign="腾讯云", url=f"{sb.url}/sendmultisms2"
        )
        assert answer["result"] == 0
        assert [d["mobile"] for d in answer["detail"]] == [A, B]
        assert [m.mobile for m in sb.messages] == [A, B]
