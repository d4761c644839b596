"""The DRF endpoints (``contrib.rest_framework``): the flow, every kind of error in DRF's shape,
CSRF per authentication class, hostile bodies, and tokens handed out after a right code."""

import json
import re

import phonenumbers
import pytest
from django.test import Client
from rest_framework.authentication import TokenAuthentication

from django_tencent_sms.models import SmsLog, VerificationCode
from tests.helpers import PHONE, last_code, wrong
from tests.otp import flows

pytestmark = pytest.mark.django_db

REQUEST = "/api/phone/request-code/"
VERIFY = "/api/phone/verify-code/"
CSRF = "/api/phone/csrf/"
SESSION_AUTH = ["rest_framework.authentication.SessionAuthentication"]
TOKEN_AUTH = ["rest_framework.authentication.TokenAuthentication"]


def rest(settings, **values):
    """REST_FRAMEWORK with ``values`` over the suite's (which names drf-spectacular's schema)."""
    settings.REST_FRAMEWORK = {**getattr(settings, "REST_FRAMEWORK", {}), **values}


@pytest.fixture(autouse=True)
def site(settings):
    flows.mount(settings)
    settings.ROOT_URLCONF = "tests.contrib.urls_conf"
    rest(settings, DEFAULT_AUTHENTICATION_CLASSES=SESSION_AUTH)


@pytest.fixture
def otp_defaults(otp_defaults):
    return flows.with_user_lookup(otp_defaults)


def post(client, url, data, **extra):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    extra.setdefault("content_type", "application/json")
    return client.post(url, body, **extra)


def csrf_client():
    client = Client(enforce_csrf_checks=True)
    token = client.get(CSRF).json()["csrfToken"]
    return client, {"HTTP_X_CSRFTOKEN": token}


# The flow, with session authentication and CSRF enforced ----------------------------------------


def test_session_login_flow_with_csrf_enforced(setup, alice, sms_outbox):
    client, csrf = csrf_client()
    response = post(client, REQUEST, {"phone": "138 1234 5678"}, **csrf)
    assert response.status_code == 200
    assert response.json() == {"retry_after": 60, "expires_in": 300}
    code = last_code(sms_outbox)
    assert SmsLog.objects.count() == 1  # through send_code: logged

    response = post(client, VERIFY, {"phone": PHONE, "code": wrong(code)}, **csrf)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The code is not correct. 4 more tries are allowed.",
        "code": "wrong",
        "field": "code",
        "attempts_left": 4,
    }
    response = post(client, VERIFY, {"phone": PHONE, "code": code}, **csrf)
    assert response.status_code == 200 and response.json() == {"verified": True}
    assert flows.logged_in_user(client) == str(alice.pk)

    # The session is signed in; login() rotated the CSRF token, which the client reads again.
    assert post(client, "/me/session/", {}, **csrf).status_code == 403
    csrf = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}
    response = post(client, "/me/session/", {}, **csrf)
    assert response.json() == {"username": PHONE, "posted": True}

    # A replay of the verified code is refused.
    response = post(client, VERIFY, {"phone": PHONE, "code": code}, **csrf)
    assert response.status_code == 400 and response.json()["code"] == "used"


@pytest.mark.parametrize("url", [REQUEST, VERIFY])
def test_without_the_csrf_token_a_session_api_refuses_in_json(url, setup, alice, sms_outbox):
    client = Client(enforce_csrf_checks=True)
    response = post(client, url, {"phone": PHONE, "code": "123456"})
    assert response.status_code == 403
    assert response.json() == {
        "detail": "CSRF verification failed. Send the token from the csrf endpoint in the "
        "X-CSRFToken header, with its cookie.",
        "code": "csrf_failed",
    }
    assert sms_outbox == [] and not VerificationCode.objects.exists()


