"""``manage.py check --deploy`` warns when codes are sent with no ceiling on SMS pumping."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

OTP = {"TEMPLATE": "login-code"}


def deploy_ids(otp):
    from django.core import checks

    with override_settings(TENCENT_SMS={"OTP": otp} if otp is not None else {}):
        return {m.id for m in checks.run_checks(include_deployment_checks=True)}


@pytest.mark.parametrize(
    "otp, warned",
    [
        (OTP, True),
        ({**OTP, "ALLOWED_REGIONS": ["CN"]}, False),
        ({**OTP, "DAILY_LIMIT": 500}, False),
        ({"TEMPLATE": None}, False),  # codes not in use
        (None, False),
    ],
)
def test_deploy_check_warns_without_regions_or_a_daily_limit(otp, warned):
    assert ("tencent_sms.W020" in deploy_ids(otp)) is warned


def test_the_warning_is_only_for_deploy_checks():
    from django.core import checks

    with override_settings(TENCENT_SMS={"OTP": OTP}):
        assert "tencent_sms.W020" not in {m.id for m in checks.run_checks()}


def test_manage_py_check_deploy_names_the_settings():
    out = StringIO()
    with override_settings(TENCENT_SMS={"OTP": OTP}):
        call_command("check", deploy=True, stdout=out, stderr=out, fail_level="CRITICAL")
    assert "tencent_sms.W020" in out.getvalue()
    assert "ALLOWED_REGIONS" in out.getvalue() and "DAILY_LIMIT" in out.getvalue()


@pytest.mark.parametrize(
    "key, value",
    [
        ("NUMBER_TYPES", ["MOBILE", "CELL"]),
        ("IPV6_PREFIX", 129),
        ("IP_REFUSAL_LIMIT", 0),
        ("REGION_DAILY_LIMITS", {"cn": 5}),
        ("CONVERSION_MIN_RATE", 1.5),
        ("CONVERSION_WINDOW", "1h"),
        ("ACCOUNT_PURPOSES", "login"),
    ],
)
def test_manage_py_check_reports_bad_pumping_settings(key, value):
    from django.core import checks

    with override_settings(TENCENT_SMS={"OTP": {**OTP, key: value}}):
        found = [m for m in checks.run_checks() if m.id == "tencent_sms.E012"]
    assert len(found) == 1 and key in found[0].msg
