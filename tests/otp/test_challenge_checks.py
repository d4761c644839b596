"""The system checks of the challenge before codes (E051, E052), and its secrets kept out of
check messages, the settings' repr and error reports."""

import pytest
from django.core import checks
from django.test import RequestFactory, override_settings

from django_tencent_sms.reporting import hide_secrets_in_reports
from tests.test_checks_hostile import CLOUD, HOSTILE, LEGACY

CAPTCHA = "django_tencent_sms.otp.captcha.verify"
SECRET = "captcha-secret-kept-out"
GOOD = {
    "TEMPLATE": "login-code",
    "CHALLENGE": CAPTCHA,
    "CAPTCHA_APP_ID": 190000000,
    "CAPTCHA_APP_SECRET_KEY": SECRET,
}


def found(base, **otp):
    with override_settings(TENCENT_SMS={**base, "OTP": {**GOOD, **otp}}):
        messages = checks.run_checks(include_deployment_checks=True)
    for message in messages:
        assert SECRET not in message.msg and SECRET not in (message.hint or "")
    return messages


def ids(base=CLOUD, **otp):
    return {m.id for m in found(base, **otp)}


def test_a_configured_captcha_passes():
    assert not {"tencent_sms.E051", "tencent_sms.E052"} & ids()


@pytest.mark.parametrize(
    "otp",
    [
        {"CHALLENGE": "no.such.module.verify"},
        {"CHALLENGE": "django_tencent_sms.otp.captcha.TJCAPTCHA_URL"},  # not a function
        {"CHALLENGE": "a\x00b"},
        {"CHALLENGE": 42},
        {"CHALLENGE_AFTER": -1},
        {"CHALLENGE_AFTER": 1.5},
        {"CHALLENGE_AFTER": True},
        {"CHALLENGE_AFTER": "3"},
    ],
)
def test_a_broken_challenge_is_e051(otp):
    assert "tencent_sms.E051" in ids(**otp)


@pytest.mark.parametrize(
    "otp",
    [
        {"CAPTCHA_APP_ID": None},
        {"CAPTCHA_APP_ID": "190000000"},
        {"CAPTCHA_APP_ID": 0},
        {"CAPTCHA_APP_ID": True},
        {"CAPTCHA_APP_SECRET_KEY": ""},
        {"CAPTCHA_APP_SECRET_KEY": f" {SECRET} "},
        {"CAPTCHA_APP_SECRET_KEY": SECRET + "\x00"},
        {"CAPTCHA_APP_SECRET_KEY": 12345},
        {"CAPTCHA_ENDPOINT": ""},
        {"CAPTCHA_ENDPOINT": "ftp://captcha.tencentcloudapi.com"},
        {"CAPTCHA_ENDPOINT": "https://captcha.tencentcloudapi.com/v1?x=1"},
        {"CAPTCHA_ENDPOINT": None},
    ],
)
def test_unusable_captcha_settings_are_e052(otp):
    assert "tencent_sms.E052" in ids(**otp)


def test_the_captcha_needs_the_api3_key_pair():
    assert "tencent_sms.E052" in ids(LEGACY)


@pytest.mark.parametrize(
    "key", ["CHALLENGE", "CHALLENGE_AFTER", "CAPTCHA_APP_ID", "CAPTCHA_APP_SECRET_KEY"]
)
def test_no_hostile_value_crashes_the_checks(key):
    for value in HOSTILE:
        for message in found(CLOUD, **{key: value}):
            assert message.id != "tencent_sms.E027", (key, value, message)


def test_error_reports_hide_the_test_codes_and_the_captcha_key():
    otp = {**GOOD, "TEST_NUMBERS": {"+8613800000000": "246810"}}
    with override_settings(TENCENT_SMS={**CLOUD, "OTP": otp}):
        request = RequestFactory().get("/")
        hide_secrets_in_reports(request)
        shown = str(request.exception_reporter_filter.get_safe_settings()["TENCENT_SMS"])
    assert "246810" not in shown and SECRET not in shown


@pytest.mark.parametrize(
    "otp, warned",
    [
        ({"CHALLENGE_AFTER": 6, "PHONE_HOURLY_LIMIT": 5}, True),
        ({"CHALLENGE_AFTER": 11, "PHONE_HOURLY_LIMIT": None}, True),  # the daily 10
        ({"CHALLENGE_AFTER": 5, "PHONE_HOURLY_LIMIT": 5}, False),  # asked at the cap
        ({"CHALLENGE_AFTER": None}, False),
        ({"CHALLENGE_AFTER": 9, "PHONE_HOURLY_LIMIT": None, "PHONE_DAILY_LIMIT": None}, False),
    ],
)
def test_a_soft_limit_above_the_number_cap_warns(otp, warned):
    assert ("tencent_sms.W051" in ids(**otp)) is warned
