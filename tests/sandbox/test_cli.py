"""The command line, ``python -m django_tencent_sms.sandbox`` (``cli.py``).

No Django needed.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
import time

import pytest
import requests

from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.sandbox import FrequencyLimits, Sandbox
from django_tencent_sms.sandbox.cli import main, parse_limits, sandbox_from_options
from tests.sandbox.helpers import (
    SEED_KEY,
    SEED_MOBILE,
)
from tests.waiting import wait_until


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
    # Tencent's console defaults unless told otherwise.
    assert (sb.host, sb.port, sb.limits) == ("127.0.0.1", 8765, FrequencyLimits())
    assert any("2 per day, 100 international per day" in note for note in notes)
    # The public key is shown, so that a newcomer knows what APP_KEY to give the site.
    assert any("'sandbox-app-key', the public development key" in note for note in notes)
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
    assert parse_limits("1,,2,") == FrequencyLimits(1, None, 2, None)
    assert parse_limits("1,,2,100") == parse_limits("tencent") == FrequencyLimits()
    assert parse_limits("off") is None
    for bad in (
        ["--limits", "1,5"],
        ["--limits", "1,5,10,100,1"],
        ["--limits", "a,b,c"],
        ["--template", "x=y"],
        ["--template", "1"],
        ["--template-kind", "19=otp"],
        ["--template-kind", "x=verification"],
        ["--template-kind", "19"],
    ):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)


def test_cli_marks_template_types_and_can_leave_out_the_stop_hint():
    import argparse

    from django_tencent_sms.sandbox.cli import add_arguments, serve

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    argv = ["--port", "0", "--template", "19=Code {1}", "--template-kind", "19=verification"]
    argv += ["--template-kind", "20=marketing", "--no-stop-hint"]
    options = parser.parse_args(argv)
    sb, _notes = sandbox_from_options(options, environ={})
    assert sb.template_kinds() == {19: "verification", 20: "marketing"}
    out, stop = io.StringIO(), threading.Event()
    stop.set()
    serve(sb, stdout=out, stop_event=stop, stop_hint=options.stop_hint)
    assert "/_sandbox/inbox" in out.getvalue() and "Ctrl-C" not in out.getvalue()
    assert parser.parse_args([]).stop_hint is True


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


# Delivery reports and replies -----------------------------------------------------------


def test_cli_options_configure_reports():
    import argparse

    from django_tencent_sms.sandbox.cli import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = parser.parse_args(
        [
            "--port",
            "0",
            "--callback-url",
            "http://127.0.0.1:8000/sms/callbacks/status/t/",
            "--report-delay",
            "2.5",
            "--report-success",
            "90%",
        ]
    )
    sandbox, notes = sandbox_from_options(options, environ={})
    assert sandbox.callback_url == "http://127.0.0.1:8000/sms/callbacks/status/t/"
    assert (sandbox.report_delay, sandbox.report_success) == (2.5, 0.9)
    assert any(
        "pushed to http://127.0.0.1:8000" in note and "90% delivered" in note for note in notes
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--report-delay", "-1"],
        ["--report-success", "2"],
        ["--report-success", "abc"],
    ],
)
def test_cli_refuses_bad_report_options(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--port", "0", *argv], environ={})
    assert exit_info.value.code == 2


def test_cli_refuses_a_callback_url_that_is_not_http(capsys):
    assert main(["--port", "0", "--callback-url", "ftp://x/"], environ={}) == 2
    assert "callback_url must be an http(s) URL" in capsys.readouterr().err


def test_cli_on_every_interface_prints_control_pages_on_loopback_and_guards_them():
    out = io.StringIO()
    stop = threading.Event()
    argv = ["--port=0", "--host=0.0.0.0"]
    thread = threading.Thread(
        target=lambda: main(argv, stdout=out, stop_event=stop, environ={}), daemon=True
    )
    thread.start()
    try:
        assert wait_until(lambda: "Ctrl-C" in out.getvalue())
        messages = re.search(r"Messages \(JSON\): (\S+)", out.getvalue()).group(1)
        assert messages.startswith("http://127.0.0.1:")
        assert requests.get(messages, timeout=5).json() == []
        # Reached by another name (a LAN address, a rebound DNS name): refused.
        refused = requests.get(messages, headers={"Host": "192.168.1.20"}, timeout=5)
        assert refused.status_code == 403
    finally:
        stop.set()
        thread.join(5)
