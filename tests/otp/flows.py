"""What the tests of the code-flow views share: their URLs, the site they run on, and helpers
that read a response as a person (or a client) would."""

import json
import re

from tests.helpers import PHONE, user_by_username

MASKED = "+86 138 **** 5678"
HOME = "/home/"

REQUEST_URL = "/phone/login/"
VERIFY_URL = "/phone/login/verify/"
API_CSRF = "/phone/api/csrf/"
API_REQUEST = "/phone/api/request-code/"
API_VERIFY = "/phone/api/verify-code/"


def mount(settings):
    """The URLs of ``tests/otp/urls_conf.py``, and sign-in by code next to passwords."""
    settings.ROOT_URLCONF = "tests.otp.urls_conf"
    settings.LOGIN_REDIRECT_URL = HOME
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "django_tencent_sms.otp.auth.PhoneCodeBackend",
    ]


def with_user_lookup(otp_defaults):
    """The OTP settings with users found by username (``helpers.user_by_username``), and
    sign-in codes sent to every number, so that the flows can use numbers nobody registered
    (``test_accounts.py`` tests the default, which withholds them)."""
    return {**otp_defaults, "USER_LOOKUP": user_by_username, "ACCOUNT_PURPOSES": ()}


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
