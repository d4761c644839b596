"""The code-flow views: HTML login in two steps, other purposes, and the JSON endpoints."""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.base import BaseHandler
from django.db import connections
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from django_tencent_sms import otp
from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import send_code
from django_tencent_sms.views import verified_phone
from tests.helpers import PHONE, last_code, user_by_username, wrong

pytestmark = pytest.mark.django_db

MASKED = "+86 138****5678"
HOME = "/home/"
#: Most queries of one step; the session (read, write, new key at login) takes half of them.
ASK_QUERIES = 12
VERIFY_QUERIES = 14
#: Asking where otp_queries runs the ORM (databases other than PostgreSQL and SQLite): the
#: limits take a query more, and the code is finished by two UPDATEs in a savepoint, not one.
ASK_QUERIES_ORM = 14

REQUEST_URL = "/phone/login/"
VERIFY_URL = "/phone/login/verify/"
API_CSRF = "/phone/api/csrf/"
API_REQUEST = "/phone/api/request-code/"
API_VERIFY = "/phone/api/verify-code/"


@pytest.fixture(autouse=True)
def site(settings):
    settings.ROOT_URLCONF = "tests.otp_urls_conf"
    settings.LOGIN_REDIRECT_URL = HOME
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "django_tencent_sms.auth.PhoneCodeBackend",
    ]


@pytest.fixture
def otp_defaults(otp_defaults):
    return {**otp_defaults, "USER_LOOKUP": user_by_username}


def text(response):
    """The page's text with tags removed and spaces collapsed, as a person reads it."""
    body = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split()).replace(" .", ".")


def countdown(response):
    """The seconds rendered into the countdown, or None when there is none."""
    found = re.search(r'<span class="tencent-sms-seconds">(\d+)</span>', response.content.decode())
    return int(found.group(1)) if found else None


def logged_in_user(client):
    return client.session.get("_auth_user_id")


def post_json(client, url, data, **extra):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(url, body, content_type="application/json", **extra)


def request_code(client, phone=PHONE, **data):
    return client.post(REQUEST_URL, {"phone": phone, **data})


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


# JSON ------------------------------------------------------------------------------------


def csrf_client():
    client = Client(enforce_csrf_checks=True)
    token = client.get(API_CSRF).json()["csrfToken"]
    assert client.cookies["csrftoken"].value
    return client, {"HTTP_X_CSRFTOKEN": token}


def test_api_login_flow_with_a_csrf_token(setup, alice, sms_outbox):
    client, csrf = csrf_client()
    response = post_json(client, API_REQUEST, {"phone": "138 1234 5678"}, **csrf)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "retry_after": 60, "expires_in": 300}
    code = last_code(sms_outbox)

    response = post_json(client, API_VERIFY, {"phone": PHONE, "code": wrong(code)}, **csrf)
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": {
            "code": "wrong",
            "message": "The code is not correct. 4 more tries are allowed.",
            "field": "code",
            "attempts_left": 4,
        },
    }
    assert logged_in_user(client) is None
    response = post_json(client, API_VERIFY, {"phone": PHONE, "code": code}, **csrf)
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert logged_in_user(client) == str(alice.pk)


def test_api_refuses_requests_without_the_csrf_token(setup, alice, sms_outbox):
    client = Client(enforce_csrf_checks=True)
    assert post_json(client, API_REQUEST, {"phone": PHONE}).status_code == 403
    assert sms_outbox == []
    send_code(PHONE)
    response = post_json(client, API_VERIFY, {"phone": PHONE, "code": last_code(sms_outbox)})
    assert response.status_code == 403
    assert VerificationCode.objects.get().attempts == 0 and logged_in_user(client) is None


def test_csrf_is_checked_even_where_the_site_has_no_csrf_middleware(
    setup, alice, settings, sms_outbox
):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "Csrf" not in m]
    client = Client(enforce_csrf_checks=True)
    assert post_json(client, API_REQUEST, {"phone": PHONE}).status_code == 403
    assert client.post(REQUEST_URL, {"phone": PHONE}).status_code == 403
    send_code(PHONE)
    code = last_code(sms_outbox)
    assert post_json(client, API_VERIFY, {"phone": PHONE, "code": code}).status_code == 403
    assert client.post(VERIFY_URL, {"phone": PHONE, "code": code}).status_code == 403
    assert VerificationCode.objects.get().attempts == 0 and len(sms_outbox) == 1


