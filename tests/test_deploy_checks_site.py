"""``check --deploy`` catches the emulator's development settings left in production (W053) and
codes without a daily ceiling (W054); ``check`` catches a sign-in that ends on a 404 (W055)."""

import pytest
from django.core import checks
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path

from django_tencent_sms.deploy_checks import check_deploy, local_host
from django_tencent_sms.otp.redirect_check import check_login_redirect
from tests.test_checks_hostile import HOSTILE

LEGACY = {
    "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
    "SDK_APP_ID": "1400006666",
    "APP_KEY": "abcdef0123456789",
}
CODES = {"TEMPLATE": "login-code"}


def deploy_ids(tencent_sms):
    with override_settings(TENCENT_SMS=tencent_sms):
        return [m.id for m in checks.run_checks(include_deployment_checks=True)]


@pytest.mark.parametrize(
    "key, value",
    [
        ("API_URL", "http://127.0.0.1:8765/v5/tlssmssvr"),
        ("API_URL", "http://localhost:8765/v5/tlssmssvr"),
        ("API_URL", "https://LOCALHOST./v5/tlssmssvr"),
        ("VOICE_API_URL", "http://127.0.0.2:8765/v5/tlsvoicesvr"),
        ("ENDPOINT", "http://127.0.0.1:8765"),
        ("ENDPOINT", "[::1]:8765"),
        ("ENDPOINT", "http://0.0.0.0:8765"),
        ("VOICE_ENDPOINT", "http://[::ffff:127.0.0.1]:8765"),
        ("VOICE_ENDPOINT", "sandbox.localhost:8765"),
    ],
)
def test_an_emulator_url_is_a_deploy_warning_naming_the_setting(key, value):
    with override_settings(TENCENT_SMS={**LEGACY, key: value}):
        found = [m for m in check_deploy() if m.id == "tencent_sms.W053"]
        assert len(found) == 1 and repr(key) in found[0].msg
        # Only with --deploy: in development, the emulator is the point.
        assert "tencent_sms.W053" not in [m.id for m in checks.run_checks()]


@pytest.mark.parametrize(
    "value",
    [
        "https://yun.tim.qq.com/v5/tlssmssvr",
        "sms.tencentcloudapi.com",
        "https://10.0.0.5/v5/tlssmssvr",  # a proxy of one's own: not this machine
        "https://localhost.example.com/",
        "https://127.0.0.1.example.com/",
    ],
)
def test_a_url_elsewhere_is_not_warned_about(value):
    for key in ("API_URL", "ENDPOINT"):
        assert "tencent_sms.W053" not in deploy_ids({**LEGACY, key: value})


def test_the_defaults_pass_the_deploy_checks():
    otp = {**CODES, "ALLOWED_REGIONS": ["CN"], "DAILY_LIMIT": 500}
    ids = deploy_ids({**LEGACY, "CALLBACK_TOKEN": "t" * 32, "OTP": otp})
    assert not [i for i in ids if i.startswith("tencent_sms.")]


@pytest.mark.parametrize("value", [*HOSTILE, "http://[bad", "http://127.0.0.1:99999/", "\x00"])
def test_no_url_value_crashes_the_deploy_check(value):
    for key in ("API_URL", "VOICE_API_URL", "ENDPOINT", "VOICE_ENDPOINT"):
        with override_settings(TENCENT_SMS={**LEGACY, key: value}):
            assert all(m.id == "tencent_sms.W053" for m in check_deploy())
    assert local_host(value) is None or isinstance(value, str)


@pytest.mark.parametrize("value", HOSTILE)
def test_no_otp_value_crashes_the_deploy_check(value):
    for otp in (value, {**CODES, "ALLOWED_REGIONS": value}, {**CODES, "DAILY_LIMIT": value}):
        with override_settings(TENCENT_SMS={**LEGACY, "OTP": otp}):
            check_deploy()
    with override_settings(TENCENT_SMS=value):
        check_deploy()


@pytest.mark.parametrize(
    "otp, expected",
    [
        ({**CODES, "ALLOWED_REGIONS": ["CN"]}, ["tencent_sms.W054"]),
        ({**CODES, "ALLOWED_REGIONS": ["CN"], "DAILY_LIMIT": 1000}, []),
        ({**CODES, "DAILY_LIMIT": 1000}, []),
        (CODES, ["tencent_sms.W020"]),  # neither: W020 says it, once
        ({"TEMPLATE": None, "ALLOWED_REGIONS": ["CN"]}, []),  # codes not in use
    ],
)
def test_codes_without_a_daily_limit(otp, expected):
    ids = deploy_ids({**LEGACY, "OTP": otp})
    assert sorted(i for i in ids if i in ("tencent_sms.W020", "tencent_sms.W054")) == expected


def home(request):
    return HttpResponse("home")


urlpatterns = [
    path("", home, name="home"),
    path("phone/", include("django_tencent_sms.otp.urls")),
]


@pytest.mark.parametrize(
    "redirect, warned",
    [
        ("/accounts/profile/", True),  # Django's default: a new project has no such page
        ("/", False),
        ("home", False),
        ("/?welcome=1", False),
        ("no-such-url-name", True),
        ("https://www.example.com/", False),
        ("//cdn.example.com/", False),
        ("/phone/login/", False),
    ],
)
def test_a_sign_in_that_would_end_on_a_404(redirect, warned):
    with override_settings(
        ROOT_URLCONF="tests.test_deploy_checks_site", LOGIN_REDIRECT_URL=redirect
    ):
        found = [m for m in checks.run_checks() if m.id == "tencent_sms.W055"]
    assert bool(found) is warned
    if warned:
        assert repr(redirect) in found[0].msg or "/accounts/profile/" in found[0].msg


def test_no_warning_without_the_sign_in_pages(settings):
    settings.ROOT_URLCONF = "tests.urls"  # no sign-in pages
    settings.LOGIN_REDIRECT_URL = "/accounts/profile/"
    assert check_login_redirect() == []


@pytest.mark.parametrize("value", HOSTILE)
def test_no_login_redirect_value_crashes_the_check(value):
    with override_settings(ROOT_URLCONF="tests.test_deploy_checks_site", LOGIN_REDIRECT_URL=value):
        assert all(m.id == "tencent_sms.W055" for m in check_login_redirect())
