"""PhoneCodeBackend: sign in with a number and an SMS code, next to username/password.

The test user model is ``auth.User``, which has no phone field: ``USER_LOOKUP`` is tested with a
function that finds the user whose username is the number, and ``USER_PHONE_FIELD`` with
``User.last_name`` (a CharField) and with a ``PhoneNumberField`` on a model created for one
test (``isolate_apps`` and the schema editor, with ``get_user_model`` patched).
"""

import logging

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import aauthenticate, authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.db import connection, models
from django.test import RequestFactory
from django.test.utils import isolate_apps
from phonenumber_field.modelfields import PhoneNumberField

from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import auth, send_code
from django_tencent_sms.otp.auth import PhoneCodeBackend, last_attempt
from tests.helpers import PHONE, last_code, user_by_username, wrong

pytestmark = pytest.mark.django_db

BACKEND = "django_tencent_sms.otp.auth.PhoneCodeBackend"


class LookupSpy:
    def __init__(self):
        self.calls = []

    def __call__(self, phone):
        self.calls.append(phone)
        return user_by_username(phone)


@pytest.fixture
def otp_defaults(otp_defaults):
    """Users are found by username."""
    return {**otp_defaults, "USER_LOOKUP": user_by_username}


@pytest.fixture
def backends(settings):
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", BACKEND]


@pytest.fixture
def setup(setup, backends):
    """The shared setup (tests/otp/fixtures.py), with PhoneCodeBackend switched on."""
    return setup


def http_request():
    return RequestFactory().post("/login/")


def test_the_right_code_signs_in_once(setup, alice, sms_outbox):
    send_code("138 1234 5678")
    code = last_code(sms_outbox)
    request = http_request()
    user = authenticate(request, phone="+86 138-1234-5678", code=f" {code} ")
    assert user == alice and user.backend == BACKEND
    assert last_attempt(request).code == "ok"
    again = http_request()
    assert authenticate(again, phone=PHONE, code=code) is None
    assert last_attempt(again).code == "used"
    assert "already been used" in last_attempt(again).message


def test_the_code_is_checked_before_anyone_is_looked_up(setup, conf, sms_outbox):
    """Finding out whether a number has an account costs a try, like guessing a code."""
    spy = LookupSpy()
    conf(USER_LOOKUP=spy, ACCOUNT_PURPOSES=())  # codes go to numbers without an account
    send_code(PHONE)  # nobody has this number
    code = last_code(sms_outbox)
    request = http_request()
    assert authenticate(request, phone=PHONE, code=wrong(code)) is None
    assert spy.calls == []
    assert last_attempt(request).code == "wrong"
    assert VerificationCode.objects.get().attempts == 1
    assert authenticate(request, phone=PHONE, code=code) is None
    assert [p.as_e164 for p in spy.calls] == [PHONE]
    assert last_attempt(request).code == "no_account"
    assert last_attempt(request).message == "No account can be found for this phone number."
    assert VerificationCode.objects.get().used_at is not None  # spent: no second look


def test_without_phone_or_code_password_sign_in_still_works(setup, alice, sms_outbox):
    send_code(PHONE)
    request = http_request()
    assert authenticate(request, phone=PHONE) is None
    assert authenticate(request, code=last_code(sms_outbox)) is None
    assert authenticate(request, phone="", code=" ") is None
    assert last_attempt(request) is None
    assert VerificationCode.objects.get().attempts == 0  # nothing was checked
    user = authenticate(request, username=PHONE, password="correct horse")
    assert user == alice and user.backend == "django.contrib.auth.backends.ModelBackend"
    # And the phone backend never accepts a password.
    assert authenticate(request, phone=PHONE, password="correct horse") is None


def test_an_inactive_user_is_refused_even_with_the_right_code(setup, alice, sms_outbox):
    alice.is_active = False
    alice.save()
    send_code(PHONE)
    request = http_request()
    assert authenticate(request, phone=PHONE, code=last_code(sms_outbox)) is None
    assert last_attempt(request).code == "inactive"
    assert last_attempt(request).message == "This account is inactive."
    assert PhoneCodeBackend().get_user(alice.pk) is None


def test_a_code_for_another_purpose_does_not_sign_in(setup, alice, sms_outbox):
    send_code(PHONE, "signup")
    request = http_request()
    assert authenticate(request, phone=PHONE, code=last_code(sms_outbox)) is None
    assert last_attempt(request).code == "none_issued"


