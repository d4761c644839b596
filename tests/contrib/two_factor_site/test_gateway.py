"""TencentSmsGateway called as two_factor calls it (``send_sms(device=, token=)``), on both API
generations, with and without its middleware; and the system checks of its settings.

What a site relies on: the token goes out under the same caps as every other code (the
client's IP counted when the middleware runs), nothing raises into two_factor's views outside
the setup wizard, the token is in no log, and a wrong setting is named before the first login.
"""

import logging

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from two_factor.plugins.phonenumber.models import PhoneDevice

from django_tencent_sms.contrib.two_factor import TencentSmsGateway
from django_tencent_sms.contrib.two_factor.checks import check_two_factor
from django_tencent_sms.models import SmsLog, VerificationCode
from tests.contrib.two_factor_site.helpers import sent_tokens

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"


@pytest.fixture
def device(db):
    user = User.objects.create_user("alice", password="x" * 12)
    return PhoneDevice(user=user, name="default", number=PHONE, method="sms", key="ab" * 20)


def test_a_token_is_sent_on_both_api_generations_redacted_and_counted(
    sandbox, setup, device, caplog
):
    caplog.set_level(logging.DEBUG)
    TencentSmsGateway().send_sms(device=device, token="123456")
    assert sent_tokens(sandbox, PHONE) == ["123456"]
    log = SmsLog.objects.get()
    assert log.status == SmsLog.Status.SENT and "123456" not in repr(log.params)
    record = VerificationCode.objects.get()
    assert (record.purpose, record.channel) == ("two_factor", "sms")
    assert "123456" not in record.code_hash and "123456" not in caplog.text
    # A second token at once: refused by the cooldown, and no exception (no request to tell).
    TencentSmsGateway().send_sms(device=device, token="654321")
    assert len(sandbox.messages) == 1
    assert "No two_factor token was sent to" in caplog.text and "cooldown" in caplog.text
    assert "654321" not in caplog.text


def test_the_params_and_purpose_come_from_the_setting(sms_sandbox, setup, device, settings):
    settings.TENCENT_SMS_TWO_FACTOR = {
        "TEMPLATE": 1001,
        "PARAMS": ["{code}", "{minutes}"],
        "PURPOSE": "staff-2fa",
    }
    TencentSmsGateway().send_sms(device=device, token="123456")
    (message,) = sms_sandbox.messages
    # two_factor's token lives 150 to 180 seconds: the text says 3 minutes, not OTP["TTL"]'s 5.
    assert (message.tpl_id, message.params) == (1001, ["123456", "3"])
    assert VerificationCode.objects.get().purpose == "staff-2fa"


@pytest.mark.parametrize("number", ["+" + "8" * 5000, "+86138\x0012345678", "", "not a number"])
def test_a_hostile_number_is_refused_without_raising(sms_sandbox, setup, device, number):
    device.number = number
    TencentSmsGateway().send_sms(device=device, token="123456")
    assert sms_sandbox.requests == []
    assert not VerificationCode.objects.exists()


def test_the_middleware_counts_the_clients_ip(sms_sandbox, setup, conf, settings):
    """Two numbers from one client, one code allowed per IP: the second is refused."""
    conf(IP_HOURLY_LIMIT=1)
    settings.TWO_FACTOR_CALL_GATEWAY = None
    for n, phone in enumerate([PHONE, "+8613912345678"]):
        user = User.objects.create_user(f"user{n}", password="pw" * 6)
        PhoneDevice.objects.create(user=user, name="default", number=phone, method="sms")
        client = Client(REMOTE_ADDR="203.0.113.9")
        data = {"login_view-current_step": "auth"}
        data.update({"auth-username": f"user{n}", "auth-password": "pw" * 6})
        response = client.post("/account/login/", data)
        assert response.status_code == 200
    assert len(sms_sandbox.messages) == 1
    assert "Too many codes were requested from your network" in response.content.decode()
    assert VerificationCode.objects.get().ip == "203.0.113.9"


