"""The system checks of ``STATS_TOLERANCE`` (E042) and ``LOW_BALANCE`` (E043), hostile values
included: a report, never a crash."""

from __future__ import annotations

import pytest
from django.core import checks

from django_tencent_sms.account.balance import low_balance_threshold
from django_tencent_sms.account.statistics import DEFAULT_TOLERANCE, tolerance

HOSTILE = [
    -1,
    True,
    "100",
    1.5,
    float("nan"),
    float("inf"),
    [100],
    {"units": 1},
    object(),
    10**400,
]


def ids(settings, **values) -> list[str]:
    settings.TENCENT_SMS = {"BACKEND": "django_tencent_sms.backends.locmem.LocmemBackend", **values}
    return [m.id for m in checks.run_checks() if m.id and m.id.startswith("tencent_sms.E04")]


@pytest.mark.parametrize("value", [None, 0, 1, 5000, 10**9])
def test_usable_thresholds_pass(settings, value):
    assert ids(settings, LOW_BALANCE=value) == []
    assert low_balance_threshold() == value


@pytest.mark.parametrize("value", [v for v in HOSTILE if v != 10**400] + [100.0])
def test_hostile_thresholds_are_e041_and_ignored(settings, value):
    assert ids(settings, LOW_BALANCE=value) == ["tencent_sms.E043"]
    assert low_balance_threshold() is None


@pytest.mark.parametrize("value", [0, 0.0, 0.02, 0.5, 0.999])
def test_usable_tolerances_pass(settings, value):
    assert ids(settings, STATS_TOLERANCE=value) == []
    assert tolerance() == value


@pytest.mark.parametrize("value", [*HOSTILE, 1, None])
def test_hostile_tolerances_are_e040_and_fall_back(settings, value):
    assert ids(settings, STATS_TOLERANCE=value) == ["tencent_sms.E042"]
    assert tolerance() == DEFAULT_TOLERANCE


def test_the_keys_are_known(settings):
    settings.TENCENT_SMS = {
        "BACKEND": "django_tencent_sms.backends.locmem.LocmemBackend",
        "LOW_BALANCE": 10,
        "STATS_TOLERANCE": 0.1,
    }
    assert "tencent_sms.W002" not in [m.id for m in checks.run_checks()]
