"""``manage.py tencent_sms_sandbox --package`` and ``manage.py tencent_sms_balance`` together:
the emulator started the way a developer starts it, then the cron job's command read against it."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from django_tencent_sms.management.commands import tencent_sms_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(monkeypatch):
    """The command's sandbox, started instead of served; stopped afterwards."""
    sandboxes = []

    def serve(sandbox, notes, stdout=None, stop_hint=True):
        sandboxes.append((sandbox.start(), notes))

    monkeypatch.setattr(tencent_sms_sandbox, "serve", serve)
    cache.clear()
    yield sandboxes
    for sandbox, _notes in sandboxes:
        sandbox.stop()
    cache.clear()


def test_the_balance_of_the_packages_the_command_was_given(settings, started):
    settings.TENCENT_SMS = {"SDK_APP_ID": "1400123456", "APP_KEY": "site-key-from-settings"}
    call_command("tencent_sms_sandbox", "--port", "0", "--package", "1000:250:30",
                 "--package", "200:200:5")  # fmt: skip
    ((sandbox, notes),) = started
    assert "Packages: 1000 (250 used), 200 (200 used)" in notes
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "API_URL": sandbox.url, "LOW_BALANCE": 100}
    out = StringIO()
    call_command("tencent_sms_balance", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["total"], data["low"]) == (750, False)
    assert [p["remaining"] for p in data["packages"]] == [0, 750]
    with pytest.raises(CommandError) as caught:
        call_command("tencent_sms_balance", "--below", "751", stdout=StringIO())
    assert caught.value.returncode == 2


def test_a_bad_package_is_refused_by_the_command(started):
    with pytest.raises(CommandError):
        call_command("tencent_sms_sandbox", "--port", "0", "--package", "lots")
