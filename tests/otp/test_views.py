"""The code-flow pages (``otp.views``): HTML login in two steps, other purposes, site layouts;
and what every view of the flow shares (no request transaction, few queries)."""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.base import BaseHandler
from django.db import connections
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import send_code, service
from django_tencent_sms.otp.session import verified_phone
from tests.helpers import PHONE, last_code, wrong
from tests.otp import flows
from tests.otp.flows import (
    API_CSRF,
    API_REQUEST,
    HOME,
    MASKED,
    REQUEST_URL,
    VERIFY_URL,
    countdown,
    logged_in_user,
    post_json,
    request_code,
    text,
)

pytestmark = pytest.mark.django_db

#: Most queries of one step; the session (read, write, new key at login) takes half of them.
#: Two more since the dashboard's rollup is kept with the log: an upsert after each of its writes.
ASK_QUERIES = 14
VERIFY_QUERIES = 14
#: Verifying on PostgreSQL: the newest code is read and its try counted by one statement.
VERIFY_QUERIES_POSTGRES = 13
#: Asking where otp.queries runs the ORM (databases other than PostgreSQL and SQLite): the
#: limits take a query more, and the code is finished by two UPDATEs in a savepoint, not one.
#: One more on either path since refused IPs are throttled (the refusal count), and one more
#: here since Tencent's review status is checked before the code's row is written (the template
#: is read for that check, then again by send_sms).
ASK_QUERIES_ORM = 18 + (connections["default"].vendor == "mysql")  # save()'s locked read


@pytest.fixture(autouse=True)
def site(settings):
    flows.mount(settings)


@pytest.fixture
def otp_defaults(otp_defaults):
    return flows.with_user_lookup(otp_defaults)


# HTML: asking for a code -----------------------------------------------------------------


def test_the_request_page_is_a_labelled_form_on_a_standalone_page(client, setup):
    response = client.get(REQUEST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en"' in html
    assert '<label for="id_phone">Phone number' in html
    field = re.search(r'<input type="tel" name="phone"[^>]*>', html).group(0)
    assert 'autocomplete="tel"' in field and 'maxlength="32"' in field and "required" in field
    assert "csrfmiddlewaretoken" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_asking_for_a_code_sends_it_and_goes_to_the_verify_step(client, setup, sms_outbox):
    response = request_code(client, "138 1234 5678", next="/orders/?page=2")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY_URL}?next=%2Forders%2F%3Fpage%3D2"
    assert [m.phone for m in sms_outbox] == [PHONE]
    page = client.get(response["Location"])
    assert f"We sent a code to {MASKED}." in text(page)
    assert f'<input type="hidden" name="phone" value="{PHONE}"' in page.content.decode()
    assert '<input type="hidden" name="next" value="/orders/?page=2">' in page.content.decode()


def test_the_verify_step_counts_down_to_the_next_code(client, setup, sms_outbox):
    request_code(client)
    page = client.get(VERIFY_URL)
    assert countdown(page) == 60
    assert "You can ask for a new code in 60 seconds." in text(page)  # readable without JS
    assert "document.currentScript" in page.content.decode()
    setup.advance(25)
    assert countdown(client.get(VERIFY_URL)) == 35
    setup.advance(35)
    assert countdown(client.get(VERIFY_URL)) is None
    # The link to ask again goes back to step one with the number filled in.
    page = client.get(VERIFY_URL)
    assert f'href="{REQUEST_URL}"' in page.content.decode()
    assert f'value="{PHONE}"' in client.get(REQUEST_URL).content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12345", "12345 is not a valid phone number."),
        ("+86 10 6552 9988", "+861065529988 is a landline number and cannot receive SMS."),
        ("1" * 33, "Enter at most 32 characters."),
        ("", "This field is required."),
    ],
)
def test_a_bad_number_is_refused_on_the_form(client, setup, sms_outbox, typed, message):
    response = request_code(client, typed)
    assert response.status_code == 200
    assert message in text(response)
    assert sms_outbox == [] and not VerificationCode.objects.exists()


def test_asking_again_too_soon_shows_the_wait(client, setup, sms_outbox):
    request_code(client)
    setup.advance(20)
    response = request_code(client)
    assert response.status_code == 200
    # One statement of the wait, the countdown's (which moves), not a second frozen one.
    assert "A code was sent to this number a moment ago." in text(response)
    assert "Please wait" not in text(response)
    assert countdown(response) == 40
    assert len(sms_outbox) == 1


