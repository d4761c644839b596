"""The async API under a real ASGI server: ``tests/asgi_site.py`` served by uvicorn in a process
of its own, requested over HTTP, sending to the emulator over a socket; the rows it wrote read
back through the site. On PostgreSQL the site uses the test database; on SQLite a file of its
own (the suite's in-memory database is not shared across processes)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from django_tencent_sms.models import SmsLog, VerificationCode

ROOT = Path(__file__).resolve().parent.parent
PHONE = "+8613812345678"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(base: str, path: str, **fields) -> tuple[int, dict]:
    body = urllib.parse.urlencode(fields, doseq=True).encode()
    try:
        with urllib.request.urlopen(base + path, data=body, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        is_json = error.headers.get("Content-Type") == "application/json"
        return error.code, json.loads(body) if is_json else {}


def get(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.fixture
def site(sms_sandbox, settings, transactional_db, tmp_path):
    """The site's base URL, once uvicorn answers; its TENCENT_SMS points at the emulator."""
    from tests.asgi_site import CODE, NOTICE

    for template in (NOTICE, CODE):
        sms_sandbox.add_template(template["tpl_id"], template["text"])
    if connection.vendor == "sqlite":
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "site.db")}
    else:
        database = {
            key: connection.settings_dict[key]
            for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
        }
    port = free_port()
    env = {
        **os.environ,
        "ASGI_SITE_DATABASE": json.dumps(database),
        "ASGI_SITE_TENCENT_SMS": json.dumps(
            {**settings.TENCENT_SMS, "OTP": {"TEMPLATE": "login-code"}}
        ),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.asgi_site", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"the ASGI site exited: {server.stderr.read().decode()}")
            try:
                get(base, "/rows/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("the ASGI site did not answer within 60 s")
                time.sleep(0.05)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_an_async_view_sends_with_asend_sms(site, sms_sandbox):
    status, answer = post(site, "/send/", phone=PHONE, param=["A1", "SF1"])
    assert status == 200 and answer["status"] == "sent"
    (message,) = sms_sandbox.messages
    assert message.sid == answer["sid"] and message.params == ["A1", "SF1"]
    (log,) = get(site, "/rows/")["logs"]
    assert log == {
        "id": answer["id"],
        "phone": PHONE,
        "status": SmsLog.Status.SENT,
        "sid": message.sid,
        "params": ["A1", "SF1"],
    }


def test_send_sms_itself_is_refused_on_the_event_loop(site, sms_sandbox):
    # What asend_sms is for: Django refuses the ORM on the loop, before any request.
    assert post(site, "/send-sync/", phone=PHONE) == (500, {"error": "SynchronousOnlyOperation"})
    assert sms_sandbox.requests == [] and get(site, "/rows/")["logs"] == []


def test_a_code_requested_and_verified_through_async_views(site, sms_sandbox):
    assert post(site, "/code/", phone=PHONE) == (200, {"state": VerificationCode.State.SENT})
    assert post(site, "/code/", phone=PHONE) == (429, {"refused": "cooldown"})
    (message,) = sms_sandbox.messages
    code = message.params[0]
    assert post(site, "/verify/", phone=PHONE, code="000000" if code != "000000" else "1") == (
        200,
        {"ok": False},
    )
    assert post(site, "/verify/", phone=PHONE, code=code) == (200, {"ok": True})
    assert post(site, "/verify/", phone=PHONE, code=code) == (200, {"ok": False})  # used
    rows = get(site, "/rows/")
    ((record,), (log,)) = rows["codes"], rows["logs"]
    assert record["state"] == VerificationCode.State.SENT and code not in record["code_hash"]
    assert log["status"] == "sent" and code not in log["params"] and log["sid"] == message.sid
