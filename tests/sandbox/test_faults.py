"""Scripted failures (``Sandbox.fail_next``, ``faults.py``): what the next requests suffer.

No Django needed. No test sleeps to wait for time; the clock is faked.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests

from django_tencent_sms.result_codes import lookup
from django_tencent_sms.sandbox import Sandbox
from tests.sandbox.helpers import (
    APP_ID,
    SEED_KEY,
    TEMPLATES,
    make_body,
    post,
    seed_sandbox_fixtures,
    send,
)
from tests.waiting import wait_until

clock, sandbox = seed_sandbox_fixtures()


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


def test_fault_trickle_answers_normally_and_closes(sandbox):
    """(How slowly it trickles is the client's concern: ``tests/backends/test_deadline.py``.)"""
    sandbox.fail_next("trickle", delay=0)
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as conn:
        query = f"sdkappid={APP_ID}&random=7226249334"
        body = json.dumps(make_body(sandbox)).encode()
        conn.sendall(
            f"POST /v5/tlssmssvr/sendsms?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        pieces = []
        while piece := conn.recv(65536):
            pieces.append(piece)
    answer = b"".join(pieces)
    assert answer.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in answer
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["result"] == 0
    assert len(sandbox.messages) == 1


def test_reset_wakes_a_trickling_answer(sandbox):
    sandbox.fail_next("trickle", delay=60)
    thread, outcome = _send_in_thread(sandbox)
    assert wait_until(lambda: len(sandbox.requests) == 1)
    started = time.monotonic()
    sandbox.reset()
    thread.join(5)
    assert time.monotonic() - started < 2
    assert isinstance(outcome.get("error"), requests.RequestException)


@pytest.mark.parametrize("kind", ["huge", "huge_chunked"])
def test_fault_huge_streams_an_answer_of_the_size_asked(sandbox, kind):
    sandbox.fail_next(kind, size=3 * 65536 + 5)
    response = post(sandbox, make_body(sandbox))
    assert response.status_code == 200
    assert response.content == b" " * (3 * 65536 + 5)
    announced = response.headers.get("Content-Length")
    assert announced == (str(3 * 65536 + 5) if kind == "huge" else None)
    assert (sandbox.requests[0].fault, sandbox.messages) == (kind, [])


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
        {"kind": "huge", "size": -1},
        {"kind": "huge", "size": "1"},
    ],
)
def test_fail_next_validates(sandbox, kwargs):
    with pytest.raises(ValueError):
        sandbox.fail_next(**kwargs)
    assert send(sandbox, make_body(sandbox))["result"] == 0