def test_tencent_refusals_are_explained_to_the_person(sms_sandbox, setup, client):
    sms_sandbox.fail_next("result", result=1016, errmsg="bad number")
    response = request_code(client)
    assert "This number cannot receive a code. Please check it or use another one." in text(
        response
    )
    sms_sandbox.fail_next("result", result=1025, errmsg="daily limit")
    response = request_code(client)
    assert "Too many messages were sent to this number. Please try again later." in text(response)
    # What only the operator can fix is not shown to the person.
    sms_sandbox.fail_next("result", result=1001, errmsg="sig error")
    response = request_code(client)
    assert "The code could not be sent right now. Please try again later." in text(response)
    assert "1001" not in text(response) and "sig error" not in text(response)
    assert sms_sandbox.messages == []


def test_an_unknown_outcome_goes_on_to_the_verify_step(sms_sandbox, setup, client, alice):
    sms_sandbox.fail_next("http_error", status=500)
    response = request_code(client)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "We could not confirm that the code was sent." in text(page)
    assert countdown(page) == 60
    # Tencent may have delivered it; if the person got it, it works.
    code = json.loads(sms_sandbox.requests[-1].body)["params"][0]
    response = client.post(VERIFY_URL, {"phone": PHONE, "code": code})
    assert response.status_code == 302 and logged_in_user(client) == str(alice.pk)


# HTML: typing the code -------------------------------------------------------------------


def test_a_wrong_code_shows_why_and_does_not_sign_in(client, setup, alice, sms_outbox):
    request_code(client)
    code = last_code(sms_outbox)
    response = client.post(VERIFY_URL, {"phone": PHONE, "code": wrong(code)})
    assert response.status_code == 200
    assert "The code is not correct. 4 more tries are allowed." in text(response)
    assert logged_in_user(client) is None
    setup.advance(301)
    response = client.post(VERIFY_URL, {"phone": PHONE, "code": code})
    assert "The code has expired. Request a new one." in text(response)
    assert logged_in_user(client) is None


def test_the_right_code_signs_in_and_redirects(client, setup, alice, sms_outbox):
    request_code(client)
    assert logged_in_user(client) is None
    response = client.post(VERIFY_URL, {"phone": PHONE, "code": last_code(sms_outbox)})
    assert response.status_code == 302 and response["Location"] == HOME
    assert logged_in_user(client) == str(alice.pk)
    assert "tencent_sms.flow.login" not in client.session


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/orders/?page=2", "/orders/?page=2"),
        ("https://evil.example/", HOME),
        ("//evil.example/", HOME),
        ("https:///evil.example/", HOME),
        ("javascript:alert(1)", HOME),
        ("http://testserver/orders/", "http://testserver/orders/"),
    ],
)
def test_next_is_followed_only_within_the_site(
    client, setup, alice, sms_outbox, next_url, expected
):
    send_code(PHONE)
    response = client.post(
        f"{VERIFY_URL}?next=/ignored/",  # the form's next wins over the query string
        {"phone": PHONE, "code": last_code(sms_outbox), "next": next_url},
    )
    assert response.status_code == 302 and response["Location"] == expected
    assert logged_in_user(client) == str(alice.pk)


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda: User.objects.filter(username=PHONE).update(is_active=False), "inactive"),
        (lambda: User.objects.filter(username=PHONE).delete(), "No account can be found"),
    ],
)
def test_right_code_but_no_usable_account(client, setup, alice, sms_outbox, prepare, message):
    prepare()
    request_code(client)
    response = client.post(VERIFY_URL, {"phone": PHONE, "code": last_code(sms_outbox)})
    assert response.status_code == 200 and message in text(response)
    assert logged_in_user(client) is None


def test_login_without_the_backend_is_a_configuration_error(client, setup, settings, sms_outbox):
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    send_code(PHONE)
    with pytest.raises(ImproperlyConfigured, match="PhoneCodeBackend"):
        client.post(VERIFY_URL, {"phone": PHONE, "code": last_code(sms_outbox)})
    assert VerificationCode.objects.get().attempts == 0


def test_the_login_form_is_csrf_protected(setup, alice, sms_outbox):
    client = Client(enforce_csrf_checks=True)
    send_code(PHONE)
    response = client.post(VERIFY_URL, {"phone": PHONE, "code": last_code(sms_outbox)})
    assert response.status_code == 403
    assert logged_in_user(client) is None
    assert VerificationCode.objects.get().attempts == 0
    response = client.post(REQUEST_URL, {"phone": PHONE})
    assert response.status_code == 403 and len(sms_outbox) == 1


def test_end_to_end_login_through_the_emulator(sms_sandbox, setup, client, alice):
    response = request_code(client, "138 1234 5678")
    assert response.status_code == 302
    code = sms_sandbox.messages[-1].params[0]
    response = client.post(VERIFY_URL, {"phone": "13812345678", "code": code})
    assert response.status_code == 302 and logged_in_user(client) == str(alice.pk)
    other = Client()
    response = other.post(VERIFY_URL, {"phone": "13812345678", "code": code})
    assert "The code has already been used. Request a new one." in text(response)
    assert logged_in_user(other) is None


