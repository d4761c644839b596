"""The sandbox's HTTP plumbing (``server.py``): keep-alive, one write per answer, chunked
bodies, prompt shutdown.

No Django needed.
"""

from __future__ import annotations

import http.client
import json
import time

import pytest
import requests

from django_tencent_sms.sandbox import Sandbox
from tests.sandbox.helpers import (
    APP_ID,
    SEED_KEY,
    SEED_RANDOM,
    TEMPLATES,
    make_body,
    post,
    seed_sandbox_fixtures,
    send,
)

clock, sandbox = seed_sandbox_fixtures()


@pytest.fixture
def session():
    with requests.Session() as session:
        yield session


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


def test_stop_closes_idle_keep_alive_connections(clock):
    sb = Sandbox(sdk_app_id=APP_ID, app_key=SEED_KEY, templates=TEMPLATES, clock=clock).start()
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    conn.request("POST", "/v5/tlssmssvr/sendsms", body=b"{}")
    assert json.loads(conn.getresponse().read())["result"] == 1004
    sb.stop()
    conn.sock.settimeout(2)
    assert conn.sock.recv(1) == b""  # closed by the server, not left waiting
    conn.close()