def test_user_lookup_as_a_dotted_path(setup, conf, alice, sms_outbox):
    conf(USER_LOOKUP="tests.helpers.user_by_username")
    send_code(PHONE)
    assert authenticate(http_request(), phone=PHONE, code=last_code(sms_outbox)) == alice


def test_user_phone_field_on_a_char_field(setup, conf, sms_outbox, caplog):
    conf(USER_LOOKUP=None, USER_PHONE_FIELD="last_name")
    bob = User.objects.create_user("bob", last_name=PHONE)
    User.objects.create_user("carol", last_name="+8613900000000")
    send_code("13812345678")
    assert authenticate(http_request(), phone="13812345678", code=last_code(sms_outbox)) == bob

    # Two users with the number: neither may sign in with it, and the operator is told.
    User.objects.create_user("bob2", last_name=PHONE)
    send_code(PHONE, "login-again")
    request = http_request()
    with caplog.at_level(logging.WARNING, logger="django_tencent_sms"):
        user = authenticate(request, phone=PHONE, code=last_code(sms_outbox), purpose="login-again")
    assert user is None and last_attempt(request).code == "no_account"
    assert "+86 138 **** 5678" in caplog.text and PHONE not in caplog.text


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"USER_LOOKUP": None}, "USER_PHONE_FIELD"),  # auth.User has no "phone" field
        ({"USER_LOOKUP": None, "USER_PHONE_FIELD": "mobile"}, "USER_PHONE_FIELD"),
        ({"USER_LOOKUP": "tests.test_auth.no_such_function"}, "USER_LOOKUP"),
        ({"USER_LOOKUP": 42}, "USER_LOOKUP"),
    ],
)
def test_a_bad_lookup_setting_fails_loudly_before_a_try_is_spent(
    setup, conf, sms_outbox, overrides, key
):
    conf(**overrides)
    with pytest.raises(ConfigurationError, match=key):
        send_code(PHONE)  # a sign-in code: its number's account is looked up first
    assert sms_outbox == [] and not VerificationCode.objects.exists()
    conf(**overrides, ACCOUNT_PURPOSES=())
    send_code(PHONE)
    with pytest.raises(ConfigurationError, match=key):
        authenticate(http_request(), phone=PHONE, code=last_code(sms_outbox))
    assert VerificationCode.objects.get().attempts == 0


@pytest.mark.django_db(transaction=True)
def test_user_phone_field_on_a_phone_number_field(setup, conf, sms_outbox, monkeypatch):
    with isolate_apps("tests"):

        class PhoneUser(AbstractBaseUser):
            phone = PhoneNumberField(unique=True)
            is_active = models.BooleanField(default=True)

            class Meta:
                app_label = "tests"

    with connection.schema_editor() as editor:
        editor.create_model(PhoneUser)
    try:
        monkeypatch.setattr(auth, "get_user_model", lambda: PhoneUser)
        conf(USER_LOOKUP=None, USER_PHONE_FIELD="phone")
        dora = PhoneUser.objects.create(phone="+86 138 1234 5678")
        PhoneUser.objects.create(phone="+8613900000000")
        send_code("138-1234-5678")
        user = authenticate(http_request(), phone="13812345678", code=last_code(sms_outbox))
        assert user == dora
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(PhoneUser)


def test_get_user(alice):
    backend = PhoneCodeBackend()
    assert backend.get_user(alice.pk) == alice
    assert backend.get_user(alice.pk + 1) is None


def test_the_async_path_checks_the_code_too(setup, alice, sms_outbox):
    send_code(PHONE)
    code = last_code(sms_outbox)
    request = http_request()
    assert async_to_sync(aauthenticate)(request, phone=PHONE, code=wrong(code)) is None
    assert last_attempt(request).code == "wrong"
    assert async_to_sync(aauthenticate)(request, phone=PHONE, code=code) == alice


def test_end_to_end_through_the_emulator(sms_sandbox, setup, alice):
    """The real backend sends over a socket; the code the emulator received signs in, once."""
    send_code("138 1234 5678", "login", request=http_request())
    message = sms_sandbox.messages[-1]
    assert (message.nationcode, message.mobile) == ("86", "13812345678")
    code = message.params[0]
    request = http_request()
    assert authenticate(request, phone="13812345678", code=code) == alice
    second = http_request()
    assert authenticate(second, phone="13812345678", code=code) is None
    assert last_attempt(second).code == "used"
