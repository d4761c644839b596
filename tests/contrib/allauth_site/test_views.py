"""PhoneAdapterMixin through django-allauth's own views: phone sign-up, phone verification and
login by code, each SMS sent to the emulator over a real socket.

What a person relies on: a code arrives and works; a number that cannot receive codes gets a
form error and no account; a refusal (our caps, Tencent's 1025, a timeout) is a message on the
page, never a 500, and allauth does not claim a code was sent; a number with no account costs
nothing; the code is nowhere in clear.
"""

import logging

import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import override_settings

from django_tencent_sms.models import SmsLog, VerificationCode
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"
OTHER = "+8613912345678"


@pytest.fixture
def site(sms_sandbox, setup, client):
    """The template, the OTP settings, the clock and the emulator."""
    return sms_sandbox


def example(region, kind):
    number = phonenumbers.example_number_for_type(region, kind)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def sent_code(sandbox, phone=PHONE):
    """The code in the one SMS the emulator received for ``phone``."""
    texts = [m for m in sandbox.messages if "+" + m.nationcode + m.mobile == phone]
    assert len(texts) == 1, texts
    return texts[0].params[0]


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def sign_up(client, phone=PHONE):
    return client.post("/accounts/signup/", {"phone": phone}, follow=True)


def test_sign_up_sends_our_code_and_verifying_it_marks_the_number(site, client, caplog):
    caplog.set_level(logging.DEBUG)
    response = sign_up(client, PHONE)
    assert response.status_code == 200
    user = get_user_model().objects.get()
    assert (str(user.phone), user.phone_verified) == (PHONE, False)
    code = sent_code(site)
    assert site.messages[0].tpl_id == 1001  # OTP["TEMPLATE"]
    # Counted as our codes are, under its own purpose; the code itself stored nowhere.
    record = VerificationCode.objects.get()
    assert (record.phone, record.purpose, record.state) == (PHONE, "allauth", "sent")
    log = SmsLog.objects.get()
    assert code not in repr(log.params) and code not in record.code_hash
    assert code not in caplog.text

    response = client.post("/accounts/phone/verify/", {"code": code})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_verified


@pytest.mark.parametrize(
    "phone",
    [
        "+8613800",  # too short for China
        "+86" + "1" * 14,  # too long
        "+861065529988",  # a Beijing landline
        example("GB", phonenumbers.PhoneNumberType.PREMIUM_RATE),
        example("GB", phonenumbers.PhoneNumberType.VOIP),
        example("US", phonenumbers.PhoneNumberType.TOLL_FREE),
        "+" + "8" * 5000,
        "+86138\x0012345678",
        "",
    ],
)
def test_a_number_that_cannot_receive_codes_is_a_form_error_and_no_account(site, client, phone):
    response = sign_up(client, phone)
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert not get_user_model().objects.exists()
    assert site.messages == []


def test_a_region_outside_allowed_regions_is_a_form_error(site, client, conf):
    conf(ALLOWED_REGIONS=["CN"])
    response = sign_up(client, example("US", phonenumbers.PhoneNumberType.MOBILE))
    assert "Codes cannot be sent to numbers in this country or region." in str(
        response.context["form"].errors["phone"]
    )
    assert not get_user_model().objects.exists()


def test_a_tencent_refusal_is_a_message_not_a_500(site, client):
    site.fail_next("result", result=1025, errmsg="daily limit")
    response = sign_up(client)
    assert response.status_code == 200
    shown = texts(response)
    assert "Too many messages were sent to this number. Please try again later." in shown
    # allauth's own "A verification code has been sent to ..." is not shown next to it.
    assert not any("has been sent" in text for text in shown), shown
    assert get_user_model().objects.get().phone_verified is False


