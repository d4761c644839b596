"""What check_code reads back, numbers stored in another format, and the settings it checks once:
the shortcuts that keep a send and a check cheap must not change what they return."""

import pytest
from django.db import connection, transaction

from django_tencent_sms.exceptions import CodeRequestRefused, ConfigurationError
from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import Reason, check_code, send_code, verify_code
from django_tencent_sms.otp.conf import otp_settings
from tests.helpers import PHONE, last_code, wrong

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_query_path")]


def row_values(record):
    return {f.attname: getattr(record, f.attname) for f in VerificationCode._meta.concrete_fields}


def test_the_checked_code_is_its_row_as_it_was_before_the_try(setup, sms_outbox):
    send_code(f" {PHONE[3:]} ")  # typed nationally, with spaces
    before = VerificationCode.objects.get()
    result = check_code(PHONE, wrong(last_code(sms_outbox)))
    assert result.reason is Reason.WRONG and result.attempts_left == 4
    assert row_values(result.record) == row_values(before)
    assert str(result.record.phone) == PHONE and result.record.created_at.tzinfo is not None
    assert result.record._state.db == "default" and not result.record._state.adding
    assert VerificationCode.objects.get().attempts == 1
    ok = check_code(PHONE, last_code(sms_outbox))
    assert ok.ok and ok.record.attempts == 1 and ok.record.used_at is None
    used = VerificationCode.objects.get()
    assert (used.attempts, used.used_at) == (2, setup.now)
    assert check_code(PHONE, last_code(sms_outbox)).reason is Reason.USED


def test_numbers_stored_in_another_format(setup, settings, sms_outbox):
    settings.PHONENUMBER_DB_FORMAT = "INTERNATIONAL"
    send_code(PHONE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {VerificationCode._meta.db_table}")
        assert [tuple(row) for row in cursor.fetchall()] == [("+86 138 1234 5678",)]
    with pytest.raises(CodeRequestRefused) as refused:  # the limits find the number's code
        send_code(PHONE)
    assert refused.value.code == "cooldown"
    first = last_code(sms_outbox)
    setup.advance(60)
    send_code(PHONE)  # and the newer code supersedes it
    assert check_code(PHONE, first).reason is Reason.WRONG
    assert verify_code(PHONE, last_code(sms_outbox))


def test_the_settings_are_checked_again_once_they_change(setup, settings):
    conf = otp_settings()
    conf["MAX_ATTEMPTS"] = 0  # the caller's copy: the next call is not affected
    assert otp_settings()["MAX_ATTEMPTS"] == 5
    settings.TENCENT_SMS["OTP"]["MAX_ATTEMPTS"] = 0  # changed in place
    with pytest.raises(ConfigurationError, match="MAX_ATTEMPTS"):
        check_code(PHONE, "123456")
    settings.TENCENT_SMS["OTP"]["MAX_ATTEMPTS"] = 3
    assert otp_settings()["MAX_ATTEMPTS"] == 3


@pytest.mark.django_db(transaction=True)  # autocommit: where the row and its counts share a trip
def test_outside_a_transaction_every_cap_counts_the_new_code(setup, conf, sms_outbox):
    conf(PHONE_HOURLY_LIMIT=2, RESEND_INTERVAL=0)
    send_code(PHONE)
    send_code(PHONE)
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE)
    assert refused.value.code == "phone_hourly_limit" and refused.value.retry_after == 3600
    assert VerificationCode.objects.count() == 2  # the refused code's row is gone
    assert verify_code(PHONE, last_code(sms_outbox))


@pytest.mark.django_db(transaction=True)
def test_a_send_inside_a_transaction_leaves_it_to_the_caller(setup, sms_outbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_code(PHONE)
        raise RuntimeError("the caller rolls back")
    assert not VerificationCode.objects.exists()  # nothing committed behind the caller's back
