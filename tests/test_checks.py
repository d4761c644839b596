"""Every system check fires on the setting it guards, and only then."""

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from django_tencent_sms.checks import check_settings

REAL = "django_tencent_sms.backends.tencent.TencentBackend"
GOOD = {"BACKEND": REAL, "SDK_APP_ID": "1400006666", "APP_KEY": "abcdef0123456789"}


def check_ids(tencent_sms):
    # Only this app's check: Django 6 model checks touch the database on SQLite.
    with override_settings(TENCENT_SMS=tencent_sms):
        return {m.id for m in check_settings() if m.id}


@pytest.mark.django_db
def test_the_check_is_registered():
    with override_settings(TENCENT_SMS={**GOOD, "CONNECT_RETRIES": 10}):
        assert "tencent_sms.E010" in {m.id for m in run_checks()}


def test_a_good_configuration_passes():
    assert check_ids(GOOD) == set()


def test_locmem_backend_needs_no_credentials():
    assert check_ids({"BACKEND": "django_tencent_sms.backends.locmem.LocmemBackend"}) == set()


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"BACKEND": "nowhere.Backend"}, "tencent_sms.E002"),
        ({"BACKEND": "django_tencent_sms.conf.SmsSettings"}, "tencent_sms.E002"),
        ({"SDK_APP_ID": ""}, "tencent_sms.E003"),
        ({"SDK_APP_ID": "14000-66"}, "tencent_sms.E004"),
        ({"APP_KEY": ""}, "tencent_sms.E005"),
        ({"APP_KEY": "abc def"}, "tencent_sms.E006"),
        ({"API_URL": "yun.tim.qq.com/v5"}, "tencent_sms.E007"),
        ({"API_URL": "https://yun.tim.qq.com:44x3/v5/tlssmssvr"}, "tencent_sms.E007"),
        ({"API_URL": "http://yun.tim.qq.com/v5/tlssmssvr"}, "tencent_sms.W001"),
        ({"TIMEOUT": 0}, "tencent_sms.E008"),
        ({"TIMEOUT": None}, "tencent_sms.E008"),
        ({"TIMEOUT": 60}, "tencent_sms.E008"),
        ({"TIMEOUT": (3, 45)}, "tencent_sms.E008"),
        ({"TIMEOUT": (1, 2, 3)}, "tencent_sms.E008"),
        ({"DEFAULT_REGION": "XX"}, "tencent_sms.E009"),
        ({"CONNECT_RETRIES": 10}, "tencent_sms.E010"),
        ({"LOG_RETENTION_DAYS": 0}, "tencent_sms.E011"),
        ({"TEMPLATE_CACHE_TIMEOUT": -1}, "tencent_sms.E019"),
        ({"CA_BUNDLE": "/no/such/ca.pem"}, "tencent_sms.E020"),
        ({"CA_BUNDLE": False}, "tencent_sms.E020"),
        ({"TEMPLATE_CACHE_TIMEOUT": "60"}, "tencent_sms.E019"),
        ({"LOG_RETENTION_DAYS": "90d"}, "tencent_sms.E011"),
        ({"OTP": {"LENGTH": 3}}, "tencent_sms.E012"),
        ({"OTP": {"PARAMS": ["{minutes}"]}}, "tencent_sms.E012"),
        ({"OTP": "login-code"}, "tencent_sms.E012"),
        ({"OTP": {"ALLOWED_REGIONS": 86}}, "tencent_sms.E012"),
        ({"OTP": {"TEMPLATES": "login-code"}}, "tencent_sms.W003"),
        ({"SDK_APPID": "1400006666"}, "tencent_sms.W002"),
    ],
)
def test_each_check_fires(override, expected):
    assert check_ids({**GOOD, **override}) == {expected}


def test_settings_not_a_dict():
    assert check_ids("nope") == {"tencent_sms.E001"}


def test_plain_http_is_fine_for_the_local_emulator():
    assert check_ids({**GOOD, "API_URL": "http://127.0.0.1:8765/v5/tlssmssvr"}) == set()
    assert check_ids({**GOOD, "API_URL": "http://localhost:8765/v5/tlssmssvr"}) == set()


