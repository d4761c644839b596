"""The JSON endpoints of the code flow (``otp.api``): CSRF, answers and errors, purposes."""

import json

import pytest
from django.test import Client, RequestFactory

from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import send_code
from django_tencent_sms.otp.session import verified_phone
from tests.helpers import PHONE, last_code, wrong
from tests.otp import flows
from tests.otp.flows import (
    API_CSRF,
    API_REQUEST,
    API_VERIFY,
    REQUEST_URL,
    VERIFY_URL,
    logged_in_user,
    post_json,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    flows.mount(settings)


@pytest.fixture
def otp_defaults(otp_defaults):
    return flows.with_user_lookup(otp_defaults)


# CSRF and the login flow --------------------------------------------------------------------------


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


# CSRF failures and waits, as a JSON client reads them ------------------------------------------


def test_a_csrf_failure_is_answered_in_json_and_other_pages_keep_the_html_page(
    setup, alice, sms_outbox
):
    client = Client(enforce_csrf_checks=True)
    response = post_json(client, API_REQUEST, {"phone": PHONE}, HTTP_X_CSRFTOKEN="forged")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "ok": False,
        "error": {
            "code": "csrf_failed",
            "message": "CSRF verification failed. Send the token from the csrf endpoint in the "
            "X-CSRFToken header, with its cookie.",
        },
    }
    assert sms_outbox == [] and not VerificationCode.objects.exists()
    # The HTML page of the same flow still answers with the site's CSRF failure view.
    response = client.post(REQUEST_URL, {"phone": PHONE})
    assert response.status_code == 403 and response["Content-Type"].startswith("text/html")


def test_a_csrf_failure_is_json_in_chinese_too(setup, alice):
    client = Client(enforce_csrf_checks=True)
    response = post_json(
        client, API_VERIFY, {"phone": PHONE, "code": "123456"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"].startswith("CSRF 校验失败")


@pytest.mark.parametrize(
    ("result", "wait"),
    [
        (1023, "30"),  # Tencent's 30-second window
        (1024, "3600"),  # its hour
        (1025, str(14 * 3600)),  # its natural day: START is 10:00 in China
        (1013, "60"),  # a limit of unknown length: the resend interval
    ],
)
def test_tencent_frequency_refusals_are_429_with_retry_after(
    sms_sandbox, setup, client, result, wait
):
    sms_sandbox.fail_next("result", result=result)
    response = post_json(client, API_REQUEST, {"phone": PHONE})
    assert response.status_code == 429 and response["Retry-After"] == wait
    assert response.json()["error"]["code"] == "rate_limited"
    assert response.json()["error"]["retry_after"] == int(wait)


def test_csrf_exempt_around_a_json_view_does_not_turn_the_check_off(setup, alice, sms_outbox):
    from django.views.decorators.csrf import csrf_exempt

    from django_tencent_sms.otp.api import RequestCodeAPIView

    view = csrf_exempt(RequestCodeAPIView.as_view())
    body = json.dumps({"phone": PHONE})
    response = view(RequestFactory().post("/", body, content_type="application/json"))
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    assert json.loads(response.content)["error"]["code"] == "csrf_failed"
    assert sms_outbox == []
