"""The package balance and ``manage.py tencent_sms_balance``, on both backends."""

from __future__ import annotations

import json
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from django_tencent_sms import send_sms
from django_tencent_sms.account.balance import cached_balance, fetch_balance
from django_tencent_sms.account.fetching import FiguresUnavailable
from django_tencent_sms.signals import low_balance

pytestmark = pytest.mark.django_db

DAY = 86_400


def balance_command(*args: str) -> str:
    out = StringIO()
    call_command("tencent_sms_balance", *args, stdout=out)
    return out.getvalue()


def test_remaining_units_of_unexpired_packages(sandbox):
    now = int(time.time())
    sandbox.set_packages(
        [
            {"amount": 1000, "used": 250, "days": 30},
            {"amount": 100, "used": 0, "days": 5, "kind": 0},
            {"amount": 500, "used": 10, "created_at": now - 40 * DAY, "expires_at": now - DAY},
        ]
    )
    balance = fetch_balance()
    assert balance.total == 750 + 100
    assert balance.expired == 1
    # Soonest to expire first.
    assert [(p.amount, p.used, p.remaining) for p in balance.packages] == [
        (100, 0, 100),
        (1000, 250, 750),
    ]
    assert balance.packages[0].kind == 0
    assert cached_balance() == balance


def test_sends_spend_the_package_that_expires_first(sandbox):
    sandbox.set_packages([{"amount": 1000, "days": 30}, {"amount": 2, "days": 1}])
    for phone in ("+8613711112200", "+8613711112201", "+8613711112202"):
        send_sms(phone, "note", ["A1"])
    balance = fetch_balance()
    assert [(p.amount, p.used) for p in balance.packages] == [(2, 2), (1000, 1)]
    assert balance.total == 999


def test_the_command_prints_each_package_and_the_total(sandbox):
    sandbox.set_packages([{"amount": 1000, "used": 250, "days": 30}])
    out = balance_command()
    assert "750 of 1000 left" in out
    assert "Total: 750 units left." in out


def test_the_command_speaks_json(sandbox):
    sandbox.set_packages([{"amount": 1000, "used": 250, "days": 30}])
    data = json.loads(balance_command("--json"))
    assert data["total"] == 750 and data["low"] is False and data["threshold"] is None
    assert data["packages"][0]["remaining"] == 750


def test_a_low_balance_exits_2_and_signals(sandbox, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "LOW_BALANCE": 1000}
    sandbox.set_packages([{"amount": 1000, "used": 250, "days": 30}])
    heard = []

    def receiver(sender, balance, threshold, **kwargs):
        heard.append((balance.total, threshold))

    low_balance.connect(receiver)
    try:
        with pytest.raises(CommandError) as caught:
            balance_command()
    finally:
        low_balance.disconnect(receiver)
    assert caught.value.returncode == 2
    assert "750 units left, below 1000" in str(caught.value)
    assert heard == [(750, 1000)]


def test_enough_balance_is_quiet(sandbox, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "LOW_BALANCE": 700}
    sandbox.set_packages([{"amount": 1000, "used": 250, "days": 30}])
    heard = []
    low_balance.connect(lambda **kwargs: heard.append(kwargs), weak=False)
    try:
        assert "Total: 750" in balance_command()
        assert "Total: 750" in balance_command("--below", "10")
    finally:
        low_balance.receivers.clear()
    assert heard == []


def test_no_package_at_all_is_a_zero_balance(sandbox):
    with pytest.raises(CommandError) as caught:
        balance_command("--below", "1")
    assert caught.value.returncode == 2


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "http_error", "status": 500},
        {"kind": "not_json"},
        {"kind": "result", "result": 1001},
        {"kind": "slow", "delay": 3},
    ],
)
def test_an_api_error_exits_3(sandbox, settings, fault):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": 0.5}
    sandbox.fail_next(**fault)
    with pytest.raises(CommandError) as caught:
        balance_command()
    assert caught.value.returncode == 3
    assert "sandbox-app-key" not in str(caught.value)


def test_a_backend_without_packages_exits_3(db, settings):
    settings.TENCENT_SMS = {"BACKEND": "django_tencent_sms.backends.dummy.DummyBackend"}
    with pytest.raises(CommandError) as caught:
        balance_command()
    assert caught.value.returncode == 3
    assert "unsupported" in str(caught.value)
    with pytest.raises(FiguresUnavailable):
        fetch_balance()


def test_a_negative_threshold_is_refused(db):
    with pytest.raises(CommandError, match="--below"):
        balance_command("--below", "-1")