def test_a_key_with_surrounding_whitespace_is_stripped_not_flagged():
    assert check_ids({**GOOD, "APP_KEY": "abcdef0123456789 "}) == set()


PHONE_BACKEND = ["django_tencent_sms.otp.auth.PhoneCodeBackend"]


@pytest.mark.parametrize(
    "otp, expected",
    [
        ({"USER_PHONE_FIELD": "phone"}, {"tencent_sms.E013"}),  # auth.User has no phone field
        ({"USER_PHONE_FIELD": "last_name"}, set()),
        ({"USER_LOOKUP": "no.such.module.find_user"}, {"tencent_sms.E013"}),
        ({"USER_LOOKUP": "tests.test_checks.find_user"}, set()),
    ],
)
def test_phone_backend_must_be_able_to_find_users(otp, expected):
    with override_settings(AUTHENTICATION_BACKENDS=PHONE_BACKEND):
        assert check_ids({**GOOD, "OTP": otp}) == expected


def test_phone_backend_check_is_off_without_the_backend():
    assert check_ids({**GOOD, "OTP": {"USER_PHONE_FIELD": "phone"}}) == set()


def find_user(phone):
    return None


CLOUD = "django_tencent_sms.backends.tencentcloud.TencentCloudBackend"
CLOUD_GOOD = {
    "BACKEND": CLOUD,
    "SDK_APP_ID": "1400006666",
    "SECRET_ID": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
    "SECRET_KEY": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
}


def test_a_good_api3_configuration_passes():
    assert check_ids(CLOUD_GOOD) == set()
    # The legacy keys are not needed, and their checks do not run for the API 3.0 backend.
    assert check_ids({**CLOUD_GOOD, "API_URL": "nonsense"}) == set()


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"SDK_APP_ID": ""}, "tencent_sms.E003"),
        ({"SDK_APP_ID": "14000-66"}, "tencent_sms.E004"),
        ({"SECRET_ID": ""}, "tencent_sms.E014"),
        ({"SECRET_KEY": ""}, "tencent_sms.E015"),
        ({"SECRET_KEY": None}, "tencent_sms.E015"),
        ({"ENDPOINT": "ftp://sms.tencentcloudapi.com"}, "tencent_sms.E016"),
        ({"ENDPOINT": "https://sms.tencentcloudapi.com/v5/tlssmssvr"}, "tencent_sms.E016"),
        ({"ENDPOINT": "sms.tencentcloudapi.com:44x3"}, "tencent_sms.E016"),
        ({"ENDPOINT": ""}, "tencent_sms.E016"),
        ({"REGION": ""}, "tencent_sms.E017"),
        ({"REGION": "Guangzhou"}, "tencent_sms.E017"),
        ({"SECRET_ID": "AKID z8krbs"}, "tencent_sms.E018"),
        ({"SECRET_KEY": "Gu5t9x GARNpq"}, "tencent_sms.E018"),
        ({"ENDPOINT": "http://sms.tencentcloudapi.com"}, "tencent_sms.W004"),
    ],
)
def test_each_api3_check_fires(override, expected):
    assert check_ids({**CLOUD_GOOD, **override}) == {expected}


@pytest.mark.parametrize(
    "endpoint",
    [
        "sms.ap-guangzhou.tencentcloudapi.com",
        "https://sms.intl.tencentcloudapi.com",
        "http://127.0.0.1:8765",
        "http://localhost:8765/",
        "http://[::1]:8765",
    ],
)
def test_api3_endpoints_that_pass(endpoint):
    assert check_ids({**CLOUD_GOOD, "ENDPOINT": endpoint}) == set()


def test_api3_keys_with_surrounding_whitespace_are_stripped_not_flagged():
    assert check_ids({**CLOUD_GOOD, "SECRET_KEY": " Gu5t9x\n", "SECRET_ID": "AKIDx "}) == set()


def test_api3_checks_do_not_run_for_the_legacy_backend():
    assert check_ids({**GOOD, "ENDPOINT": "ftp://nowhere", "REGION": ""}) == set()
