"""The example project's pages with Django's test client: sign in, sign up and change of number
by SMS code, sign out, the staff send page, and ``demo_setup``.

The example's own settings (apps, URLs, templates, authentication, ``TENCENT_SMS`` with its
``OTP``) are applied over the suite's for this module, with one change: messages go to the
locmem outbox instead of the emulator (the browser tests in test_example_browser.py run the
example for real, emulator included). Its ``accounts`` app has a model, so this module applies
that app's migration to the test database first (the real migration, not a table made from the
model) and reverses it at the end; ``makemigrations --check`` below keeps the two in step.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import Client, override_settings

import example_project.settings as example
from django_tencent_sms.models import SmsLog, SmsTemplate

pytestmark = pytest.mark.django_db

LOCMEM = "django_tencent_sms.backends.locmem.LocmemBackend"
EXAMPLE_SETTINGS = {
    **{
        name: getattr(example, name)
        for name in (
            "INSTALLED_APPS",
            "MIDDLEWARE",
            "ROOT_URLCONF",
            "TEMPLATES",
            "AUTHENTICATION_BACKENDS",
            "LOGIN_URL",
            "LOGIN_REDIRECT_URL",
            "LOGOUT_REDIRECT_URL",
            "LOCALE_PATHS",
            "SANDBOX_URL",
            "HAS_DRF",
            "HAS_SPECTACULAR",
            "REST_FRAMEWORK",
        )
    },
    "TENCENT_SMS": {**example.TENCENT_SMS, "BACKEND": LOCMEM},
    "DEBUG": False,
}

DEMO_PHONE = "+8613800138000"  # demo_setup gives it to the staff account
NEW_PHONE = "+8613912345678"
SIGN_IN = "/phone/login/"
SIGN_UP = "/accounts/signup/"
SIGN_UP_FINISH = "/accounts/signup/finish/"
CHANGE_PHONE = "/accounts/phone/"


@pytest.fixture(scope="module", autouse=True)
def example_site(django_db_setup, django_db_blocker):
    with override_settings(**EXAMPLE_SETTINGS), django_db_blocker.unblock():
        call_command("migrate", "accounts", verbosity=0)
        try:
            yield
        finally:
            call_command("migrate", "accounts", "zero", verbosity=0)
            ContentType.objects.filter(app_label="accounts").delete()
            # The admin registered the example's models while its apps were installed.
            from example_project.accounts.models import Profile

            if admin.site.is_registered(Profile):
                admin.site.unregister(Profile)


@pytest.fixture
def demo(monkeypatch):
    """What ``dev.py demo`` sets up: the sample templates, ``admin``/``admin`` with a number."""
    monkeypatch.delenv("DEMO_USERNAME", raising=False)
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("demo_setup", stdout=StringIO())
    return User.objects.get(username="admin")


def profile_phone(user):
    from example_project.accounts.models import Profile

    profile = Profile.objects.filter(user=user).first()
    return profile.phone.as_e164 if profile else None


def last_code(sms_outbox):
    return sms_outbox[-1].params[0]


def text(response):
    """The page's text, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def ask_for_code(client, url, phone):
    """Step one: the number. Returns the URL of step two."""
    response = client.post(url, {"phone": phone})
    assert response.status_code == 302, text(response)
    return response.url


def enter_code(client, verify_url, phone, code):
    return client.post(verify_url, {"phone": phone, "code": code})


# Pages ---------------------------------------------------------------------------------------


def test_the_home_page_offers_sign_in_and_sign_up(client):
    response = client.get("/")
    assert response.status_code == 200
    assert f'href="{SIGN_IN}"' in response.content.decode()
    assert f'href="{SIGN_UP}"' in response.content.decode()
    assert "inbox" not in text(response)


def test_the_emulator_inbox_is_linked_only_in_debug(client, settings):
    settings.DEBUG = True
    inbox = f"{example.SANDBOX_URL}/_sandbox/inbox"
    assert f'href="{inbox}"' in client.get("/").content.decode()
    assert f'href="{inbox}"' in client.get(SIGN_IN).content.decode()