def test_a_timeout_is_a_message_not_a_500(site, client, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": (1.0, 0.2)}
    site.fail_next("slow", delay=0.5)
    response = sign_up(client)
    assert response.status_code == 200
    assert "We could not confirm that the code was sent." in " ".join(texts(response))
    # It may arrive after all (Tencent had the request): once, and no retry.
    assert wait_until(lambda: len(site.messages) == 1)
    assert len(site.requests) == 1


def make_user(phone=PHONE):
    user = get_user_model().objects.create_user("someone", phone=phone, phone_verified=True)
    user.set_unusable_password()
    user.save()
    return user


def request_code(client, phone=PHONE):
    return client.post("/accounts/login/code/", {"phone": phone}, follow=True)


def test_login_by_code_signs_in(site, client):
    user = make_user()
    response = request_code(client)
    assert response.status_code == 200
    code = sent_code(site)
    response = client.post("/accounts/login/code/confirm/", {"code": code})
    assert response.status_code == 302
    assert response.wsgi_request.user == user


def test_a_number_without_an_account_gets_no_sms(site, client):
    make_user()
    response = request_code(client, OTHER)
    assert response.status_code == 200
    assert site.messages == [] and not VerificationCode.objects.exists()


def test_the_cooldown_applies_to_allauth_codes(site, client):
    make_user()
    request_code(client)
    client.cookies.clear()
    response = request_code(client)
    assert len(site.messages) == 1
    assert any("wait" in text or "moment" in text or "again" in text for text in texts(response))


def test_the_per_number_cap_counts_our_codes_and_allauth_codes_together(site, client, conf):
    from django_tencent_sms.otp import send_code

    conf(PHONE_HOURLY_LIMIT=1, RESEND_INTERVAL=0)
    make_user()
    send_code(PHONE, "signup")
    response = request_code(client)
    assert len(site.messages) == 1
    assert "Too many codes were sent to this number in the last hour." in " ".join(texts(response))


def test_the_daily_budget_applies_across_numbers(site, client, conf):
    conf(DAILY_LIMIT=1)
    sign_up(client, PHONE)
    client.logout()
    client.cookies.clear()
    response = sign_up(client, OTHER)
    assert response.status_code == 200
    assert len(site.messages) == 1
    assert VerificationCode.objects.count() == 1


def test_unknown_account_texts_only_when_the_site_opts_in(site, client):
    make_user()
    with override_settings(ACCOUNT_ADAPTER="tests.allauth_users.adapter.OptedInAdapter"):
        request_code(client, OTHER)
    assert [m.params for m in site.messages] == [["0000", "5"]]


def test_the_adapter_stores_numbers_as_e164_and_finds_them_in_any_format(site, rf):
    from allauth.account.adapter import get_adapter

    adapter = get_adapter(rf.get("/"))
    user = get_user_model().objects.create_user("x")
    adapter.set_phone(user, "+86 138 1234 5678", False)
    assert adapter.get_phone(user) == (PHONE, False)
    adapter.set_phone_verified(user, PHONE)
    assert adapter.get_phone(user) == (PHONE, True)
    assert adapter.get_user_by_phone("+86 138-1234-5678") == user
    assert adapter.get_user_by_phone("not a number") is None
    assert adapter.clean_phone("+86 138 1234 5678") == PHONE


@pytest.mark.parametrize(
    "phone", ["+861065529988", example("GB", phonenumbers.PhoneNumberType.PREMIUM_RATE)]
)
def test_login_by_code_refuses_a_number_that_cannot_receive_codes_on_the_form(site, client, phone):
    response = request_code(client, phone)
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert site.messages == [] and not VerificationCode.objects.exists()


def test_a_tencent_refusal_of_a_login_code_is_a_message(site, client):
    make_user()
    site.fail_next("result", result=1016, errmsg="bad number")
    response = request_code(client)
    assert response.status_code == 200
    shown = texts(response)
    assert "This number cannot receive a code. Please check it or use another one." in shown
    assert not any("sent" in text for text in shown), shown


def sign_in(client, site, phone=PHONE):
    request_code(client, phone)
    code = sent_code(site, phone)
    assert client.post("/accounts/login/code/confirm/", {"code": code}).status_code == 302


def test_changing_the_number_verifies_the_new_one_with_our_code(site, client):
    user = make_user()
    sign_in(client, site)
    response = client.post("/accounts/phone/change/", {"phone": OTHER}, follow=True)
    assert response.status_code == 200
    code = sent_code(site, OTHER)
    response = client.post("/accounts/phone/verify/", {"code": code})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (str(user.phone), user.phone_verified) == (OTHER, True)


def test_changing_to_a_landline_is_a_form_error(site, client):
    user = make_user()
    sign_in(client, site)
    response = client.post("/accounts/phone/change/", {"phone": "+861065529988"})
    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    user.refresh_from_db()
    assert str(user.phone) == PHONE and len(site.messages) == 1


def test_a_number_without_an_account_is_answered_as_late_as_a_send(site, client, monkeypatch):
    from django_tencent_sms.otp import accounts

    waits = []
    monkeypatch.setattr(accounts, "pause", waits.append)
    make_user()
    sign_in(client, site)  # one send, whose duration is the pause
    client.logout()
    request_code(client, OTHER)
    sent = SmsLog.objects.get()
    assert waits == [sent.duration.total_seconds()] and waits[0] > 0
    assert len(site.messages) == 1