def test_a_token_only_api_needs_no_csrf_token(setup, alice, settings, sms_outbox):
    rest(settings, DEFAULT_AUTHENTICATION_CLASSES=TOKEN_AUTH)
    client = Client(enforce_csrf_checks=True)
    assert post(client, REQUEST, {"phone": PHONE}).status_code == 200
    response = post(
        client, "/api/token/verify-code/", {"phone": PHONE, "code": last_code(sms_outbox)}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert flows.logged_in_user(client) is None  # no session: the token is the credential
    response = Client().get("/me/token/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and response.json() == {"username": PHONE}


def test_simplejwt_end_to_end(setup, alice, settings, sms_outbox):
    jwt = "rest_framework_simplejwt.authentication.JWTAuthentication"
    rest(settings, DEFAULT_AUTHENTICATION_CLASSES=[jwt])
    settings.SIMPLE_JWT = {"SIGNING_KEY": "a test key of at least thirty-two bytes"}
    client = Client(enforce_csrf_checks=True)
    assert post(client, REQUEST, {"phone": PHONE}).status_code == 200
    code = last_code(sms_outbox)
    response = post(client, "/api/jwt/verify-code/", {"phone": PHONE, "code": code})
    assert response.status_code == 200 and set(response.json()) == {"access", "refresh"}
    access = response.json()["access"]
    assert Client().get("/me/jwt/").status_code == 401
    response = Client().get("/me/jwt/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 200 and response.json() == {"username": PHONE}
    # The code handed out tokens once: a replay gets none.
    response = post(client, "/api/jwt/verify-code/", {"phone": PHONE, "code": code})
    assert response.status_code == 400 and "access" not in response.json()


# Limits and Tencent's answers --------------------------------------------------------------------


def test_cooldown_is_429_with_retry_after(setup, client, sms_outbox):
    assert post(client, REQUEST, {"phone": PHONE}).status_code == 200
    setup.advance(18)
    response = post(client, REQUEST, {"phone": PHONE})
    assert response.status_code == 429 and response["Retry-After"] == "42"
    body = response.json()
    assert body["code"] == "cooldown" and body["retry_after"] == 42 and body["field"] == "phone"
    assert len(sms_outbox) == 1


def test_the_per_number_cap_and_the_daily_budget_apply(setup, client, conf, sms_outbox):
    conf(PHONE_HOURLY_LIMIT=1, RESEND_INTERVAL=0)
    assert post(client, REQUEST, {"phone": PHONE}).status_code == 200
    response = post(client, REQUEST, {"phone": PHONE})
    assert response.status_code == 429 and response.json()["code"] == "phone_hourly_limit"
    assert int(response["Retry-After"]) == response.json()["retry_after"] > 0
    conf(DAILY_LIMIT=1, RESEND_INTERVAL=0)
    response = post(client, REQUEST, {"phone": "+8613912345678"})
    assert response.status_code == 429 and response.json()["code"] == "daily_limit"
    assert "Retry-After" in response and len(sms_outbox) == 1


def test_number_type_filter_applies(setup, client, sms_outbox):
    premium = phonenumbers.example_number_for_type("GB", phonenumbers.PhoneNumberType.PREMIUM_RATE)
    e164 = phonenumbers.format_number(premium, phonenumbers.PhoneNumberFormat.E164)
    response = post(client, REQUEST, {"phone": e164})
    assert response.status_code == 400 and "Retry-After" not in response
    assert response.json()["code"] == "number_type" and response.json()["field"] == "phone"
    assert sms_outbox == []


def test_tencent_frequency_refusal_is_429_with_retry_after(sms_sandbox, setup, client):
    sms_sandbox.fail_next("result", result=1023)
    response = post(client, REQUEST, {"phone": PHONE})
    assert response.status_code == 429 and response["Retry-After"] == "30"
    assert response.json()["code"] == "rate_limited" and response.json()["retry_after"] == 30


def test_tencent_failing_or_silent_is_502(sms_sandbox, setup, client):
    sms_sandbox.fail_next("result", result=1001, errmsg="sig error")
    response = post(client, REQUEST, {"phone": PHONE})
    assert response.status_code == 502 and response.json()["code"] == "send_failed"
    sms_sandbox.fail_next("drop")
    response = post(client, REQUEST, {"phone": PHONE})
    assert response.status_code == 502 and response.json()["code"] == "send_unknown"
    assert response.json()["retry_after"] == 60
    sms_sandbox.fail_next("http_error", status=500)
    response = post(client, REQUEST, {"phone": "+8613912345678"})
    assert response.status_code == 502


# Hostile and malformed bodies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "parse_error"),
        (b'{"phone": "\xff\xfe"}', 400, "parse_error"),  # not UTF-8
        ('{"phone": NaN}', 400, "parse_error"),
        ("[]", 400, "invalid"),
        ('["+8613812345678"]', 400, "invalid"),
        ("null", 400, "null"),
        ("{}", 400, "required"),
        ('{"phone": null}', 400, "null"),
        ('{"phone": ["+8613812345678"]}', 400, "invalid"),
        ('{"phone": {"a": 1}}', 400, "invalid"),
        ('{"phone": true}', 400, "invalid"),
        ('{"phone": "+86138\\u00001234567"}', 400, "null_characters_not_allowed"),
        ('{"phone": "+86138\\u00071234567"}', 400, "invalid_phone"),
        ('{"phone": "' + "1" * 33 + '"}', 400, "max_length"),
        ('{"phone": "' + "1" * 2000 + '"}', 413, "too_large"),
        ('{"phone": "+8613812345678", "purpose": "admin"}', 400, "invalid_purpose"),
        ('{"phone": "+8613812345678", "purpose": 7}', 400, "invalid_purpose"),
    ],
)
def test_hostile_request_bodies_get_a_clear_4xx(setup, client, sms_outbox, body, status, code):
    response = post(client, REQUEST, body)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["detail"]
    assert sms_outbox == [] and not VerificationCode.objects.exists()


def test_form_encoded_bodies_and_other_methods_are_refused(setup, client, sms_outbox):
    response = client.post(REQUEST, {"phone": PHONE})
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    response = client.get(REQUEST)
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    assert sms_outbox == []


@pytest.mark.parametrize(
    "body",
    [
        {"phone": PHONE},
        {"phone": PHONE, "code": ["123456"]},
        {"phone": PHONE, "code": "1" * 21},
        {"phone": PHONE, "code": "12\x0034"},
        {"phone": PHONE, "code": "123456", "purpose": "signup"},
    ],
)
def test_hostile_verify_bodies_cost_no_try(setup, client, sms_outbox, body):
    assert post(client, REQUEST, {"phone": PHONE}).status_code == 200
    response = post(client, VERIFY, body)
    assert response.status_code == 400 and response.json()["code"]
    assert VerificationCode.objects.get().attempts == 0


def test_a_number_without_an_account_answers_like_one_with(setup, alice, client, conf, sms_outbox):
    conf(ACCOUNT_PURPOSES=("login",))  # sign-in codes only for numbers with an account
    known = post(client, REQUEST, {"phone": PHONE})
    unknown = post(client, REQUEST, {"phone": "+8613912345678"})
    assert known.status_code == unknown.status_code == 200 and known.json() == unknown.json()
    assert [message.phone.as_e164 for message in sms_outbox] == [PHONE]
    response = post(client, VERIFY, {"phone": "+8613912345678", "code": "123456"})
    assert response.status_code == 400 and response.json()["code"] == "wrong"
    assert response.json()["attempts_left"] == 4


def test_the_code_never_appears_in_an_answer(setup, client, sms_outbox, alice):
    response = post(client, REQUEST, {"phone": PHONE})
    code = last_code(sms_outbox)
    assert response.status_code == 200 and code not in response.content.decode()
    response = post(client, VERIFY, {"phone": PHONE, "code": wrong(code)})
    assert code not in response.content.decode()
    response = post(client, VERIFY, {"phone": PHONE, "code": code})
    assert response.status_code == 200 and code not in response.content.decode()


def test_other_purposes_mark_the_number_verified(setup, client, sms_outbox):
    from django_tencent_sms.otp import send_code

    send_code(PHONE, "signup")
    body = {"phone": PHONE, "code": last_code(sms_outbox), "purpose": "signup"}
    response = post(client, "/api/multi/verify-code/", body)
    assert response.status_code == 200 and response.json() == {"verified": True}
    assert client.session.get("_auth_user_id") is None


def test_answers_are_translated(setup, client, sms_outbox):
    post(client, REQUEST, {"phone": PHONE})
    response = post(client, REQUEST, {"phone": PHONE}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])