# HTML: other purposes and site layouts ---------------------------------------------------


def test_another_purpose_marks_the_number_verified_in_the_session(client, setup, sms_outbox):
    response = client.post("/signup/", {"phone": "13812345678"})
    assert response["Location"] == "/signup/verify/"
    page = client.get("/signup/verify/")
    assert 'href="/signup/"' in page.content.decode() and countdown(page) == 60
    old_session = client.cookies["sessionid"].value
    response = client.post("/signup/verify/", {"phone": PHONE, "code": last_code(sms_outbox)})
    assert response.status_code == 302 and response["Location"] == "/signup/details/"
    assert client.cookies["sessionid"].value != old_session  # rotated: no fixation
    assert logged_in_user(client) is None

    request = RequestFactory().get("/signup/details/")
    request.session = client.session
    assert verified_phone(request, "login") is None
    assert verified_phone(request, "signup").as_e164 == PHONE
    setup.advance(15 * 60 + 1)
    assert verified_phone(request, "signup") is None
    assert verified_phone(request, "signup", max_age=3600, consume=True).as_e164 == PHONE
    assert verified_phone(request, "signup", max_age=3600) is None


def test_a_subclass_decides_what_a_verified_code_does(client, setup, sms_outbox):
    send_code(PHONE, "change-phone")
    response = client.post(
        "/change-phone/verify/", {"phone": "138 1234 5678", "code": last_code(sms_outbox)}
    )
    assert response.content == f"changed to {PHONE}".encode()
    # A login code is no good here.
    send_code(PHONE, "login")
    response = client.post("/change-phone/verify/", {"phone": PHONE, "code": last_code(sms_outbox)})
    assert "The code has already been used" in text(response)


def test_pages_can_extend_the_site_layout(client, setup, settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "APP_DIRS": False,
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "site_base.html": (
                                "<div id=site><h2>{% block title %}{% endblock %}</h2>"
                                "{% block content %}{% endblock %}</div>"
                            )
                        },
                    ),
                    "django.template.loaders.app_directories.Loader",
                ],
            },
        }
    ]
    html = client.get("/site-layout/").content.decode()
    assert html.startswith("<div id=site><h2>Sign in with your phone number</h2>")
    assert 'name="phone"' in html


# Transactions and queries ----------------------------------------------------------------


def test_the_views_are_open_on_a_site_that_requires_login_everywhere(client, setup, settings):
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    for url in (REQUEST_URL, VERIFY_URL, API_CSRF, "/signup/"):
        assert client.get(url).status_code == 200, url
    assert post_json(client, API_REQUEST, {"phone": PHONE}).status_code == 200
    # A view for signed-in people says so.
    response = client.get("/change-phone/verify/")
    assert response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL)


def test_no_view_runs_in_a_request_transaction(monkeypatch):
    monkeypatch.setitem(connections.settings["default"], "ATOMIC_REQUESTS", True)
    names = ["request-code", "verify-code", "api-csrf", "api-request-code", "api-verify-code"]
    for name in names:
        view = resolve(reverse(f"tencent_sms:{name}")).func
        assert BaseHandler().make_view_atomic(view) is view, name
    signup = resolve("/signup/verify/").func
    assert BaseHandler().make_view_atomic(signup) is signup


def test_asking_and_verifying_take_few_queries_however_many_codes_exist(
    client, setup, sms_outbox, django_assert_max_num_queries
):
    def sign_in(phone):
        """The queries of asking for a code and of signing in with it, for a new user."""
        connection = connections["default"]
        User.objects.create_user(phone)
        client.logout()
        most = ASK_QUERIES if service.queries.fast(connections["default"]) else ASK_QUERIES_ORM
        with django_assert_max_num_queries(most) as asking:
            assert request_code(client, phone).status_code == 302
        code = last_code(sms_outbox)
        one_statement = connection.vendor == "postgresql" and service.queries.fast(connection)
        with django_assert_max_num_queries(
            VERIFY_QUERIES_POSTGRES if one_statement else VERIFY_QUERIES
        ) as verifying:
            assert client.post(VERIFY_URL, {"phone": phone, "code": code})["Location"] == HOME
        return len(asking), len(verifying)

    first = sign_in(PHONE)
    for n in range(30):
        number = f"+86139000000{n:02d}"
        User.objects.create_user(number)
        send_code(number)
        send_code(number, "signup")
    assert sign_in("+8613700000000") == first
