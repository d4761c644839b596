"""``manage.py check`` never crashes, whatever ``TENCENT_SMS`` holds: each problem is a message."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from django_tencent_sms.checks import check_callback_urls, check_settings
from django_tencent_sms.conf import DEFAULTS
from django_tencent_sms.otp.conf import OTP_DEFAULTS

LEGACY = {
    "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
    "SDK_APP_ID": "1400006666",
    "APP_KEY": "abcdef0123456789",
}
CLOUD = {
    "BACKEND": "django_tencent_sms.backends.tencentcloud.TencentCloudBackend",
    "SDK_APP_ID": "1400006666",
    "SECRET_ID": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
    "SECRET_KEY": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
}


class Opaque:
    """A value no setting expects, whose repr is harmless."""

    def __repr__(self):
        return "<Opaque>"


#: Values no setting should hold; each must give messages, never an exception.
HOSTILE = [
    None,
    True,
    0,
    -1,
    10**30,
    1.5,
    float("nan"),
    float("inf"),
    "",
    " ",
    "nope",
    "a\x00b",
    "\u200b",
    b"bytes",
    [],
    [None],
    [[]],
    ["x", 3],
    (1, 2, 3),
    {},
    {"a": 1},
    {1, 2},
    Opaque(),
    object,
    len,
]


def messages(tencent_sms, **settings):
    with override_settings(TENCENT_SMS=tencent_sms, **settings):
        return [*check_settings(), *check_callback_urls()]


@pytest.mark.parametrize("base", [LEGACY, CLOUD], ids=["legacy", "api3"])
@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_no_value_of_any_key_crashes_the_checks(base, key):
    for value in HOSTILE:
        for found in messages({**base, key: value}):
            assert found.id and found.id.startswith("tencent_sms."), (key, value, found)
            assert found.id != "tencent_sms.E027", (key, value, found)  # foreseen, not caught


@pytest.mark.parametrize("key", sorted(OTP_DEFAULTS))
def test_no_value_of_any_otp_key_crashes_the_checks(key):
    backends = ["django_tencent_sms.otp.auth.PhoneCodeBackend"]
    for value in HOSTILE:
        otp = {"TEMPLATE": "login-code", key: value}
        for found in messages({**LEGACY, "OTP": otp}, AUTHENTICATION_BACKENDS=backends):
            assert found.id and found.id.startswith("tencent_sms."), (key, value, found)
            assert found.id != "tencent_sms.E027", (key, value, found)  # foreseen, not caught


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_no_value_of_the_whole_setting_crashes_the_checks(value):
    for found in messages(value):
        assert found.id and found.id.startswith("tencent_sms.")
        assert found.id != "tencent_sms.E027", found


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_no_value_of_the_otp_setting_crashes_the_checks(value):
    for found in messages({**LEGACY, "OTP": value}):
        assert found.id and found.id.startswith("tencent_sms.")
        assert found.id != "tencent_sms.E027", found


def test_keys_that_are_not_strings_are_reported():
    with override_settings(TENCENT_SMS={**LEGACY, 1: "x", ("a",): "y", "OTP": {2: "z"}}):
        found = check_settings()
    assert {m.id for m in found} == {"tencent_sms.W002", "tencent_sms.W003"}
    assert "('a',), 1" in found[0].msg


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["nope", ["SIGN"], 86])
def test_manage_py_check_reports_a_setting_that_is_no_dict(value):
    with override_settings(TENCENT_SMS=value), pytest.raises(SystemCheckError) as info:
        call_command("check", stdout=StringIO(), stderr=StringIO())
    assert "tencent_sms.E001" in str(info.value)