def test_no_page_leaves_the_browser_asking_for_a_missing_favicon(client):
    """The site's pages name an inline icon, so a browser asks for no /favicon.ico; the admin's
    name none, and /favicon.ico answers them with an icon browsers keep for a day: no 404 in
    the demo's console after every page."""
    icon = '<link rel="icon" href="data:,">'
    for path in ("/", SIGN_IN, SIGN_UP):
        response = client.get(path)
        assert response.status_code == 200 and icon in response.content.decode(), path
    assert icon not in client.get("/admin/login/").content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg") and "max-age=86400" in response["Cache-Control"]
    assert client.post("/favicon.ico").status_code == 405


def test_the_code_pages_use_the_sites_layout(client):
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    page = text(response)
    assert "Sign in with your phone number" in page
    assert "Home" in page and "Sign up" in page  # the site's header


# Signing in ----------------------------------------------------------------------------------


def test_sign_in_with_a_code(client, demo, sms_outbox):
    verify_url = ask_for_code(client, SIGN_IN, "138 0013 8000")
    assert verify_url == "/phone/login/verify/"
    assert [m.e164 for m in sms_outbox] == [DEMO_PHONE]
    assert sms_outbox[0].tpl_id == SmsTemplate.objects.get(name="login-code").tpl_id

    page = text(client.get(verify_url))
    assert "We sent a code to +86 138 **** 8000." in page
    assert "You can ask for a new code in 60 seconds." in page

    response = enter_code(client, verify_url, DEMO_PHONE, last_code(sms_outbox))
    assert response.status_code == 302 and response.url == "/"
    assert "Signed in as admin (+86 138 0013 8000)" in text(client.get("/"))


def test_sign_in_with_a_code_read_out_by_a_call(client, demo, sms_outbox):
    assert "Call me with the code instead" in text(client.get(SIGN_IN))
    response = client.post(SIGN_IN, {"phone": DEMO_PHONE, "channel": "voice"})
    assert response.status_code == 302
    (call,) = sms_outbox
    assert call.e164 == DEMO_PHONE and not hasattr(call, "tpl_id")
    response = enter_code(client, response.url, DEMO_PHONE, call.code)
    assert response.status_code == 302 and response.url == "/"
    assert SmsLog.objects.get().channel == SmsLog.Channel.VOICE


def test_a_wrong_code_is_refused(client, demo, sms_outbox):
    verify_url = ask_for_code(client, SIGN_IN, DEMO_PHONE)
    wrong = "000000" if last_code(sms_outbox) != "000000" else "111111"
    response = enter_code(client, verify_url, DEMO_PHONE, wrong)
    assert response.status_code == 200
    assert "The code is not correct. 4 more tries are allowed." in text(response)
    assert "_auth_user_id" not in client.session


def test_asking_again_right_away_shows_the_countdown(client, demo, sms_outbox):
    ask_for_code(client, SIGN_IN, DEMO_PHONE)
    response = client.post(SIGN_IN, {"phone": DEMO_PHONE})
    assert response.status_code == 200
    assert re.search(r"You can ask for a new code in (59|60) seconds\.", text(response))
    assert len(sms_outbox) == 1


def test_a_number_without_an_account_cannot_sign_in(client, demo, sms_outbox):
    verify_url = ask_for_code(client, SIGN_IN, NEW_PHONE)
    assert verify_url == "/phone/login/verify/"  # as for any number, but no SMS went out
    assert sms_outbox == []
    response = enter_code(client, verify_url, NEW_PHONE, "123456")
    assert "The code is not correct." in text(response)
    assert "_auth_user_id" not in client.session


