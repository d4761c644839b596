"""Shared fixtures, and the switch that turns "service missing" skips into failures.

``sandbox`` runs a test once per API generation against the emulator, with ``TENCENT_SMS``
pointing that generation's backend at it (the plugin's ``sms_sandbox`` and
``sms_sandbox_cloud``); ``pytest.mark.parametrize("sandbox", ["v5"], indirect=True)`` keeps one.
Tests of the emulator itself start their own (``tests/sandbox/helpers.py``).

Tests that need a service this machine may lack (PostgreSQL, a browser…) skip with a reason
starting with ``SERVICE_MISSING``. With ``TENCENT_SMS_TESTS_REQUIRE_SERVICES=1`` (set by CI)
such a skip is reported as a failure instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.browser", "tests.otp.fixtures"]

#: Tests that need their own settings (``tests.allauth_settings``: allauth's apps and a user
#: model holding the number; ``tests.two_factor_settings``: two_factor's apps and gateway);
#: ``python3 dev.py test`` runs each in a pytest run of its own after the main one.
ALLAUTH_TESTS = Path(__file__).parent / "contrib" / "allauth_site"
ALLAUTH_SETTINGS = "tests.allauth_settings"
TWO_FACTOR_TESTS = Path(__file__).parent / "contrib" / "two_factor_site"
TWO_FACTOR_SETTINGS = "tests.two_factor_settings"
#: Each folder of such tests, by the settings module of its run.
OWN_SETTINGS = {ALLAUTH_SETTINGS: ALLAUTH_TESTS, TWO_FACTOR_SETTINGS: TWO_FACTOR_TESTS}

SERVICE_MISSING = "service missing:"

#: The plugin fixture behind each API generation ``sandbox`` runs a test with.
SANDBOX_FIXTURES = {"v5": "sms_sandbox", "cloud": "sms_sandbox_cloud"}


def skip_service(reason: str) -> None:
    pytest.skip(f"{SERVICE_MISSING} {reason}")


@pytest.fixture(params=list(SANDBOX_FIXTURES))
def sandbox(request):
    """The emulator, with ``TENCENT_SMS`` pointing the ``v5`` or the ``cloud`` backend at it."""
    return request.getfixturevalue(SANDBOX_FIXTURES[request.param])


def pytest_collection_modifyitems(config, items):
    """Leave out the allauth and two_factor tests unless the run has their settings, and all
    others when it has (named on the command line or not)."""
    own = OWN_SETTINGS.get(os.environ.get("DJANGO_SETTINGS_MODULE", ""))
    kept, left_out = [], []
    for item in items:
        folder = next((f for f in OWN_SETTINGS.values() if f in item.path.parents), None)
        (kept if folder == own else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and os.environ.get("TENCENT_SMS_TESTS_REQUIRE_SERVICES") == "1"
        and isinstance(report.longrepr, tuple)
        and SERVICE_MISSING in str(report.longrepr[2])
    ):
        report.outcome = "failed"
        report.longrepr = (
            f"{report.longrepr[2]} (TENCENT_SMS_TESTS_REQUIRE_SERVICES=1 makes this a failure)"
        )
