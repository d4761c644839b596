"""A code is valid only while its SMS may be in someone's hands.

Tencent refused it, or it definitely never left: dead at once. Its outcome is unknown: it
stays valid, as it may arrive. Sends cross HTTP to the emulator (``sms_sandbox``).
"""

import json

import pytest
from django.db import DatabaseError

from django_tencent_sms.exceptions import ConfigurationError, TencentInputError
from django_tencent_sms.models import SmsLog, VerificationCode
from django_tencent_sms.otp import Reason, check_code, send_code, verify_code
from django_tencent_sms.otp import service as otp
from django_tencent_sms.sending import records
from tests.helpers import PHONE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_query_path")]

KNOWN = "246810"


@pytest.fixture
def known_code(monkeypatch):
    """Every new code is ``KNOWN``: a test can try a code that never reached anyone."""
    monkeypatch.setattr(otp, "new_code", lambda length: KNOWN)
    return KNOWN


def sent_code(sandbox):
    return json.loads(sandbox.requests[-1].body)["params"][0]


def test_a_code_tencent_refused_never_verifies(sms_sandbox, setup):
    send_code(PHONE)
    older = sent_code(sms_sandbox)
    setup.advance(60)
    sms_sandbox.fail_next("result", result=1016, errmsg="bad number")
    with pytest.raises(TencentInputError):
        send_code(PHONE)
    refused = sent_code(sms_sandbox)
    record = VerificationCode.objects.latest("created_at")
    assert record.state == VerificationCode.State.FAILED
    if refused != older:
        assert check_code(PHONE, refused).reason is Reason.WRONG
    # A refused code replaces nothing: the one that arrived still works.
    assert verify_code(PHONE, older)


def test_a_code_whose_request_could_not_be_built_is_dead(sms_sandbox, setup, settings, known_code):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "API_URL": "http://[not-a-host"}
    with pytest.raises(ConfigurationError):
        send_code(PHONE)
    assert sms_sandbox.requests == []
    record = VerificationCode.objects.get()
    assert record.state == VerificationCode.State.FAILED
    assert check_code(PHONE, known_code).reason is Reason.NONE_ISSUED


def test_a_code_whose_log_row_could_not_be_written_is_dead(
    sms_sandbox, setup, known_code, monkeypatch
):
    def broken(obj):
        raise DatabaseError("disk full")

    monkeypatch.setattr(records.log_rows, "insert", broken)
    with pytest.raises(DatabaseError):
        send_code(PHONE)
    assert sms_sandbox.requests == []
    assert VerificationCode.objects.get().state == VerificationCode.State.FAILED
    assert not verify_code(PHONE, known_code)
    monkeypatch.undo()
    setup.advance(1)
    send_code(PHONE)  # and it does not hold up the next one: no cooldown
    assert verify_code(PHONE, sent_code(sms_sandbox))


def test_a_code_tencent_accepted_stays_valid_if_recording_it_fails(sms_sandbox, setup, monkeypatch):
    def broken(obj, fields):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(records.log_rows, "update", broken)
    with pytest.raises(DatabaseError):
        send_code(PHONE)
    assert VerificationCode.objects.get().state == VerificationCode.State.SENT
    assert verify_code(PHONE, sent_code(sms_sandbox))


def test_a_code_interrupted_mid_request_stays_valid(sms_sandbox, setup, monkeypatch):
    from django_tencent_sms.backends.tencent import TencentBackend

    send = TencentBackend.send

    def interrupted(self, message):
        send(self, message)
        raise KeyboardInterrupt

    monkeypatch.setattr(TencentBackend, "send", interrupted)
    with pytest.raises(KeyboardInterrupt):
        send_code(PHONE)
    assert VerificationCode.objects.get().state == VerificationCode.State.UNKNOWN
    assert SmsLog.objects.get().status == SmsLog.Status.UNKNOWN
    assert verify_code(PHONE, sent_code(sms_sandbox))