def test_api_cooldown_is_429_with_retry_after(client, setup, sms_outbox):
    assert post_json(client, API_REQUEST, {"phone": PHONE}).status_code == 200
    setup.advance(18)
    response = post_json(client, API_REQUEST, {"phone": PHONE})
    assert response.status_code == 429 and response["Retry-After"] == "42"
    assert response.json() == {
        "ok": False,
        "error": {
            "code": "cooldown",
            "message": "Please wait 42 seconds before asking for another code.",
            "field": "phone",
            "retry_after": 42,
        },
    }
    assert len(sms_outbox) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{", "application/json", 400, "invalid_json"),
        ("[]", "application/json", 400, "invalid_json"),
        ('"13812345678"', "application/json", 400, "invalid_json"),
        (b"\xff\xfe{", "application/json", 400, "invalid_json"),
        ('{"phone": 13812345678}', "application/json", 400, "invalid"),
        ("{}", "application/json", 400, "required"),
        ('{"phone": "12345"}', "application/json", 400, "invalid_phone"),
        ('{"phone": "' + "1" * 40 + '"}', "application/json", 400, "max_length"),
        ('{"phone": "' + "1" * 2000 + '"}', "application/json", 413, "too_large"),
        ("phone=13812345678", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
def test_api_rejects_bad_input(client, setup, sms_outbox, body, content_type, status, code):
    response = client.post(API_REQUEST, body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["ok"] is False and response.json()["error"]["code"] == code
    assert sms_outbox == []


def test_api_accepts_only_post(client, setup):
    response = client.get(API_REQUEST)
    assert response.status_code == 405 and response["Allow"] == "POST, OPTIONS"
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert client.put(API_VERIFY, "{}", content_type="application/json").status_code == 405


def test_api_purposes_come_from_the_allow_list(client, setup, sms_outbox):
    for purpose in ("signup", "admin", "login\n"):
        response = post_json(client, API_REQUEST, {"phone": PHONE, "purpose": purpose})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_purpose"
    assert sms_outbox == []

    # A site's view that allows sign-up codes too.
    response = post_json(client, "/multi/request-code/", {"phone": PHONE, "purpose": "signup"})
    assert response.status_code == 200
    assert VerificationCode.objects.get().purpose == "signup"
    response = post_json(client, "/multi/request-code/", {"phone": PHONE, "purpose": "admin"})
    assert response.status_code == 400 and len(sms_outbox) == 1
    # The default login endpoint does not take sign-up codes either.
    code = last_code(sms_outbox)
    body = {"phone": PHONE, "code": code, "purpose": "signup"}
    assert post_json(client, API_VERIFY, body).json()["error"]["code"] == "invalid_purpose"
    assert VerificationCode.objects.get().attempts == 0
    response = post_json(client, "/multi/verify-code/", body)
    assert response.status_code == 200 and response.json() == {"ok": True}
    request = RequestFactory().get("/")
    request.session = client.session
    assert verified_phone(request, "signup").as_e164 == PHONE


def test_api_send_failures(sms_sandbox, setup, client, conf):
    sms_sandbox.fail_next("result", result=1001, errmsg="sig error")
    response = post_json(client, API_REQUEST, {"phone": PHONE})
    assert response.status_code == 502 and response.json()["error"]["code"] == "send_failed"

    sms_sandbox.fail_next("result", result=1016)
    response = post_json(client, API_REQUEST, {"phone": PHONE})
    assert response.status_code == 400 and response.json()["error"]["code"] == "phone_rejected"

    sms_sandbox.fail_next("result", result=1025)
    response = post_json(client, API_REQUEST, {"phone": PHONE})
    assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"

    sms_sandbox.fail_next("http_error", status=500)
    response = post_json(client, API_REQUEST, {"phone": PHONE})
    assert response.status_code == 502
    assert response.json()["error"] == {
        "code": "send_unknown",
        "message": "We could not confirm that the code was sent. If it does not arrive, ask "
        "for a new one.",
        "retry_after": 60,
    }

    conf(ALLOWED_REGIONS=["CN"])
    response = post_json(client, API_REQUEST, {"phone": "+85261234567"})
    assert response.status_code == 400 and "Retry-After" not in response
    assert response.json()["error"]["code"] == "region_not_allowed"


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
        User.objects.create_user(phone)
        client.logout()
        most = ASK_QUERIES if otp.queries.fast(connections["default"]) else ASK_QUERIES_ORM
        with django_assert_max_num_queries(most) as asking:
            assert request_code(client, phone).status_code == 302
        code = last_code(sms_outbox)
        with django_assert_max_num_queries(VERIFY_QUERIES) as verifying:
            assert client.post(VERIFY_URL, {"phone": phone, "code": code})["Location"] == HOME
        return len(asking), len(verifying)

    first = sign_in(PHONE)
    for n in range(30):
        number = f"+86139000000{n:02d}"
        User.objects.create_user(number)
        send_code(number)
        send_code(number, "signup")
    assert sign_in("+8613700000000") == first
