"""Verification under real concurrency, on a database server: PostgreSQL, or MariaDB with its
REPEATABLE READ default (SQLite serialises writers, so it cannot show a race). Threads each
with their own connection hit the same code at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from django_tencent_sms.exceptions import CodeRequestRefused
from django_tencent_sms.models import SmsTemplate, VerificationCode
from django_tencent_sms.otp import Reason, check_code, send_code

PHONE = "+8613812345678"
THREADS = 16


@pytest.fixture
def server():
    if connection.vendor == "sqlite":
        pytest.skip("needs a database server (DATABASE_URL=postgres://… or mysql://…)")


@pytest.fixture
def otp_site(server, settings, transactional_db):
    SmsTemplate.objects.create(
        name="login-code", tpl_id=1001, text="验证码{1}，{2}分钟内有效", type="verification"
    )
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "OTP": {"TEMPLATE": "login-code", "MAX_ATTEMPTS": 5, "RESEND_INTERVAL": 60},
    }


def all_at_once(func, count=THREADS):
    """Run ``func(i)`` in ``count`` threads released together; their results."""
    barrier = threading.Barrier(count)

    def run(i):
        try:
            barrier.wait()
            return func(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_the_right_code_succeeds_exactly_once(otp_site, sms_outbox):
    send_code(PHONE)
    code = sms_outbox[0].params[0]
    reasons = all_at_once(lambda i: check_code(PHONE, code).reason)
    assert reasons.count(Reason.OK) == 1
    assert set(reasons) - {Reason.OK} <= {Reason.USED, Reason.TOO_MANY_ATTEMPTS}


def test_concurrent_guesses_never_exceed_the_attempt_limit(otp_site, sms_outbox):
    send_code(PHONE)
    code = sms_outbox[0].params[0]
    guesses = [f"{(int(code) + 1 + i) % 10**6:06d}" for i in range(THREADS)]
    reasons = all_at_once(lambda i: check_code(PHONE, guesses[i]).reason)
    assert reasons.count(Reason.WRONG) == 5
    assert reasons.count(Reason.TOO_MANY_ATTEMPTS) == THREADS - 5
    assert VerificationCode.objects.get().attempts == 5
    assert check_code(PHONE, code).reason is Reason.TOO_MANY_ATTEMPTS


def test_racing_requests_send_at_most_one_code(otp_site, sms_outbox):
    def request(i):
        try:
            return send_code(PHONE).pk
        except CodeRequestRefused as refused:
            return refused.code

    results = all_at_once(request, 8)
    sent = [r for r in results if isinstance(r, int)]
    assert len(sent) <= 1 and len(sms_outbox) == len(sent)
    assert set(results) - set(sent) <= {"cooldown"}
    assert VerificationCode.objects.count() == len(sent)
