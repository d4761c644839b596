"""`manage.py tencent_sms_sandbox`: the emulator with the site's credentials and templates."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from django_tencent_sms import send_sms
from django_tencent_sms.management.commands import tencent_sms_sandbox
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.sandbox import cli

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "sandbox-callback-token-0123456789"


@dataclass
class Started:
    """What the command built and handed to ``serve``: the sandbox and the notes it prints."""

    sandbox: Any = None
    notes: list[str] = field(default_factory=list)
    stop_hint: bool = True


@pytest.fixture
def run(monkeypatch):
    """``run(*args, start=False)``: the command with ``serve`` replaced by one that keeps what it
    gets (and starts the sandbox with ``start``); every sandbox started is stopped afterwards."""
    runs = []

    def run(*args: str, start: bool = False) -> Started:
        started = Started()

        def serve(sandbox, notes, stdout=None, stop_hint=True):
            started.sandbox, started.notes = sandbox, notes
            started.stop_hint = stop_hint
            if start:
                sandbox.start()

        monkeypatch.setattr(tencent_sms_sandbox, "serve", serve)
        call_command("tencent_sms_sandbox", "--port", "0", *args)
        runs.append(started)
        return started

    yield run
    for started in runs:
        started.sandbox.stop()


def test_command_serves_the_sites_templates_with_its_credentials(settings, run):
    settings.TENCENT_SMS = {
        "SDK_APP_ID": "1400123456",
        "APP_KEY": "site-key-from-settings",
        "SIGN": "测试",
    }
    started = run("--limits", "1,,", start=True)
    sandbox = started.sandbox
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "API_URL": sandbox.url}
    # Added after the emulator started, as a person would in the admin.
    SmsTemplate.objects.create(name="hello", tpl_id=31, text="Hello {1}")
    log = send_sms("+8613711112222", "hello", ["Li"])
    assert log.status == SmsLog.Status.SENT
    assert sandbox.messages[0].text == "【测试】Hello Li"
    assert sandbox.limits.per_30s == 1 and sandbox.limits.per_hour is None
    assert not any("site-key-from-settings" in note for note in started.notes)


def test_command_checks_api3_signatures_with_the_sites_key_pair(settings, run):
    settings.TENCENT_SMS = {
        "BACKEND": "django_tencent_sms.backends.tencentcloud.TencentCloudBackend",
        "SDK_APP_ID": "1400123456",
        "SECRET_ID": "AKIDsiteFromSettings",
        "SECRET_KEY": "site-secret-key-from-settings",
        "SIGN": "测试",
    }
    started = run(start=True)
    sandbox = started.sandbox
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "ENDPOINT": sandbox.cloud_endpoint}
    SmsTemplate.objects.create(name="hello", tpl_id=31, text="Hello {1}")
    log = send_sms("+8613711112222", "hello", ["Li"])
    assert log.status == SmsLog.Status.SENT
    assert sandbox.messages[0].text == "【测试】Hello Li"
    assert not any("site-secret-key-from-settings" in note for note in started.notes)


def test_command_prints_where_it_listens_to_its_stdout_line_by_line(settings, monkeypatch):
    def serve_and_stop(sandbox, notes, stdout=None, stop_hint=True):
        stop = threading.Event()
        stop.set()
        cli.serve(sandbox, notes, stdout=stdout, stop_event=stop, stop_hint=stop_hint)

    monkeypatch.setattr(tencent_sms_sandbox, "serve", serve_and_stop)
    settings.TENCENT_SMS = {"SDK_APP_ID": "1400123456", "APP_KEY": "site-key-from-settings"}
    out = StringIO()
    call_command("tencent_sms_sandbox", "--port", "0", stdout=out)
    text = out.getvalue()
    assert text.startswith("Tencent SMS sandbox listening on http://127.0.0.1:")
    assert "\n\n" not in text and text.endswith("Press Ctrl-C to stop.\n")
    assert "site-key-from-settings" not in text


def test_run_as_a_child_the_command_leaves_out_how_to_stop_it(settings, monkeypatch):
    """``dev.py demo`` says how to stop both: the emulator's own hint would land amid the site's
    output."""

    def serve_and_stop(sandbox, notes, stdout=None, stop_hint=True):
        stop = threading.Event()
        stop.set()
        cli.serve(sandbox, notes, stdout=stdout, stop_event=stop, stop_hint=stop_hint)

    monkeypatch.setattr(tencent_sms_sandbox, "serve", serve_and_stop)
    out = StringIO()
    call_command("tencent_sms_sandbox", "--port", "0", "--no-stop-hint", stdout=out)
    text = out.getvalue()
    assert "Ctrl-C" not in text
    assert text.startswith("Tencent SMS sandbox listening on") and "/_sandbox/inbox" in text


def test_the_sites_template_types_say_which_messages_carry_a_code(settings, run):
    """Verification rows, and OTP["TEMPLATE"] (by name or ID) whatever its row's type, are
    verification templates; the others keep their type; inactive rows are not known."""
    SmsTemplate.objects.create(name="code", tpl_id=10, text="{1}", type="verification")
    SmsTemplate.objects.create(name="login", tpl_id=11, text="{1}", type="notification")
    SmsTemplate.objects.create(name="news", tpl_id=12, text="{1}", type="marketing")
    SmsTemplate.objects.create(name="order", tpl_id=13, text="A{1}", type="notification")
    SmsTemplate.objects.create(name="gone", tpl_id=14, text="{1}", type="verification",
                               is_active=False)  # fmt: skip
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OTP": {"TEMPLATE": "login"}}
    kinds = run().sandbox.template_kinds()
    assert kinds == {10: "verification", 11: "verification", 12: "marketing", 13: "notification"}
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OTP": {"TEMPLATE": 99}}
    assert run().sandbox.template_kinds()[99] == "verification"
    assert run().sandbox.template_kinds()[11] == "notification"


def test_the_demo_runs_the_command_without_its_stop_hint(settings, run):
    import dev

    emulator, site = dev.demo_commands(["manage.py"], 8000, 8765, [])
    assert emulator[:2] == ["manage.py", "tencent_sms_sandbox"] and "runserver" in site
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": TOKEN}
    assert run(*emulator[2:]).stop_hint is False
    assert run("--port", "0").stop_hint is True


# Delivery reports and replies -----------------------------------------------------------------


def test_the_management_command_pushes_to_the_sites_callbacks(settings, run):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": TOKEN}
    started = run("--site-url", "http://127.0.0.1:8000/", "--report-delay", "2")
    sandbox = started.sandbox
    assert sandbox.callback_url == f"http://127.0.0.1:8000/sms/callbacks/status/{TOKEN}/"
    assert sandbox.reply_callback_url == f"http://127.0.0.1:8000/sms/callbacks/reply/{TOKEN}/"
    assert sandbox.report_delay == 2
    assert not any(TOKEN in note for note in started.notes)
    assert any("<CALLBACK_TOKEN>" in note for note in started.notes)


def test_the_management_command_needs_a_token_for_site_url(settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": ""}
    with pytest.raises(CommandError, match="CALLBACK_TOKEN"):
        call_command("tencent_sms_sandbox", "--port", "0", "--site-url", "http://x/")


def test_command_takes_the_sites_voice_application(settings, run):
    settings.TENCENT_SMS = {"VOICE_SDK_APP_ID": "1400765432"}
    assert run().sandbox.account.voice_sdk_app_id == "1400765432"
    settings.TENCENT_SMS = {}
    assert run().sandbox.account.voice_sdk_app_id == "1400000001"
