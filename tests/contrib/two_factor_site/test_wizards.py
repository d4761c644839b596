"""TencentSmsGateway through django-two-factor-auth's own wizards: adding a phone device in the
setup wizard and signing in with the texted token in the login wizard, every SMS sent to the
emulator over a real socket.

What a person relies on: the token arrives and works; a refusal (our cooldown and caps, a
landline, Tencent's own refusal, a timeout) is a message on the wizard's page with HTTP 200,
never a 500; the token is nowhere in the database in clear.
"""

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django_otp import DEVICE_ID_SESSION_KEY
from two_factor.plugins.phonenumber.models import PhoneDevice

from django_tencent_sms.models import SmsLog, VerificationCode
from tests.contrib.two_factor_site.helpers import sent_tokens, token_nowhere_in_clear
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"
PASSWORD = "correct horse battery"


@pytest.fixture
def site(sms_sandbox, setup):
    """The template, the OTP settings, the clock and the emulator."""
    return sms_sandbox


@pytest.fixture
def user(db):
    return User.objects.create_user("alice", password=PASSWORD)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# The setup wizard --------------------------------------------------------------------------


def setup_step(client, step, **fields):
    data = {"setup_view-current_step": step, **{f"{step}-{k}": v for k, v in fields.items()}}
    return client.post("/account/two_factor/setup/", data)


def start_phone_setup(client, user, phone=PHONE, method="sms"):
    """Through the wizard up to the number: the response to it (the validation step)."""
    client.force_login(user)
    assert client.get("/account/two_factor/setup/").status_code == 200
    setup_step(client, "welcome")
    setup_step(client, "method", method=method)
    return setup_step(client, method, number=phone)


def test_the_setup_wizard_adds_a_phone_device_with_the_texted_token(site, client, user):
    response = start_phone_setup(client, user)
    assert response.status_code == 200
    assert response.context["challenge_succeeded"] is True
    assert b"We sent you a text message" in response.content
    (token,) = sent_tokens(site, PHONE)
    assert site.messages[0].tpl_id == 1001  # TENCENT_SMS_TWO_FACTOR["TEMPLATE"]
    record = VerificationCode.objects.get()
    assert (record.phone, record.purpose, record.state) == (PHONE, "two_factor", "sent")

    response = setup_step(client, "validation", token=token)
    assert response.status_code == 302
    assert response["Location"] == "/account/two_factor/setup/complete/"
    device = PhoneDevice.objects.get(user=user)
    assert (str(device.number), device.method, device.confirmed) == (PHONE, "sms", True)
    token_nowhere_in_clear(token)


def test_a_landline_is_refused_on_the_setup_page(site, client, user):
    response = start_phone_setup(client, user, phone="+861065529988")  # a Beijing landline
    assert response.status_code == 200
    # two_factor's own "this method did not work", and our reason next to it.
    assert response.context["challenge_succeeded"] is False
    content = response.content.decode()
    assert "encountered an issue with the selected authentication method" in content
    shown = texts(response)
    assert shown == ["+861065529988 is a landline number and cannot receive SMS."]
    assert shown[0] in content
    assert site.messages == [] and site.requests == []
    assert not SmsLog.objects.exists()
    assert not PhoneDevice.objects.exists()


def test_a_tencent_refusal_is_shown_in_the_setup_wizard(site, client, user):
    site.fail_next("result", result=1025, errmsg="daily limit")
    response = start_phone_setup(client, user)
    assert response.status_code == 200
    assert response.context["challenge_succeeded"] is False
    assert "Too many messages were sent to this number. Please try again later." in texts(response)
    log = SmsLog.objects.get()  # the refused send is in the log
    assert log.status == SmsLog.Status.FAILED


def test_a_call_without_voice_codes_says_so_in_the_setup_wizard(site, client, user):
    response = start_phone_setup(client, user, method="call")
    assert response.status_code == 200
    assert response.context["challenge_succeeded"] is False
    assert "Codes by phone call are not available. Ask for a code by SMS." in texts(response)
    assert site.requests == []


def test_a_call_with_voice_codes_reads_the_token_out_and_adds_the_device(site, client, user, conf):
    conf(VOICE=True)
    response = start_phone_setup(client, user, method="call")
    assert response.context["challenge_succeeded"] is True
    (call,) = site.calls
    token = call.params[0]
    assert call.mobile == PHONE[3:] and " ".join(token) in call.text
    assert SmsLog.objects.get().channel == SmsLog.Channel.VOICE
    response = setup_step(client, "validation", token=token)
    assert response.status_code == 302
    assert PhoneDevice.objects.get(user=user).method == "call"
    token_nowhere_in_clear(token)


