"""The DRF endpoints under real concurrency, on a database server (SQLite serialises writers,
so it cannot show a race): the right code posted at once by many clients hands out tokens once."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import Client

from django_tencent_sms.models import SmsTemplate
from django_tencent_sms.otp import send_code
from tests.helpers import PHONE

THREADS = 8


@pytest.fixture
def site(settings, transactional_db):
    if connection.vendor == "sqlite":
        pytest.skip("needs a database server (DATABASE_URL=postgres://… or mysql://…)")
    settings.ROOT_URLCONF = "tests.contrib.urls_conf"
    settings.SIMPLE_JWT = {"SIGNING_KEY": "a test key of at least thirty-two bytes"}
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "OTP": {"TEMPLATE": "login-code", "USER_LOOKUP": "tests.helpers.user_by_username"},
    }
    settings.AUTHENTICATION_BACKENDS = ["django_tencent_sms.otp.auth.PhoneCodeBackend"]
    SmsTemplate.objects.create(
        name="login-code", tpl_id=1001, text="验证码{1}，{2}分钟内有效", type="verification"
    )
    User.objects.create_user(PHONE)


def test_racing_clients_with_the_right_code_get_tokens_once(site, sms_outbox):
    send_code(PHONE)
    body = json.dumps({"phone": PHONE, "code": sms_outbox[0].params[0]})
    barrier = threading.Barrier(THREADS)

    def run(i):
        try:
            barrier.wait()
            response = Client().post("/api/jwt/verify-code/", body, content_type="application/json")
            return response.status_code, response.json()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        answers = list(pool.map(run, range(THREADS)))
    assert [status for status, _ in answers].count(200) == 1
    refused = [answer for status, answer in answers if status != 200]
    assert {status for status, _ in answers} == {200, 400}
    assert {answer["code"] for answer in refused} <= {"used", "too_many_attempts"}