def test_sign_in_through_the_rest_api(demo, sms_outbox):
    client = Client(enforce_csrf_checks=True)
    assert "/api/phone/request-code/" in client.get("/").content.decode()
    token = {"HTTP_X_CSRFTOKEN": client.get("/api/phone/csrf/").json()["csrfToken"]}
    response = client.post(
        "/api/phone/request-code/", {"phone": DEMO_PHONE}, content_type="application/json", **token
    )
    assert response.status_code == 200 and response.json()["expires_in"] == 300
    body = {"phone": DEMO_PHONE, "code": last_code(sms_outbox)}
    response = client.post(
        "/api/phone/verify-code/", body, content_type="application/json", **token
    )
    assert response.status_code == 200 and response.json() == {"verified": True}
    assert client.get("/").context["user"] == demo
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and "/api/phone/verify-code/" in schema.json()["paths"]


def test_sign_out(client, demo):
    client.force_login(demo)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response.url == "/"
    assert "_auth_user_id" not in client.session


# Signing up ----------------------------------------------------------------------------------


def test_sign_up_with_a_new_number(client, demo, sms_outbox):
    verify_url = ask_for_code(client, SIGN_UP, "139 1234 5678")
    assert verify_url == "/accounts/signup/verify/"
    response = enter_code(client, verify_url, NEW_PHONE, last_code(sms_outbox))
    assert response.status_code == 302 and response.url == SIGN_UP_FINISH

    page = client.get(SIGN_UP_FINISH).content.decode()
    assert 'value="13912345678"' in page  # a username made from the number, to keep or change

    response = client.post(SIGN_UP_FINISH, {"username": "alice"})
    assert response.status_code == 302 and response.url == "/"
    alice = User.objects.get(username="alice")
    assert profile_phone(alice) == NEW_PHONE
    assert not alice.has_usable_password()
    assert "Signed in as alice (+86 139 1234 5678)" in text(client.get("/"))

    # The verified number was used up, and alice signs in with her number from now on.
    assert client.get(SIGN_UP_FINISH).url == SIGN_UP
    client.post("/accounts/logout/")
    verify_url = ask_for_code(client, SIGN_IN, NEW_PHONE)
    enter_code(client, verify_url, NEW_PHONE, last_code(sms_outbox))
    assert "Signed in as alice" in text(client.get("/"))


def test_sign_up_keeps_the_username_made_from_the_number(client, demo, sms_outbox):
    verify_url = ask_for_code(client, SIGN_UP, NEW_PHONE)
    enter_code(client, verify_url, NEW_PHONE, last_code(sms_outbox))
    client.post(SIGN_UP_FINISH, {"username": "13912345678"})
    assert profile_phone(User.objects.get(username="13912345678")) == NEW_PHONE


def test_sign_up_with_a_number_that_has_an_account(client, demo, sms_outbox):
    # Said only after the code: before it, the page would tell anyone which numbers are used.
    verify_url = ask_for_code(client, SIGN_UP, DEMO_PHONE)
    enter_code(client, verify_url, DEMO_PHONE, last_code(sms_outbox))
    response = client.post(SIGN_UP_FINISH, {"username": "mallory"})
    assert response.status_code == 200
    assert "This number already belongs to an account: sign in with it instead." in text(response)
    assert not User.objects.filter(username="mallory").exists()


def test_sign_up_with_a_username_that_is_taken(client, demo, sms_outbox):
    verify_url = ask_for_code(client, SIGN_UP, NEW_PHONE)
    enter_code(client, verify_url, NEW_PHONE, last_code(sms_outbox))
    response = client.post(SIGN_UP_FINISH, {"username": "admin"})
    assert "A user with that username already exists." in text(response)


def test_finishing_a_sign_up_needs_a_verified_number(client, demo):
    response = client.get(SIGN_UP_FINISH)
    assert response.status_code == 302 and response.url == SIGN_UP


def test_a_sign_in_code_does_not_verify_a_sign_up(client, demo, sms_outbox):
    ask_for_code(client, SIGN_IN, DEMO_PHONE)
    response = enter_code(client, "/accounts/signup/verify/", DEMO_PHONE, last_code(sms_outbox))
    assert response.status_code == 200
    assert client.get(SIGN_UP_FINISH).url == SIGN_UP


# Changing the number -------------------------------------------------------------------------


def test_changing_the_number_needs_a_signed_in_user(client):
    response = client.get(CHANGE_PHONE)
    assert response.status_code == 302
    assert response.url == f"{SIGN_IN}?next={CHANGE_PHONE}"