# The login wizard --------------------------------------------------------------------------


@pytest.fixture
def device(user):
    return PhoneDevice.objects.create(
        user=user, name="default", number=PHONE, method="sms", confirmed=True
    )


def log_in(client, password=PASSWORD):
    data = {
        "login_view-current_step": "auth",
        "auth-username": "alice",
        "auth-password": password,
    }
    return client.post("/account/login/", data)


def enter_token(client, token):
    data = {"login_view-current_step": "token", "token-otp_token": token}
    return client.post("/account/login/", data)


def test_the_login_wizard_signs_in_with_the_texted_token(site, client, device):
    response = log_in(client)
    assert response.status_code == 200
    assert response.context["wizard"]["steps"].current == "token"
    (token,) = sent_tokens(site, PHONE)
    assert texts(response) == []  # nothing went wrong

    response = enter_token(client, token)
    assert response.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    token_nowhere_in_clear(token)


def test_asking_again_within_the_cooldown_is_a_message_not_a_500(site, client, device, clock):
    log_in(client)
    (token,) = sent_tokens(site, PHONE)
    clock.advance(10)
    response = log_in(client)  # signing in again: a second token asked for
    assert response.status_code == 200
    assert response.context["wizard"]["steps"].current == "token"
    assert "Please wait 50 seconds before asking for another code." in response.content.decode()
    assert len(site.messages) == 1  # no second SMS
    # The first token still signs in.
    assert enter_token(client, token).status_code == 302


def test_the_per_number_cap_is_a_message_in_the_login_wizard(site, client, device, conf, clock):
    conf(PHONE_HOURLY_LIMIT=1)
    log_in(client)
    clock.advance(61)
    response = log_in(client)
    assert response.status_code == 200
    (shown,) = texts(response)
    assert shown.startswith("Too many codes were sent to this number in the last hour.")
    assert len(site.messages) == 1


def test_a_tencent_refusal_is_a_message_in_the_login_wizard(site, client, device):
    site.fail_next("result", result=1016, errmsg="bad number")
    response = log_in(client)
    assert response.status_code == 200
    assert response.context["wizard"]["steps"].current == "token"
    shown = texts(response)
    assert len(shown) == 1 and shown[0] in response.content.decode()
    assert SmsLog.objects.get().status == SmsLog.Status.FAILED


def test_a_timeout_is_a_message_in_the_login_wizard_and_not_sent_again(
    site, client, device, settings
):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": (1.0, 0.2)}
    site.fail_next("slow", delay=0.5)
    response = log_in(client)
    assert response.status_code == 200
    assert "We could not confirm that the code was sent." in " ".join(texts(response))
    # It may arrive after all (Tencent had the request): once, and no retry.
    assert wait_until(lambda: len(site.messages) == 1)
    assert len(site.requests) == 1
    assert SmsLog.objects.get().status == SmsLog.Status.UNKNOWN


def test_a_wrong_password_sends_nothing(site, client, device):
    response = log_in(client, password="wrong")
    assert response.status_code == 200
    assert response.context["wizard"]["steps"].current == "auth"
    assert site.requests == [] and not VerificationCode.objects.exists()


def test_the_setup_wizards_log_line_holds_neither_the_number_nor_the_token(
    site, client, user, caplog
):
    start_phone_setup(client, user, phone="+861065529988")
    logged = [r for r in caplog.records if r.name.startswith("two_factor")]
    assert logged, "two_factor logs the failed challenge"
    text = caplog.text
    assert "The token was not sent: invalid_phone." in text
    assert "65529988" not in text  # neither the refusal's text nor our line has the number


# The backup phone wizard, which catches nothing ----------------------------------------------


def test_a_refused_backup_phone_is_a_message_not_a_500(site, client, device):
    log_in(client)
    (token,) = sent_tokens(site, PHONE)
    assert enter_token(client, token).status_code == 302  # verified: may add a backup phone
    data = {
        "phone_setup_view-current_step": "setup",
        "setup-number": "+861065529988",
        "setup-method": "sms",
    }
    response = client.post("/account/two_factor/phone/register/", data)
    assert response.status_code == 200
    assert texts(response) == ["+861065529988 is a landline number and cannot receive SMS."]
    assert len(site.messages) == 1


def test_the_refusal_is_in_the_persons_language(site, client, device, clock):
    log_in(client)
    clock.advance(20)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = log_in(client)
    assert response.status_code == 200
    assert "请等待 40 秒后再重新获取验证码。" in response.content.decode()
