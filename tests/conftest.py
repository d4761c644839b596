"""Shared fixtures, and the switch that turns "service missing" skips into failures.

Tests that need a service this machine may lack (PostgreSQL, a browser…) skip with a reason
starting with ``SERVICE_MISSING``. With ``TENCENT_SMS_TESTS_REQUIRE_SERVICES=1`` (set by CI)
such a skip is reported as a failure instead.
"""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.browser", "tests.otp.fixtures"]

SERVICE_MISSING = "service missing:"


def skip_service(reason: str) -> None:
    pytest.skip(f"{SERVICE_MISSING} {reason}")


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
