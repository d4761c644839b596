"""Every system check fires on the setting it guards, and only then."""

from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from django.urls import include, path

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
        ({"POOL_SIZE": 0}, "tencent_sms.E045"),
        ({"POOL_SIZE": 1025}, "tencent_sms.E045"),
        ({"BULK_CONCURRENCY": 0}, "tencent_sms.E046"),
        ({"BULK_CONCURRENCY": 33}, "tencent_sms.E046"),
        ({"LOG_RETENTION_DAYS": 0}, "tencent_sms.E011"),
        ({"UNMATCHED_REPORT_DAYS": -1}, "tencent_sms.E040"),
        ({"UNMATCHED_REPORT_DAYS": "7"}, "tencent_sms.E040"),
        ({"UNMATCHED_REPORT_DAYS": True}, "tencent_sms.E040"),
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
        assert check_ids({**GOOD, "OTP": {"TEMPLATE": "login-code", **otp}}) == expected


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


# Settings that cannot surprise ----------------------------------------------------------------

LOGIN_OTP = {"TEMPLATE": "login-code"}
NOT_CALLABLE = "an IP"


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"SIGN": "腾讯云腾讯云腾讯云腾讯云腾"}, "tencent_sms.E021"),  # 13 characters
        ({"SIGN": "云"}, "tencent_sms.E021"),
        ({"SIGN": "【腾讯云】"}, "tencent_sms.E021"),
        ({"SIGN": " 腾讯云"}, "tencent_sms.E021"),
        ({"SIGN": 5}, "tencent_sms.E021"),
        ({"MAX_PARAM_LENGTH": "12"}, "tencent_sms.E022"),
        ({"MAX_PARAM_LENGTH": 12.5}, "tencent_sms.E022"),
        ({"MAX_PARAM_LENGTH": 0}, "tencent_sms.E022"),
        ({"CONNECT_RETRIES": 2.0}, "tencent_sms.E010"),
        ({"POOL_SIZE": "64"}, "tencent_sms.E045"),
        ({"POOL_SIZE": True}, "tencent_sms.E045"),
        ({"POOL_SIZE": 64.0}, "tencent_sms.E045"),
        ({"POOL_SIZE": None}, "tencent_sms.E045"),
        ({"POOL_SIZE": -1}, "tencent_sms.E045"),
        ({"BULK_CONCURRENCY": "4"}, "tencent_sms.E046"),
        ({"BULK_CONCURRENCY": True}, "tencent_sms.E046"),
        ({"BULK_CONCURRENCY": 4.5}, "tencent_sms.E046"),
        ({"BULK_CONCURRENCY": None}, "tencent_sms.E046"),
        ({"BULK_CONCURRENCY": float("inf")}, "tencent_sms.E046"),
        ({"LOG_RETENTION_DAYS": 30.5}, "tencent_sms.E011"),
        ({"TEMPLATE_CACHE_TIMEOUT": float("nan")}, "tencent_sms.E019"),
        ({"DEFAULT_REGION": "cn"}, "tencent_sms.E009"),
        ({"DEFAULT_REGION": ["CN"]}, "tencent_sms.E009"),
        ({"BACKEND": None}, "tencent_sms.E002"),
        ({"CA_BUNDLE": "/etc/ssl/ca\x00.pem"}, "tencent_sms.E020"),
        ({"APP_KEY": 123456}, "tencent_sms.E006"),
        ({"OTP": {**LOGIN_OTP, "TTL": 300.0}}, "tencent_sms.E012"),
        ({"OTP": {**LOGIN_OTP, "MAX_ATTEMPTS": "5"}}, "tencent_sms.E012"),
        ({"OTP": {"TEMPLATE": -1}}, "tencent_sms.E012"),
        ({"OTP": {"TEMPLATE": " "}}, "tencent_sms.E012"),
        ({"OTP": {**LOGIN_OTP, "CLIENT_IP": "no.such.module.client_ip"}}, "tencent_sms.E024"),
        ({"OTP": {**LOGIN_OTP, "CLIENT_IP": "tests.test_checks.NOT_CALLABLE"}}, "tencent_sms.E024"),
        ({"OTP": {**LOGIN_OTP, "CLIENT_IP": 42}}, "tencent_sms.E024"),
        ({"OTP": {**LOGIN_OTP, "ALLOWED_REGIONS": ["CN", "hk"]}}, "tencent_sms.E025"),
        ({"OTP": {**LOGIN_OTP, "ALLOWED_REGIONS": ["UK"]}}, "tencent_sms.E025"),
        ({"OTP": {**LOGIN_OTP, "TTL": 300_000}}, "tencent_sms.E026"),  # milliseconds
        ({"OTP": {**LOGIN_OTP, "TTL": 10}}, "tencent_sms.E026"),
        ({"OTP": {**LOGIN_OTP, "MAX_ATTEMPTS": 1000}}, "tencent_sms.E026"),
        ({"OTP": {**LOGIN_OTP, "LENGTH": 4}}, "tencent_sms.W005"),  # 5 tries: 1 in 2,000
    ],
)
def test_each_new_check_fires(override, expected):
    assert check_ids({**GOOD, **override}) == {expected}


