"""The OTP settings (``otp.conf``): the defaults merged over the site's dict, and the lenient
reads of pages that must not fail over a bad value."""

import pytest
from django.test import override_settings

from django_tencent_sms import otp
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.otp.conf import OTP_DEFAULTS, otp_settings, usable_limit


def test_the_site_dict_is_merged_over_the_defaults():
    with override_settings(TENCENT_SMS={"OTP": {"TEMPLATE": "login-code", "TTL": 600}}):
        conf = otp_settings()
        assert conf["TTL"] == 600 and conf["TEMPLATE"] == "login-code"
        assert conf["LENGTH"] == OTP_DEFAULTS["LENGTH"] and set(conf) == set(OTP_DEFAULTS)
        # The one settings object holds the site's dict as written; otp.conf adds defaults.
        assert sms_settings.OTP == {"TEMPLATE": "login-code", "TTL": 600}


def test_the_package_exposes_otp_settings_lazily():
    assert otp.otp_settings is otp_settings


@pytest.mark.parametrize("value", ["nope", None, ["TTL"]])
def test_otp_settings_that_are_not_a_dict_are_refused(value):
    with (
        override_settings(TENCENT_SMS={"OTP": value}),
        pytest.raises(ConfigurationError, match=r"\['OTP'\] must be a dict"),
    ):
        otp_settings()


@pytest.mark.parametrize(
    ("otp_conf", "expected"),
    [
        ({}, OTP_DEFAULTS["MAX_ATTEMPTS"]),
        ({"MAX_ATTEMPTS": 3}, 3),
        ({"MAX_ATTEMPTS": 0}, None),
        ({"MAX_ATTEMPTS": True}, None),
        ({"MAX_ATTEMPTS": "5"}, None),
        ("not a dict", None),
    ],
)
def test_usable_limit_never_raises(otp_conf, expected):
    with override_settings(TENCENT_SMS={"OTP": otp_conf}):
        assert usable_limit("MAX_ATTEMPTS") == expected


@pytest.mark.parametrize("value", ["", "phone verified", None, 1, ["phone_verified"]])
def test_a_verified_flag_field_that_is_no_field_name_is_refused(value):
    from django_tencent_sms.exceptions import ConfigurationError

    with (
        override_settings(TENCENT_SMS={"OTP": {"USER_PHONE_VERIFIED_FIELD": value}}),
        pytest.raises(ConfigurationError, match="USER_PHONE_VERIFIED_FIELD"),
    ):
        otp_settings()
