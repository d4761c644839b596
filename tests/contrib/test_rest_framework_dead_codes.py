"""The DRF endpoints after a code is killed by wrong tries: a new one at once, the caps intact,
as the HTML pages and ``otp.api`` answer (``tests/otp/test_dead_codes.py``)."""

import json

import pytest

from tests.helpers import PHONE, last_code, wrong
from tests.otp import flows

pytestmark = pytest.mark.django_db

REQUEST = "/api/phone/request-code/"
VERIFY = "/api/phone/verify-code/"


@pytest.fixture(autouse=True)
def site(settings):
    flows.mount(settings)
    settings.ROOT_URLCONF = "tests.contrib.urls_conf"
    settings.REST_FRAMEWORK = {
        **getattr(settings, "REST_FRAMEWORK", {}),
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    }


@pytest.fixture
def otp_defaults(otp_defaults):
    return flows.with_user_lookup(otp_defaults)


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def spend(client, code, tries=5):
    answer = None
    for _ in range(tries):
        answer = post(client, VERIFY, {"phone": PHONE, "code": wrong(code)})
    return answer


def test_a_dead_code_lets_the_number_ask_again_at_once(client, setup, sms_outbox):
    assert post(client, REQUEST, {"phone": PHONE}).status_code == 200
    answer = spend(client, last_code(sms_outbox))
    assert answer.status_code == 400 and answer.json()["attempts_left"] == 0
    assert post(client, REQUEST, {"phone": PHONE}).status_code == 200
    assert len(sms_outbox) == 2
    spend(client, last_code(sms_outbox), tries=1)  # tries left: the cooldown holds
    answer = post(client, REQUEST, {"phone": PHONE})
    assert answer.status_code == 429 and answer.json()["code"] == "cooldown"


def test_killing_codes_cannot_pass_the_per_number_cap(client, setup, conf, sms_outbox):
    conf(PHONE_HOURLY_LIMIT=2)
    for _ in range(2):
        assert post(client, REQUEST, {"phone": PHONE}).status_code == 200
        spend(client, last_code(sms_outbox))
    answer = post(client, REQUEST, {"phone": PHONE})
    assert answer.status_code == 429 and answer.json()["code"] == "phone_hourly_limit"
    assert len(sms_outbox) == 2
