"""An answer Tencent accepted is recorded even when the database refuses the row update once,
and never leaves its row ``pending``/``sending`` when it refuses twice."""

import logging

import pytest
from django.db import DatabaseError, OperationalError, connection

from django_tencent_sms import send_bulk, send_sms
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending import batch, records
from django_tencent_sms.sending.outcome import DELIVERED_FIELDS
from django_tencent_sms.sending.recording import UNRECORDED

from .bulk_helpers import cn

Status = SmsLog.Status
PHONE = "+8613711112222"
SECRET = "839201"


def failing(real, times):
    """``real``, raising OperationalError (quoting the row, as PostgreSQL does) ``times`` times
    first; the calls are counted in ``.calls``."""

    def write(*args, **kwargs):
        write.calls += 1
        if write.calls <= times:
            raise OperationalError(f'Failing row contains (1, "{PHONE}", ["{SECRET}"], ...)')
        return real(*args, **kwargs)

    write.calls = 0
    return write


def errors(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.django_db
def test_a_single_send_is_recorded_on_the_second_attempt(sms_sandbox, notice, monkeypatch, caplog):
    update = failing(records.log_rows.update, 1)
    monkeypatch.setattr(records.log_rows, "update", update)
    with caplog.at_level(logging.INFO, logger="django_tencent_sms"):
        log = send_sms(PHONE, notice, [SECRET])
    assert update.calls == 2
    assert len(sms_sandbox.requests) == 1  # never sent again
    row = SmsLog.objects.get()
    assert log.status == row.status == Status.SENT
    assert row.sid and row.sid == log.sid and row.fee == 1
    assert errors(caplog) == []
    assert "trying once more" in caplog.text and "recorded on a second attempt" in caplog.text
    assert SECRET not in caplog.text and PHONE not in caplog.text


@pytest.mark.django_db
def test_a_single_send_recorded_twice_in_vain_ends_unknown_with_an_error_line(
    sms_sandbox, notice, monkeypatch, caplog
):
    update = failing(records.log_rows.update, 2)
    monkeypatch.setattr(records.log_rows, "update", update)
    with pytest.raises(OperationalError) as raised:
        send_sms(PHONE, notice, [SECRET])
    assert update.calls == 2
    assert raised.value.__context__ is None  # the first error, not one raised while handling it
    assert len(sms_sandbox.requests) == 1
    row = SmsLog.objects.get()
    assert row.status == Status.UNKNOWN and row.errmsg == UNRECORDED
    (line,) = errors(caplog)
    (message,) = sms_sandbox.messages
    assert f"SMS #{row.pk} to {mask_phone(PHONE)} was SENT (sid={message.sid}," in line
    assert "fee=1" in line
    assert "updated (OperationalError), nor on a second attempt (OperationalError)" in line
    assert "marked unknown" in line
    for text in (caplog.text, line):
        assert PHONE not in text and PHONE[1:] not in text and SECRET not in text


@pytest.mark.django_db
def test_a_row_the_database_will_not_mark_either_is_said_to_be_unmarked(
    sms_sandbox, notice, monkeypatch, caplog
):
    from django_tencent_sms.sending import recording

    monkeypatch.setattr(records.log_rows, "update", failing(records.log_rows.update, 9))
    monkeypatch.setattr(recording.SmsLog, "objects", None)  # the minimal UPDATE fails too
    with pytest.raises(OperationalError):
        send_sms(PHONE, notice, [SECRET])
    monkeypatch.undo()
    (line,) = errors(caplog)
    assert "could not be marked unknown either" in line
    assert len(sms_sandbox.requests) == 1


def kill_connection():
    """End this process's database connection from another one, as a database restart or a
    proxy dropping it would: the server closes it, and the next query on it fails."""
    if connection.vendor == "postgresql":
        ask, kill = "SELECT pg_backend_pid()", "SELECT pg_terminate_backend(%s)"
    else:
        ask, kill = "SELECT CONNECTION_ID()", "KILL CONNECTION %s"
    with connection.cursor() as cursor:
        cursor.execute(ask)
        (session,) = cursor.fetchone()
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute(kill, [session])
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_a_broken_connection_is_replaced_for_the_second_attempt(
    sms_sandbox, notice, monkeypatch, caplog
):
    if connection.vendor == "sqlite":
        # The in-memory test database lives in its one connection: ending it ends the database.
        pytest.skip("SQLite's in-memory test database dies with its connection")
    real = records.log_rows.update
    broken = []

    met = []

    def update(*args, **kwargs):
        if not broken:
            broken.append(connection.connection)
            kill_connection()  # under Django's feet: the server ends it
            try:
                return real(*args, **kwargs)
            except Exception as exc:
                met.append(exc)
                raise
        return real(*args, **kwargs)

    monkeypatch.setattr(records.log_rows, "update", update)
    with caplog.at_level(logging.INFO, logger="django_tencent_sms"):
        log = send_sms(PHONE, notice, [SECRET])
    # The first attempt met the dead connection (OperationalError: 2006/2013 on MariaDB,
    # "server closed the connection" on PostgreSQL); the second ran on a new one.
    (first,) = met
    assert isinstance(first, OperationalError)
    if connection.vendor == "mysql":
        assert first.args[0] in (2006, 2013)  # server gone away / lost connection
    assert "could not be recorded (OperationalError" in caplog.text
    assert "recorded on a second attempt" in caplog.text
    assert connection.connection is not broken[0]
    assert SmsLog.objects.get().status == log.status == Status.SENT
    assert len(sms_sandbox.requests) == 1


def failing_outcomes(times):
    real = batch.save_rows
    refusals = []

    def save(rows, fields):
        if fields == DELIVERED_FIELDS and len(refusals) < times:
            refusals.append(fields)
            raise DatabaseError(f"Failing row contains (1, {cn(0)}, [{SECRET}], ...)")
        return real(rows, fields)

    return save


@pytest.mark.django_db
def test_a_bulk_batch_is_recorded_on_the_second_attempt(sms_sandbox, notice, monkeypatch, caplog):
    monkeypatch.setattr(batch, "save_rows", failing_outcomes(1))
    summary = send_bulk([cn(i) for i in range(3)], notice, [SECRET])
    assert summary.sent == 3
    assert len(sms_sandbox.requests) == 1
    assert list(SmsLog.objects.values_list("status", flat=True)) == [Status.SENT] * 3
    assert all(sid for sid in SmsLog.objects.values_list("sid", flat=True))
    assert errors(caplog) == []


@pytest.mark.django_db
def test_a_bulk_batch_recorded_twice_in_vain_ends_unknown_with_an_error_line(
    sms_sandbox, notice, monkeypatch, caplog
):
    monkeypatch.setattr(batch, "save_rows", failing_outcomes(2))
    phones = [cn(i) for i in range(3)]
    with pytest.raises(DatabaseError):
        send_bulk(phones, notice, [SECRET])
    assert len(sms_sandbox.requests) == 1
    rows = list(SmsLog.objects.order_by("pk"))
    assert {row.status for row in rows} == {Status.UNKNOWN}
    assert {row.errmsg for row in rows} == {UNRECORDED}
    (line,) = errors(caplog)
    assert "3 messages were SENT (sids " in line and "all marked unknown" in line
    assert ", ".join(str(row.pk) for row in rows) in line
    assert "fees 1, 1, 1" in line and mask_phone(phones[0]) in line
    for text in (caplog.text, line):
        assert SECRET not in text
        assert not any(phone in text or phone[1:] in text for phone in phones)