def test_change_my_number(client, demo, sms_outbox):
    client.force_login(demo)
    verify_url = ask_for_code(client, CHANGE_PHONE, NEW_PHONE)
    assert verify_url == "/accounts/phone/verify/"
    assert sms_outbox[-1].e164 == NEW_PHONE  # the code goes to the new number

    response = enter_code(client, verify_url, NEW_PHONE, last_code(sms_outbox))
    assert response.status_code == 302 and response.url == "/"
    assert profile_phone(demo) == NEW_PHONE
    page = text(client.get("/"))
    assert "Your number is now +86 139 1234 5678." in page
    assert "Signed in as admin (+86 139 1234 5678)" in page


def test_a_user_without_a_profile_gets_one_by_changing_the_number(client, demo, sms_outbox):
    bob = User.objects.create_user("bob")
    client.force_login(bob)
    verify_url = ask_for_code(client, CHANGE_PHONE, NEW_PHONE)
    enter_code(client, verify_url, NEW_PHONE, last_code(sms_outbox))
    assert profile_phone(bob) == NEW_PHONE


def test_the_number_of_another_account_cannot_be_taken(client, demo, sms_outbox):
    bob = User.objects.create_user("bob")
    client.force_login(bob)
    verify_url = ask_for_code(client, CHANGE_PHONE, DEMO_PHONE)
    response = enter_code(client, verify_url, DEMO_PHONE, last_code(sms_outbox))
    assert response.status_code == 302 and response.url == CHANGE_PHONE
    assert "This number belongs to another account." in text(client.get(CHANGE_PHONE))
    assert profile_phone(bob) is None
    assert profile_phone(demo) == DEMO_PHONE


# The staff page and the demo's setup ---------------------------------------------------------


def test_staff_send_a_notification(client, demo, sms_outbox):
    client.force_login(demo)
    template = SmsTemplate.objects.get(name="order-shipped")
    response = client.post(
        "/send/",
        {"phone": "137 1111 2222", "template": template.pk, "params": "A1234, SF100200300"},
        follow=True,
    )
    log = SmsLog.objects.get()
    assert f"Sent: sid {log.sid}, fee 1 (log #{log.pk})." in text(response)
    assert [(m.e164, list(m.params)) for m in sms_outbox] == [
        ("+8613711112222", ["A1234", "SF100200300"])
    ]


def test_the_send_page_is_for_staff_only(client):
    response = client.get("/send/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    client.force_login(User.objects.create_user("bob"))
    assert client.get("/send/").url.startswith("/admin/login/")


def test_the_admin_keeps_its_password_login(client, demo):
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "admin"})
    assert response.status_code == 302 and response.url == "/admin/"


def test_demo_setup_reuses_what_exists(demo):
    out = StringIO()
    call_command("demo_setup", stdout=out)
    assert out.getvalue().splitlines() == [
        "Staff account 'admin' exists (password unchanged).",
        "'admin' signs in on the site with a code sent to +86 138 0013 8000.",
    ]
    assert User.objects.count() == 1
    assert sorted(SmsTemplate.objects.values_list("name", "tpl_id", "type")) == [
        ("login-code", 1001, "verification"),
        ("order-shipped", 2001, "notification"),
        ("sale-notice", 3001, "marketing"),
    ]
    assert profile_phone(demo) == DEMO_PHONE


def test_demo_setup_with_another_username_leaves_the_taken_number_alone(demo, monkeypatch):
    monkeypatch.setenv("DEMO_USERNAME", "ops")
    out = StringIO()
    call_command("demo_setup", stdout=out)
    assert "+8613800138000 belongs to another account: 'ops' has none." in out.getvalue()
    assert profile_phone(User.objects.get(username="ops")) is None


def test_the_example_passes_its_checks_and_its_migrations_are_complete():
    call_command("check", fail_level="WARNING", stdout=StringIO())
    call_command("makemigrations", "accounts", check=True, dry_run=True, stdout=StringIO())
