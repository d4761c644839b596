import pytest
from django.test import override_settings

from django_tencent_sms.conf import DEFAULTS, sms_settings
from django_tencent_sms.exceptions import ConfigurationError, SmsError


def test_defaults_apply_for_missing_keys():
    with override_settings(TENCENT_SMS={}):
        assert sms_settings.API_URL == "https://yun.tim.qq.com/v5/tlssmssvr"
        assert sms_settings.DEFAULT_REGION == "CN"
        assert DEFAULTS["TIMEOUT"] == sms_settings.TIMEOUT


def test_settings_are_read_on_access_and_follow_override_settings():
    with override_settings(TENCENT_SMS={"SIGN": "first"}):
        assert sms_settings.SIGN == "first"
        with override_settings(TENCENT_SMS={"SIGN": "second"}):
            assert sms_settings.SIGN == "second"
        assert sms_settings.SIGN == "first"


def test_whitespace_around_the_app_key_is_stripped():
    # A trailing space copied from the console is the usual cause of result 1001.
    with override_settings(TENCENT_SMS={"APP_KEY": " abc123 \n", "SDK_APP_ID": 1400006666}):
        assert sms_settings.APP_KEY == "abc123"
        assert sms_settings.SDK_APP_ID == "1400006666"


def test_required_key_error_names_the_key_and_is_not_an_sms_error():
    with (
        override_settings(TENCENT_SMS={}),
        pytest.raises(ConfigurationError, match="APP_KEY") as info,
    ):
        sms_settings.require("APP_KEY")
    assert not isinstance(info.value, SmsError)


def test_unknown_attribute():
    with pytest.raises(AttributeError):
        sms_settings.NOPE  # noqa: B018


def test_settings_must_be_a_dict():
    with override_settings(TENCENT_SMS=["nope"]), pytest.raises(ConfigurationError):
        sms_settings.SIGN  # noqa: B018


def test_repr_hides_the_app_key():
    with override_settings(TENCENT_SMS={"APP_KEY": "very-secret-key"}):
        assert "very-secret-key" not in repr(sms_settings)
        assert "APP_KEY" in repr(sms_settings)


def test_api3_defaults_and_secret_handling():
    with override_settings(
        TENCENT_SMS={"SECRET_ID": " AKIDexample ", "SECRET_KEY": " very-secret-api3-key\n"}
    ):
        assert sms_settings.REGION == "ap-guangzhou"
        assert sms_settings.ENDPOINT == "sms.tencentcloudapi.com"
        assert sms_settings.SECRET_ID == "AKIDexample"
        assert sms_settings.SECRET_KEY == "very-secret-api3-key"
        assert "very-secret-api3-key" not in repr(sms_settings)
        assert "AKIDexample" in repr(sms_settings)  # an ID, not a secret


def test_none_means_not_set():
    with override_settings(TENCENT_SMS=None):
        assert sms_settings.DEFAULT_REGION == "CN"


@pytest.mark.parametrize("value", ["", [], 0, False])
def test_an_empty_value_that_is_no_dict_is_refused_too(value):
    # Not read as "no settings": TENCENT_SMS = "" is a mistake the checks must report (E001).
    with override_settings(TENCENT_SMS=value), pytest.raises(ConfigurationError):
        sms_settings.SIGN  # noqa: B018
