"""The switch CI uses so that a missing service cannot pass as a skipped test."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = """
from tests.conftest import pytest_runtest_makereport, skip_service  # noqa: F401
"""

TESTS = """
import pytest
from tests.conftest import skip_service

def test_needs_a_service():
    skip_service("PostgreSQL is not reachable")

def test_ordinary_skip():
    pytest.skip("not relevant here")
"""


@pytest.fixture
def suite(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(TESTS)
    return pytester


def test_service_skips_are_skips_on_a_developer_machine(suite, monkeypatch):
    monkeypatch.delenv("TENCENT_SMS_TESTS_REQUIRE_SERVICES", raising=False)
    result = suite.runpytest_subprocess("-rs", "-p", "no:django", "-p", "no:django_tencent_sms")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*service missing: PostgreSQL is not reachable*"])


def test_service_skips_fail_when_ci_requires_services(suite, monkeypatch):
    monkeypatch.setenv("TENCENT_SMS_TESTS_REQUIRE_SERVICES", "1")
    result = suite.runpytest_subprocess("-rs", "-p", "no:django", "-p", "no:django_tencent_sms")
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*TENCENT_SMS_TESTS_REQUIRE_SERVICES=1 makes this a failure*"])
