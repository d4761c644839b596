"""The HTTP control API under ``/_sandbox/`` (``control.py``), for processes that cannot call
the Python API.

No Django needed.
"""

from __future__ import annotations

import json

import pytest
import requests

from django_tencent_sms.sandbox import Sandbox
from tests.sandbox.helpers import (
    APP_ID,
    SEED_KEY,
    make_body,
    post,
    seed_sandbox_fixtures,
    send,
)

clock, sandbox = seed_sandbox_fixtures()


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
    # An API 3.0 code: the legacy API answers its equivalent, or ``result`` without one.
    control(sandbox, "POST", "faults", {"kind": "result", "code": "LimitExceeded.AppDailyLimit"})
    assert send(sandbox, make_body(sandbox))["result"] == 1022
    fault = {"kind": "result", "code": "InternalError.SendAndRecvFail", "result": 1008}
    control(sandbox, "POST", "faults", fault)
    assert send(sandbox, make_body(sandbox))["result"] == 1008


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "boom"},
        {"status": 500},
        {"kind": "slow", "delay": "1"},
        {"kind": "drop", "x": 1},
        {"kind": "result", "code": 1022},
        {"kind": "result", "code": ""},
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


def test_control_templates_take_the_templates_type(sandbox):
    """A process that cannot call Python marks a verification template, whose messages then
    carry a code in /_sandbox/messages; a notification's digits do not."""
    for tpl_id, kind in ((42, "verification"), (43, "notification")):
        data = {"tpl_id": tpl_id, "text": "Order {1}", "kind": kind}
        assert control(sandbox, "POST", "templates", data).json() == {"ok": True}
    for tpl_id in (42, 43, 19):
        send(
            sandbox,
            make_body(sandbox, tpl_id=tpl_id, params=["A1234"] * (3 if tpl_id == 19 else 1)),
        )
    listed = control(sandbox, "GET", "messages").json()
    assert [(m["tpl_id"], m["kind"], m["code"]) for m in listed] == [
        (19, None, None),  # of no known type: no code
        (43, "notification", None),
        (42, "verification", "1234"),
    ]
    for bad in ({"kind": "otp"}, {"kind": 1}, {"kinds": "verification"}):
        answer = control(sandbox, "POST", "templates", {"tpl_id": 44, "text": "x", **bad})
        assert answer.status_code == 400 and answer.json()["error"]
    assert 44 not in sandbox.template_kinds() and 44 not in sandbox.state.templates.everything()


def test_control_templates_conflict_with_a_callable_source(clock):
    with Sandbox(APP_ID, SEED_KEY, templates=lambda: {}, clock=clock) as sb:
        assert control(sb, "POST", "templates", {"tpl_id": 1, "text": "x"}).status_code == 409


def test_control_routes_and_methods(sandbox):
    assert control(sandbox, "GET", "reset").status_code == 405
    assert control(sandbox, "POST", "messages").headers["Allow"] == "GET"
    assert control(sandbox, "GET", "nothing").status_code == 404
