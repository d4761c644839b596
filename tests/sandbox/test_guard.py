"""The control and inbox pages answer only this machine's own origin (``guard.py``), over a
real socket: DNS rebinding (a foreign ``Host``) and cross-site requests get a 403.

No Django needed.
"""

from __future__ import annotations

import socket

import pytest
import requests

from django_tencent_sms.sandbox.guard import is_local_host
from tests.sandbox.helpers import make_body, post, seed_sandbox_fixtures, send

clock, sandbox = seed_sandbox_fixtures()

CONTROL = [
    ("GET", "messages"),
    ("GET", "requests"),
    ("GET", "reports"),
    ("GET", "inbox"),
    ("POST", "reset"),
    ("POST", "inbox/clear"),
    ("POST", "faults"),
]


def control(sb, method, route, headers=None, **kwargs):
    return requests.request(
        method,
        f"{sb.cloud_endpoint}/_sandbox/{route}",
        headers=headers,
        timeout=5,
        allow_redirects=False,
        **kwargs,
    )


@pytest.fixture
def one_message(sandbox):
    assert send(sandbox, make_body(sandbox))["result"] == 0
    return sandbox


@pytest.mark.parametrize(("method", "route"), CONTROL)
@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "192.0.2.1", "10.0.0.1"])
def test_a_foreign_host_is_refused_with_403_and_nothing_happens(one_message, method, route, host):
    response = control(
        one_message, method, route, {"Host": host}, json={"kind": "http_error", "count": 5}
    )
    assert response.status_code == 403
    assert "loopback" in response.text and "DNS rebinding" in response.text
    assert "123456" not in response.text  # no message, no code
    assert len(one_message.messages) == 1  # not reset
    assert send(one_message, make_body(one_message))["result"] == 0  # no fault queued


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "LOCALHOST.", "127.0.0.2", "[::1]", "[::ffff:127.0.0.1]"]
)
def test_loopback_hosts_with_or_without_a_port_are_served(one_message, host):
    for value in (host, f"{host}:{one_message.port}"):
        response = control(one_message, "GET", "messages", {"Host": value})
        assert response.status_code == 200, value
        assert len(response.json()) == 1


def test_a_request_without_a_host_is_refused(sandbox):
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as conn:
        conn.sendall(b"GET /_sandbox/messages HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 403 ")


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://127.0.0.1",
        "null",
        "http://127.0.0.1:1",  # another local site
    ],
)
def test_a_foreign_origin_is_refused(one_message, origin):
    response = control(one_message, "POST", "reset", {"Origin": origin})
    assert response.status_code == 403
    assert "origin" in response.text
    assert len(one_message.messages) == 1


def test_the_emulators_own_origin_is_served(one_message):
    for host in ("127.0.0.1", "localhost"):
        origin = f"http://{host}:{one_message.port}"
        response = control(
            one_message, "POST", "inbox/clear", {"Origin": origin, "Sec-Fetch-Site": "same-origin"}
        )
        assert response.status_code == 303
    assert one_message.messages == []


@pytest.mark.parametrize(("method", "route"), CONTROL)
def test_sec_fetch_site_cross_site_is_refused(one_message, method, route):
    response = control(one_message, method, route, {"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert "cross-site" in response.text
    assert len(one_message.messages) == 1


def test_a_link_from_another_site_opens_the_inbox_page_but_nothing_else(one_message):
    navigation = {
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document",
    }
    assert control(one_message, "GET", "inbox", navigation).status_code == 200
    assert control(one_message, "GET", "messages", navigation).status_code == 403
    assert control(one_message, "POST", "inbox/clear", navigation).status_code == 403
    assert control(one_message, "GET", "inbox", {**navigation, "Host": "evil"}).status_code == 403


def test_the_api_endpoints_answer_any_host(sandbox):
    """SDKs send Tencent's own host name; only the control pages are guarded."""
    response = post(sandbox, make_body(sandbox), headers={"Host": "yun.tim.qq.com"})
    assert response.json()["result"] == 0


@pytest.mark.parametrize(
    ("host", "bound", "local"),
    [
        ("192.168.1.5", "192.168.1.5", True),  # explicitly bound: that address is the sandbox's
        ("myhost.lan", "myhost.lan", True),
        ("192.168.1.5", "0.0.0.0", False),  # a wildcard names no host
        ("192.168.1.5", "::", False),
        ("192.168.1.6", "192.168.1.5", False),
        ("evil.example", "0.0.0.0", False),
        ("127.255.0.1", "0.0.0.0", True),
        ("::1", "0.0.0.0", True),
        ("", "127.0.0.1", False),
        ("localhost.evil.example", "127.0.0.1", False),
    ],
)
def test_is_local_host(host, bound, local):
    assert is_local_host(host, bound) is local
