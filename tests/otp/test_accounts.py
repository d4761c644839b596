"""Sign-in codes go only to numbers with an account, and the requester cannot tell.

Through the shipped pages and the JSON endpoint, a number nobody registered gets no SMS, yet the
same answers as a registered one: the redirect, the verify page, the cooldown, a wrong code.
"""

import pytest
from django.contrib.auth.models import User

from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import Reason, check_code, send_code
from tests.helpers import PHONE, START, user_by_username
from tests.otp import flows
from tests.otp.flows import API_REQUEST, VERIFY_URL, countdown, post_json, request_code, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_query_path")]

STRANGER = "+8613900001111"  # no account uses it
MASKED = {PHONE: flows.MASKED, STRANGER: "+86 139 **** 1111"}


@pytest.fixture(autouse=True)
def site(settings):
    flows.mount(settings)


@pytest.fixture
def otp_defaults(otp_defaults):
    """Users found by username; ACCOUNT_PURPOSES as it comes."""
    return {**otp_defaults, "USER_LOOKUP": user_by_username}


def page(response, phone):
    """The page's text with the (masked) number taken out."""
    return text(response).replace(MASKED[phone], "NUMBER")


def test_no_sms_for_a_sign_in_to_a_number_without_an_account(client, setup, alice, sms_outbox):
    answers = {}
    for phone in (PHONE, STRANGER):
        client.cookies.clear()
        asked = request_code(client, phone)
        shown = client.get(asked["Location"])
        setup.advance(20)
        again = request_code(client, phone)
        wrong = client.post(VERIFY_URL, {"phone": phone, "code": "000000"})
        answers[phone] = (
            asked.status_code,
            asked["Location"],
            page(shown, phone),
            page(again, phone),
            countdown(again),
            page(wrong, phone),
        )
        setup.advance(3600)
    assert answers[PHONE] == answers[STRANGER]
    assert answers[STRANGER][4] == 40  # the cooldown runs for both
    assert [m.e164 for m in sms_outbox] == [PHONE]
    withheld = VerificationCode.objects.get(phone=STRANGER)
    assert withheld.state == VerificationCode.State.WITHHELD and withheld.log is None
    assert withheld.attempts == 1  # the wrong code was counted, as for a real one


def test_the_json_endpoint_answers_the_same(client, setup, alice, sms_outbox):
    known = post_json(client, API_REQUEST, {"phone": PHONE})
    stranger = post_json(client, API_REQUEST, {"phone": STRANGER})
    assert known.status_code == stranger.status_code == 200
    assert known.json() == stranger.json()
    assert len(sms_outbox) == 1
    assert check_code(STRANGER, "123456").reason is Reason.WRONG


def test_a_setting_sends_sign_in_codes_to_every_number(client, setup, conf, sms_outbox):
    conf(USER_LOOKUP=user_by_username, ACCOUNT_PURPOSES=())
    request_code(client, STRANGER)
    assert [m.e164 for m in sms_outbox] == [STRANGER]


def test_sign_up_codes_are_not_affected(setup, sms_outbox):
    record = send_code(STRANGER, "signup")
    assert record.state == VerificationCode.State.SENT and len(sms_outbox) == 1


def test_a_number_that_gets_an_account_gets_its_code(setup, sms_outbox):
    assert send_code(STRANGER).state == VerificationCode.State.WITHHELD
    User.objects.create_user(STRANGER)
    setup.advance(60)
    assert send_code(STRANGER).state == VerificationCode.State.SENT
    assert len(sms_outbox) == 1


def test_without_a_code_sign_in_backend_nothing_is_withheld(setup, settings, sms_outbox):
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    send_code(STRANGER)
    assert len(sms_outbox) == 1


def test_a_bad_account_purposes_setting_is_refused(setup, conf):
    from django_tencent_sms.exceptions import ConfigurationError

    conf(ACCOUNT_PURPOSES="login")
    with pytest.raises(ConfigurationError, match="ACCOUNT_PURPOSES"):
        send_code(PHONE)


@pytest.fixture(autouse=True)
def pauses(monkeypatch):
    """What a withheld answer waited, instead of waiting."""
    from django_tencent_sms.otp import accounts

    waited = []
    monkeypatch.setattr(accounts, "pause", waited.append)
    return waited


def test_a_withheld_answer_takes_as_long_as_a_send(sms_sandbox, setup, alice, pauses):
    from datetime import timedelta

    from django_tencent_sms.models import SmsLog

    send_code(PHONE)  # a real send, over HTTP to the emulator
    assert pauses == []  # a sent code does not wait
    SmsLog.objects.update(duration=timedelta(milliseconds=240))
    send_code(STRANGER)
    assert pauses == [0.24] and len(sms_sandbox.messages) == 1


def test_the_wait_is_the_median_of_recent_sends_and_bounded(setup, pauses):
    from datetime import timedelta

    from django_tencent_sms.models import SmsLog

    send_code(STRANGER)
    assert pauses == []  # nothing sent yet: nothing to match
    for n, ms in enumerate((100, 200, 900, 150, 120, 5000)):  # the oldest first
        SmsLog.objects.create(
            phone=PHONE,
            tpl_id=1001,
            status="sent",
            created_at=START + timedelta(seconds=n),
            duration=timedelta(milliseconds=ms),
        )
    setup.advance(60)
    send_code(STRANGER)
    assert pauses == [0.2]  # the newest five: 200, 900, 150, 120, 5000
    SmsLog.objects.update(duration=timedelta(seconds=20))
    setup.advance(60)
    send_code(STRANGER)
    assert pauses[-1] == 3.0
