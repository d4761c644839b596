"""Sites locked down with Django's ``LoginRequiredMiddleware`` still serve this app's public
views to anonymous visitors: the sign-in pages, the JSON endpoints (and their CSRF token view),
and Tencent's callbacks, which never come with a session."""

import json

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path, reverse

from tests.settings import MIDDLEWARE

pytestmark = pytest.mark.django_db

TOKEN = "login-required-callback-token"


def private(request):
    return HttpResponse("members only")


urlpatterns = [
    path("private/", private, name="private"),
    path("phone/", include("django_tencent_sms.otp.urls")),
    path("sms/", include("django_tencent_sms.reports.urls")),
]


@pytest.fixture(autouse=True)
def locked_down():
    with override_settings(
        ROOT_URLCONF="tests.test_login_required",
        MIDDLEWARE=[*MIDDLEWARE, "django.contrib.auth.middleware.LoginRequiredMiddleware"],
        TENCENT_SMS={
            "BACKEND": "django_tencent_sms.backends.locmem.LocmemBackend",
            "CALLBACK_TOKEN": TOKEN,
            "OTP": {"TEMPLATE": 1001},
        },
    ):
        yield


def sent_to_login(response):
    return response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL)


def test_the_middleware_is_in_force(client):
    assert sent_to_login(client.get("/private/"))


@pytest.mark.parametrize("name", ["tencent_sms:request-code", "tencent_sms:verify-code"])
def test_the_sign_in_pages_answer_anonymous_visitors(client, name):
    response = client.get(reverse(name))
    assert not sent_to_login(response)
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # the verify step sends a visitor without a code to step one
        assert response["Location"].startswith(reverse("tencent_sms:request-code"))


def test_the_sign_in_form_can_be_posted_anonymously(client):
    response = client.post(reverse("tencent_sms:request-code"), {"phone": "not a number"})
    assert response.status_code == 200 and "phone" in response.context["form"].errors


def test_the_csrf_token_view_answers_anonymous_visitors(client):
    response = client.get(reverse("tencent_sms:api-csrf"))
    assert response.status_code == 200 and response.json()["csrfToken"]


@pytest.mark.parametrize("name", ["tencent_sms:api-request-code", "tencent_sms:api-verify-code"])
def test_the_json_endpoints_answer_anonymous_visitors(client, name):
    response = client.post(
        reverse(name),
        json.dumps({"phone": "not a number", "code": "123456"}),
        content_type="application/json",
    )
    assert not sent_to_login(response)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["ok"] is False  # the view's own answer: the number is invalid


@pytest.mark.parametrize("name", ["status", "reply"])
def test_the_callbacks_answer_tencent(client, name):
    url = reverse(f"tencent_sms_callbacks:{name}", kwargs={"token": TOKEN})
    response = client.post(url, "[]", content_type="application/json")
    assert response.status_code == 200 and response.json() == {"result": 0, "errmsg": "OK"}


@pytest.mark.parametrize("name", ["status-no-token", "reply-no-token"])
def test_the_callbacks_without_a_token_still_refuse_with_403(client, name):
    response = client.post(
        reverse(f"tencent_sms_callbacks:{name}"), "[]", content_type="application/json"
    )
    assert response.status_code == 403