def test_without_the_middleware_a_refusal_is_only_logged(sms_sandbox, setup, settings, caplog):
    caplog.set_level(logging.INFO)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "GatewayRequest" not in m]
    user = User.objects.create_user("alice", password="pw" * 6)
    PhoneDevice.objects.create(user=user, name="default", number="+861065529988", method="sms")
    client = Client()
    data = {"login_view-current_step": "auth", "auth-username": "alice"}
    response = client.post("/account/login/", {**data, "auth-password": "pw" * 6})
    assert response.status_code == 200  # not a 500, though the number is a landline
    assert "invalid_phone" in caplog.text
    assert sms_sandbox.requests == []


def test_make_call_without_voice_codes_tells_the_operator_why(sms_sandbox, setup, device, caplog):
    caplog.set_level(logging.INFO)
    device.method = "call"
    TencentSmsGateway().make_call(device=device, token="123456")
    assert sms_sandbox.requests == []
    assert "TENCENT_SMS['OTP']['VOICE'] is not True." in caplog.text
    assert "voice_unavailable" in caplog.text


def test_make_call_with_voice_codes_places_a_call(sandbox, setup, conf, device):
    conf(VOICE=True)
    TencentSmsGateway().make_call(device=device, token="123456")
    (call,) = sandbox.calls
    assert call.params[0] == "123456" and call.mobile == PHONE[3:]
    log = SmsLog.objects.get()
    assert log.channel == SmsLog.Channel.VOICE and "123456" not in repr(log.params)


# System checks -----------------------------------------------------------------------------


def ids():
    return sorted(m.id for m in check_two_factor())


def test_the_test_sites_settings_pass_the_checks(setup):
    assert ids() == ["tencent_sms.W061"]  # the call gateway is set, voice codes are not on


def test_voice_codes_on_silence_w061(setup, conf):
    conf(VOICE=True)
    assert ids() == []


@pytest.mark.parametrize(
    "value",
    [
        "login-code",
        {"TEMPLATE": ""},
        {"TEMPLATE": True},
        {"TEMPLATE": 1.5},
        {"PARAMS": "{code}"},
        {"PARAMS": ["{minutes}"]},
        {"PARAMS": [1]},
        {"PURPOSE": "Two Factor"},
        {"PURPOSE": "x" * 33},
        {"TEMPLTE": "login-code"},
    ],
)
def test_a_wrong_setting_is_e060(setup, conf, settings, value):
    conf(VOICE=True)
    settings.TENCENT_SMS_TWO_FACTOR = value
    assert ids() == ["tencent_sms.E060"]


def test_no_template_anywhere_is_e061(settings, conf):
    conf(VOICE=True, TEMPLATE=None)
    settings.TENCENT_SMS_TWO_FACTOR = {}
    assert ids() == ["tencent_sms.E061"]
    with pytest.raises(SystemCheckError, match="E061"):
        call_command("check")


def test_the_missing_middleware_is_w060(setup, conf, settings):
    conf(VOICE=True)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "GatewayRequest" not in m]
    assert ids() == ["tencent_sms.W060"]


def test_a_subclass_of_the_gateway_is_checked_too(setup, conf, settings):
    settings.TWO_FACTOR_SMS_GATEWAY = "tests.contrib.two_factor_site.test_gateway.OwnGateway"
    settings.TWO_FACTOR_CALL_GATEWAY = None
    settings.TENCENT_SMS_TWO_FACTOR = {"PURPOSE": ""}
    assert ids() == ["tencent_sms.E060"]


def test_another_gateway_is_not_checked(settings):
    settings.TWO_FACTOR_SMS_GATEWAY = "two_factor.gateways.fake.Fake"
    settings.TWO_FACTOR_CALL_GATEWAY = "no.such.Gateway"
    del settings.TENCENT_SMS_TWO_FACTOR
    settings.MIDDLEWARE = []
    assert ids() == []


class OwnGateway(TencentSmsGateway):
    pass


def test_make_call_outside_mainland_china_is_refused(sms_sandbox, setup, conf, device, caplog):
    caplog.set_level(logging.INFO)
    conf(VOICE=True)
    device.number = "+85291234567"  # Hong Kong: Tencent calls mainland China numbers only
    TencentSmsGateway().make_call(device=device, token="123456")
    assert sms_sandbox.requests == []
    assert "voice_region" in caplog.text