def test_a_hook_set_on_a_subclass_is_called_as_a_function(setup, alice, sms_outbox, rf):
    from django_tencent_sms.contrib.rest_framework.views import VerifyCodeAPIView
    from tests.contrib import recipes

    class TokenView(VerifyCodeAPIView):
        on_verified = recipes.drf_token

    post(Client(), REQUEST, {"phone": PHONE})
    body = json.dumps({"phone": PHONE, "code": last_code(sms_outbox)})
    request = rf.post("/", body, content_type="application/json")
    response = TokenView.as_view(authentication_classes=[])(request)
    assert response.status_code == 200 and len(response.data["token"]) == 40


def test_a_view_for_signed_in_users_refuses_anonymous_clients(setup, client, sms_outbox, rf):
    from django_tencent_sms.contrib.rest_framework.views import RequestCodeAPIView

    class ChangePhone(RequestCodeAPIView):
        purpose = "change-phone"
        allow_anonymous = False

    request = rf.post("/", json.dumps({"phone": PHONE}), content_type="application/json")
    response = ChangePhone.as_view(authentication_classes=[TokenAuthentication])(request)
    assert response.status_code == 401 and response.data["code"] == "not_authenticated"
    assert sms_outbox == []


def test_drf_throttles_answer_in_the_same_shape(setup, client, sms_outbox):
    from django.core.cache import cache

    url = "/api/throttled/request-code/"  # DRF's AnonRateThrottle at one an hour
    cache.clear()
    try:
        assert post(client, url, {"phone": PHONE}).status_code == 200
        response = post(client, url, {"phone": "+8613912345678"})
    finally:
        cache.clear()
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) == response.json()["retry_after"] > 0
    assert len(sms_outbox) == 1


