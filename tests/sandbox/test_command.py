"""`manage.py tencent_sms_sandbox`: the emulator with the site's credentials and templates."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command

from django_tencent_sms import send_sms
from django_tencent_sms.management.commands import tencent_sms_sandbox
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.sandbox import cli


@pytest.mark.django_db(transaction=True)
def test_command_serves_the_sites_templates_with_its_credentials(settings, monkeypatch, capsys):
    started = {}

    def serve(sandbox, notes, stdout=None):
        started["sandbox"], started["notes"] = sandbox, notes
        sandbox.start()

    monkeypatch.setattr(tencent_sms_sandbox, "serve", serve)
    settings.TENCENT_SMS = {
        "SDK_APP_ID": "1400123456",
        "APP_KEY": "site-key-from-settings",
        "SIGN": "测试",
    }
    call_command("tencent_sms_sandbox", "--port", "0", "--limits", "1,,")
    sandbox = started["sandbox"]
    try:
        settings.TENCENT_SMS = {**settings.TENCENT_SMS, "API_URL": sandbox.url}
        # Added after the emulator started, as a person would in the admin.
        SmsTemplate.objects.create(name="hello", tpl_id=31, text="Hello {1}")
        log = send_sms("+8613711112222", "hello", ["Li"])
        assert log.status == SmsLog.Status.SENT
        assert sandbox.messages[0].text == "【测试】Hello Li"
        assert sandbox.limits.per_30s == 1 and sandbox.limits.per_hour is None
        assert not any("site-key-from-settings" in note for note in started["notes"])
    finally:
        sandbox.stop()


@pytest.mark.django_db(transaction=True)
def test_command_checks_api3_signatures_with_the_sites_key_pair(settings, monkeypatch):
    started = {}

    def serve(sandbox, notes, stdout=None):
        started["sandbox"], started["notes"] = sandbox, notes
        sandbox.start()

    monkeypatch.setattr(tencent_sms_sandbox, "serve", serve)
    settings.TENCENT_SMS = {
        "BACKEND": "django_tencent_sms.backends.tencentcloud.TencentCloudBackend",
        "SDK_APP_ID": "1400123456",
        "SECRET_ID": "AKIDsiteFromSettings",
        "SECRET_KEY": "site-secret-key-from-settings",
        "SIGN": "测试",
    }
    call_command("tencent_sms_sandbox", "--port", "0")
    sandbox = started["sandbox"]
    try:
        settings.TENCENT_SMS = {**settings.TENCENT_SMS, "ENDPOINT": sandbox.cloud_endpoint}
        SmsTemplate.objects.create(name="hello", tpl_id=31, text="Hello {1}")
        log = send_sms("+8613711112222", "hello", ["Li"])
        assert log.status == SmsLog.Status.SENT
        assert sandbox.messages[0].text == "【测试】Hello Li"
        assert not any("site-secret-key-from-settings" in note for note in started["notes"])
    finally:
        sandbox.stop()


@pytest.mark.django_db(transaction=True)
def test_command_prints_where_it_listens_to_its_stdout_line_by_line(settings, monkeypatch):
    def serve_and_stop(sandbox, notes, stdout=None):
        stop = threading.Event()
        stop.set()
        cli.serve(sandbox, notes, stdout=stdout, stop_event=stop)

    monkeypatch.setattr(tencent_sms_sandbox, "serve", serve_and_stop)
    settings.TENCENT_SMS = {"SDK_APP_ID": "1400123456", "APP_KEY": "site-key-from-settings"}
    out = StringIO()
    call_command("tencent_sms_sandbox", "--port", "0", stdout=out)
    text = out.getvalue()
    assert text.startswith("Tencent SMS sandbox listening on http://127.0.0.1:")
    assert "\n\n" not in text and text.endswith("Press Ctrl-C to stop.\n")
    assert "site-key-from-settings" not in text
