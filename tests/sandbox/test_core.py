"""The ``Sandbox`` facade's Python API (``core.py``): what it records, its templates, its
addresses and life cycle, its log.

No Django needed. No test sleeps to wait for time; the clock is faked.
"""

from __future__ import annotations

import json

import pytest

from django_tencent_sms.sandbox import ReceivedRequest, Sandbox
from django_tencent_sms.sandbox.templates import placeholder_count, render
from tests.sandbox.helpers import (
    APP_ID,
    SEED_KEY,
    SEED_RANDOM,
    SEED_TIME,
    SID,
    TEMPLATES,
    make_body,
    seed_sandbox_fixtures,
    send,
)

clock, sandbox = seed_sandbox_fixtures()


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
