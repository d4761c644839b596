"""Fixtures for the verification-code tests (registered in ``conftest.py``).

``clock`` replaces ``otp.clock``, which ``send_code``, the admin and the budget all read, so
nothing sleeps. ``conf`` sets ``TENCENT_SMS["OTP"]`` to ``otp_defaults`` and can be called again
with overrides; a module that wants other defaults overrides the ``otp_defaults`` fixture.
"""

import pytest
from django.contrib.auth.models import User

from django_tencent_sms.models import SmsTemplate
from django_tencent_sms.otp import service as otp
from tests.helpers import PHONE, START, Clock


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(START)
    monkeypatch.setattr(otp, "clock", clock)
    return clock


@pytest.fixture
def otp_defaults():
    """What ``conf`` starts from: the template of the ``template`` fixture."""
    return {"TEMPLATE": "login-code"}


@pytest.fixture
def conf(settings, otp_defaults):
    """Sets TENCENT_SMS["OTP"]; call it again with overrides."""

    def apply(**overrides):
        settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OTP": {**otp_defaults, **overrides}}

    apply()
    return apply


@pytest.fixture
def template(db):
    return SmsTemplate.objects.create(
        name="login-code",
        tpl_id=1001,
        text="您的验证码为{1}，{2}分钟内有效。",
        type=SmsTemplate.Type.VERIFICATION,
    )


@pytest.fixture
def setup(template, conf, clock):
    """The template, the settings and the clock; returns the clock."""
    return clock


@pytest.fixture
def alice(db):
    """A user whose username is PHONE (found by ``helpers.user_by_username``)."""
    return User.objects.create_user(PHONE, password="correct horse")


@pytest.fixture(params=["sql", "orm"])
def otp_query_path(request, monkeypatch):
    """For a module's ``pytestmark``: each test runs with the statements ``otp.queries`` writes
    itself (PostgreSQL and SQLite) and with the ORM, as ``test_service.py``'s tests do."""
    from django.db import connection

    if request.param == "sql" and not otp.queries.fast(connection):
        pytest.skip("otp.queries writes its own SQL only on PostgreSQL and SQLite")
    if request.param == "orm":
        monkeypatch.setattr(otp.queries, "fast", lambda connection: False)
    return request.param