def test_api_3_frequency_refusal_is_429_with_retry_after(sms_sandbox_cloud, setup, client):
    sms_sandbox_cloud.fail_next("result", result=1024)  # LimitExceeded.PhoneNumberOneHourLimit
    response = post(client, REQUEST, {"phone": PHONE})
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert response.json()["code"] == "rate_limited"
    assert "LimitExceeded.PhoneNumberOneHourLimit" in SmsLog.objects.get().errmsg


def test_through_the_emulator_until_tencents_own_daily_limit(
    sms_sandbox, setup, alice, conf, client
):
    from django_tencent_sms.sandbox.limits import FrequencyLimits

    conf(RESEND_INTERVAL=0)
    sms_sandbox.limits = FrequencyLimits(per_30s=None, per_hour=None, per_day=1)
    response = post(client, REQUEST, {"phone": PHONE})
    assert response.status_code == 200
    (message,) = sms_sandbox.messages
    code = re.search(r"\d{6}", message.text).group()
    response = post(client, VERIFY, {"phone": PHONE, "code": code})
    assert response.status_code == 200 and flows.logged_in_user(client) == str(alice.pk)
    # Tencent itself refuses the day's second message (1025): until midnight in China.
    response = post(client, REQUEST, {"phone": PHONE})
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert response["Retry-After"] == str(14 * 3600)  # the clock says 10:00 in China
    assert SmsLog.objects.filter(result=1025).count() == 1