@pytest.mark.parametrize(
    "otp",
    [
        {**LOGIN_OTP, "LENGTH": 4, "MAX_ATTEMPTS": 1},
        {**LOGIN_OTP, "LENGTH": 5, "MAX_ATTEMPTS": 10, "TTL": 86400},
        {**LOGIN_OTP, "TTL": 30, "ALLOWED_REGIONS": ["CN", "HK", "GB"]},
        {**LOGIN_OTP, "CLIENT_IP": "tests.test_checks.find_user"},
        {"TEMPLATE": 123456},
    ],
)
def test_sane_otp_settings_pass(otp):
    assert check_ids({**GOOD, "OTP": otp}) == set()


@pytest.mark.parametrize("sign", ["", None, "腾讯云", "Tencent", "腾讯云腾讯云腾讯云腾讯云"])
def test_signatures_tencent_accepts_pass(sign):
    assert check_ids({**GOOD, "SIGN": sign}) == set()


SECRET = "abcdef0123456789"


@pytest.mark.parametrize(
    ("base", "key", "value", "expected"),
    [
        (GOOD, "APP_KEY", f"{SECRET[:8]}\u200b{SECRET[8:]}", "tencent_sms.E006"),
        (GOOD, "APP_KEY", f"\ufeff{SECRET}", "tencent_sms.E006"),  # a BOM from a file
        (GOOD, "APP_KEY", f"{SECRET[:8]}\u00a0{SECRET[8:]}", "tencent_sms.E006"),
        (GOOD, "APP_KEY", f"{SECRET[:8]}\t{SECRET[8:]}", "tencent_sms.E006"),
        (GOOD, "APP_KEY", f"{SECRET[:8]}ｂ{SECRET[8:]}", "tencent_sms.E006"),  # full width
        (CLOUD_GOOD, "SECRET_KEY", f"{SECRET}\u200d", "tencent_sms.E018"),
        (CLOUD_GOOD, "SECRET_KEY", f"{SECRET[:8]}\u2060{SECRET[8:]}", "tencent_sms.E018"),
        (CLOUD_GOOD, "SECRET_ID", f"AKID{SECRET}\u200c", "tencent_sms.E018"),
        (CLOUD_GOOD, "SECRET_ID", f"AKID\u3000{SECRET}", "tencent_sms.E018"),
    ],
)
def test_invisible_characters_in_keys_are_found_and_the_key_is_not_shown(
    base, key, value, expected
):
    with override_settings(TENCENT_SMS={**base, key: value}):
        found = [m for m in check_settings() if m.id]
    assert [m.id for m in found] == [expected]
    shown = f"{found[0]} {found[0].msg} {found[0].hint} {found[0]!r}"
    assert key in shown
    for part in (SECRET, SECRET[:8], SECRET[8:], value.strip()):
        assert part not in shown


def test_an_invisible_character_is_named():
    with override_settings(TENCENT_SMS={**GOOD, "APP_KEY": f"{SECRET}\u200b"}):
        (found,) = check_settings()
    assert "U+200B ZERO WIDTH SPACE" in found.msg


def test_a_lower_case_region_gets_a_hint():
    with override_settings(TENCENT_SMS={**GOOD, "DEFAULT_REGION": "cn"}):
        (found,) = check_settings()
    assert "upper-case" in found.hint


# OTP in use without a template: its URLs mounted (this module is the URLconf), or the backend.

urlpatterns = [path("phone/", include("django_tencent_sms.otp.urls"))]


def test_otp_urls_mounted_without_a_template():
    with override_settings(ROOT_URLCONF="tests.test_checks"):
        assert check_ids({**GOOD, "OTP": {}}) == {"tencent_sms.E023"}
        assert check_ids({**GOOD, "OTP": LOGIN_OTP}) == set()
    assert check_ids({**GOOD, "OTP": {}}) == set()  # tests.urls does not mount them


def test_phone_backend_without_a_template():
    with override_settings(AUTHENTICATION_BACKENDS=PHONE_BACKEND):
        otp = {"USER_PHONE_FIELD": "last_name"}
        assert check_ids({**GOOD, "OTP": otp}) == {"tencent_sms.E023"}
        assert check_ids({**GOOD, "OTP": {**otp, **LOGIN_OTP}}) == set()


def test_a_check_that_fails_is_reported_not_raised(monkeypatch):
    def broken():
        raise TypeError("unforeseen")

    monkeypatch.setattr("django_tencent_sms.checks.check_otp_settings", broken)
    with override_settings(TENCENT_SMS=GOOD):
        (found,) = check_settings()
    assert found.id == "tencent_sms.E027" and "TypeError" in found.msg


@pytest.mark.django_db
def test_manage_py_check_lists_four_bad_settings():
    bad = {
        **GOOD,
        "APP_KEY": f"{SECRET}\u200b",
        "SIGN": "a signature far too long",
        "MAX_PARAM_LENGTH": "12",
        "OTP": {**LOGIN_OTP, "TTL": "300", "ALLOWED_REGIONS": ["cn"]},
    }
    with override_settings(TENCENT_SMS=bad), pytest.raises(SystemCheckError) as info:
        call_command("check", stdout=StringIO(), stderr=StringIO())
    for id in ("E006", "E021", "E022", "E012", "E025"):
        assert f"tencent_sms.{id}" in str(info.value)
    assert SECRET not in str(info.value)
