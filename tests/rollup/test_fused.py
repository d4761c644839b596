"""On PostgreSQL the log's fast writes move the rollup in the same statement: still exact."""

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localdate

from django_tencent_sms.models import SmsDailyStat, SmsLog, SmsTemplate
from django_tencent_sms.rows import RowWriter
from django_tencent_sms.sending.outcome import DELIVERED_FIELDS
from django_tencent_sms.sending.records import create_rows, log_rows, save_rows
from tests.rollup.helpers import from_log, stored

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement writes are PostgreSQL's"
)

Status = SmsLog.Status
#: 17:30 UTC is 01:30 the next day in Asia/Shanghai (tests/settings.py): the bucket's day.
LATE = datetime(2026, 1, 1, 17, 30, tzinfo=timezone.utc)
LOCAL_DAY = date(2026, 1, 2)


@pytest.fixture
def template(db):
    return SmsTemplate.objects.create(name="n", tpl_id=100, text="Notice {1}")


def race(*writers):
    """Run each of ``writers`` in a thread of its own, at once; fail with what any raised."""
    errors: list[Exception] = []

    def run(writer):
        try:
            writer()
        except Exception as exc:  # reported below, which fails the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(writer,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors


def row(template, n=1, **values):
    return SmsLog(phone=f"+8613800000{n:03d}", template=template, **{"tpl_id": 100, **values})


def test_a_send_writes_each_row_and_its_bucket_in_one_statement(template):
    log = row(template, created_at=LATE)
    with CaptureQueriesContext(connection) as inserted:
        log_rows.insert(log)
    assert stored() == {(LOCAL_DAY, template.pk, 100, Status.PENDING): (1, 0)}
    log.status, log.fee = Status.SENT, 2
    with CaptureQueriesContext(connection) as updated:
        log_rows.update(log, ["status", "fee"])
    assert stored() == from_log() == {(LOCAL_DAY, template.pk, 100, "sent"): (1, 2)}
    assert len(inserted) == len(updated) == 1


def test_an_outcome_that_moves_no_bucket_writes_only_the_row(template):
    log = log_rows.insert(row(template))
    log.errmsg, log.status = "late", Status.PENDING
    with CaptureQueriesContext(connection) as updated:
        log_rows.update(log, ["status", "errmsg"])
    assert [q["sql"].split()[0] for q in updated] == ["UPDATE"]
    assert SmsLog.objects.get(pk=log.pk).errmsg == "late"
    assert stored() == from_log()


def test_a_rolled_back_transaction_takes_the_buckets_with_it(template):
    log_rows.insert(row(template, 1))
    with pytest.raises(RuntimeError), transaction.atomic():
        log = log_rows.insert(row(template, 2))
        log.status, log.fee = Status.SENT, 1
        log_rows.update(log, ["status", "fee"])
        raise RuntimeError("the caller gives up")
    assert SmsLog.objects.count() == 1
    assert stored() == from_log()
    assert [value for value in stored().values()] == [(1, 0)]


def test_a_batch_spread_over_days_and_templates_in_one_statement(template):
    other = SmsTemplate.objects.create(name="o", tpl_id=200, text="Other {1}")
    logs = [
        row(template, 1, created_at=LATE),
        row(template, 2, created_at=LATE.replace(hour=3)),  # 11:00 in Shanghai, the day before
        row(other, 3, created_at=LATE, tpl_id=200, fee=3),
        row(None, 4, fee=None),
        row(template, 5, created_at=LATE, status=Status.FAILED),
    ]
    with CaptureQueriesContext(connection) as queries:
        assert RowWriter(SmsLog).insert_many(logs)
    assert len(queries) == 1
    assert stored() == from_log() and len(stored()) == 5
    assert SmsDailyStat.objects.filter(template_pk=0).count() == 1  # no template: bucket 0
    for log in logs:  # their outcomes then take the one-statement path too
        log.status, log.fee = Status.SENT, 1
        log_rows.update(log, ["status", "fee"])
    assert stored() == from_log()
    assert sum(messages for messages, _fee in stored().values()) == 5


@pytest.mark.django_db(transaction=True)
def test_outcomes_racing_another_writer_of_the_same_rows_stay_exact():
    template = SmsTemplate.objects.create(name="n", tpl_id=100, text="Notice {1}")
    logs = [log_rows.insert(row(template, n)) for n in range(40)]

    def outcomes():
        for log in logs:
            log.status, log.fee = Status.SENT, 2
            log_rows.update(log, ["status", "fee"])

    def recovery():
        for log in logs:
            SmsLog.objects.filter(pk=log.pk).update(status=Status.UNKNOWN, fee=None)

    race(outcomes, recovery)
    assert stored() == from_log()
    assert sum(messages for messages, _fee in stored().values()) == 40


# --- a bulk batch's outcome (sending.records.save_rows) --------------------------------------


def batch(template, count, start=0, **values):
    logs = [row(template, start + n, **values) for n in range(count)]
    create_rows(logs)
    return logs


def deliver(logs, status=Status.SENT):
    """Outcomes as a bulk send writes them: the status shared, the sids and fees not."""
    now = datetime.now(timezone.utc)
    for n, log in enumerate(logs):
        log.status, log.result, log.errmsg, log.request_id = status, 0, "OK", "r"
        log.sid, log.fee = f"2019:{log.pk}", (None if n % 3 == 2 else n % 3 + 1)
        log.finished_at, log.duration = now, timedelta(milliseconds=n)


def statements(logs, fields=DELIVERED_FIELDS):
    with CaptureQueriesContext(connection) as queries:
        save_rows(logs, fields)
    return [query["sql"] for query in queries]


def test_a_batch_outcome_is_one_statement(template):
    logs = batch(template, 20)
    deliver(logs)
    (sql,) = statements(logs)
    assert sql.startswith("WITH w AS (UPDATE")
    assert stored() == from_log() == {(localdate(), template.pk, 100, "sent"): (20, 21)}
    for log in logs:
        stored_row = SmsLog.objects.get(pk=log.pk)
        assert (stored_row.status, stored_row.sid, stored_row.fee) == (
            Status.SENT,
            f"2019:{log.pk}",
            log.fee,
        )
        assert stored_row.duration == log.duration and stored_row.request_id == "r"
    # Believed at their new values: a second outcome is one statement again.
    for log in logs:
        log.status, log.fee = Status.DELIVERED, 1
    assert len(statements(logs, ["status", "fee"])) == 1
    assert stored() == from_log() == {(localdate(), template.pk, 100, "delivered"): (20, 20)}


def test_the_statement_is_the_same_for_any_number_of_rows(template):
    texts = []

    def record(execute, sql, params, many, context):
        texts.append((sql, len(params)))
        return execute(sql, params, many, context)

    for count in (3, 30):
        logs = batch(template, count, start=count)
        deliver(logs)
        with connection.execute_wrapper(record):
            save_rows(logs, DELIVERED_FIELDS)
    # The shared values are parameters, the others arrays: one text, one number of parameters.
    assert len(texts) == 2 and texts[0] == texts[1]
    assert stored() == from_log()


def test_rows_of_two_templates_and_two_days_with_null_fees(template):
    other = SmsTemplate.objects.create(name="o", tpl_id=200, text="Other {1}")
    logs = [
        row(template, 1, created_at=LATE),
        row(template, 2, created_at=LATE.replace(hour=3)),  # the day before, in Shanghai
        row(other, 3, created_at=LATE, tpl_id=200),
        row(other, 4, created_at=LATE.replace(hour=3), tpl_id=200, fee=4),
        row(None, 5, created_at=LATE, fee=None),
        row(template, 6, created_at=LATE, status=Status.FAILED, fee=2),
    ]
    create_rows(logs)
    deliver(logs)
    logs[4].fee = None
    assert len(statements(logs)) == 1
    assert stored() == from_log()
    assert {day for day, *_ in stored()} == {LOCAL_DAY, LOCAL_DAY - timedelta(days=1)}
    assert {key[1] for key in stored()} == {template.pk, other.pk, 0}
    assert sum(messages for messages, _fee in stored().values()) == 6
    assert not SmsDailyStat.objects.filter(status=Status.PENDING, messages__gt=0).exists()


def test_buckets_whose_change_adds_up_to_nothing_are_not_written(template):
    logs = batch(template, 2, fee=2)
    logs[1].status = Status.FAILED
    save_rows(logs[1:], ["status"])
    before = dict(SmsDailyStat.objects.values_list("status", "fee"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, ctid::text FROM tencent_sms_smsdailystat")
        versions = dict(cursor.fetchall())
    # One row leaves each bucket for the other: the two buckets end as they were, untouched.
    logs[0].status, logs[1].status = Status.FAILED, Status.PENDING
    assert len(statements(logs, ["status"])) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, ctid::text FROM tencent_sms_smsdailystat")
        assert dict(cursor.fetchall()) == versions
    assert dict(SmsDailyStat.objects.values_list("status", "fee")) == before
    assert stored() == from_log()


def test_an_outcome_that_moves_no_bucket_is_a_plain_update(template):
    logs = batch(template, 3)
    for n, log in enumerate(logs):
        log.sid, log.errmsg = f"s{n}", "queued at the carrier"
    (sql,) = statements(logs, ["status", "sid", "errmsg"])
    assert sql.startswith("UPDATE")
    assert list(SmsLog.objects.order_by("pk").values_list("sid", flat=True)) == ["s0", "s1", "s2"]
    assert stored() == from_log()


def changed_by_another_writer(template):
    """A batch whose first row a recovery marked unknown, and whose second a purge deleted,
    between the rows' insert and their outcome."""
    logs = batch(template, 6, fee=1)
    SmsLog.objects.filter(pk=logs[0].pk).update(status=Status.UNKNOWN)
    SmsLog.objects.filter(pk=logs[1].pk).delete()
    deliver(logs)
    return logs


def check_changed_by_another_writer(logs):
    assert stored() == from_log()
    assert SmsLog.objects.get(pk=logs[0].pk).status == Status.SENT
    assert not SmsLog.objects.filter(pk=logs[1].pk).exists()
    assert SmsLog.objects.filter(status=Status.SENT).count() == 5
    # The rows still there are believed at their new values; the one gone is not.
    for log in logs:
        log.status = Status.DELIVERED
    assert len(statements([log for n, log in enumerate(logs) if n != 1], ["status"])) == 1
    assert stored() == from_log()
    assert sum(messages for messages, _fee in stored().values()) == 5


def test_rows_another_writer_changed_are_written_carefully(template):
    logs = changed_by_another_writer(template)
    with transaction.atomic():
        written = statements(logs)
    assert written[0].startswith("WITH w AS (UPDATE")
    assert any("FOR UPDATE" in sql for sql in written[1:])  # the careful way
    check_changed_by_another_writer(logs)


@pytest.mark.django_db(transaction=True)
def test_rows_another_writer_changed_outside_a_transaction(monkeypatch):
    template = SmsTemplate.objects.create(name="n", tpl_id=100, text="Notice {1}")
    logs = changed_by_another_writer(template)
    commits = []
    real_commit = connection.commit
    monkeypatch.setattr(connection, "commit", lambda: commits.append(1) or real_commit())
    statements(logs)
    assert commits == [1]  # the careful way's transaction, none for the one statement
    check_changed_by_another_writer(logs)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_statement_opens_none(monkeypatch):
    template = SmsTemplate.objects.create(name="n", tpl_id=100, text="Notice {1}")
    logs = batch(template, 5)
    deliver(logs)
    calls = []
    for name in ("commit", "set_autocommit"):
        real = getattr(connection, name)
        monkeypatch.setattr(
            connection,
            name,
            lambda *a, real=real, name=name, **k: calls.append(name) or real(*a, **k),
        )
    assert len(statements(logs)) == 1
    assert calls == []
    assert stored() == from_log()


def test_a_rolled_back_batch_outcome_takes_its_buckets_with_it(template):
    logs = batch(template, 4)
    with pytest.raises(RuntimeError), transaction.atomic():
        deliver(logs)
        assert len(statements(logs)) == 1
        raise RuntimeError("the caller gives up")
    assert set(SmsLog.objects.values_list("status", flat=True)) == {Status.PENDING}
    assert stored() == from_log() == {(localdate(), template.pk, 100, "pending"): (4, 0)}
    # Believed at values the database never kept: the next outcome finds that out.
    assert len(statements(logs)) > 1
    assert stored() == from_log()
    assert SmsLog.objects.filter(status=Status.SENT).count() == 4


def test_rows_not_inserted_here_are_written_as_before(template):
    batch(template, 3)
    logs = list(SmsLog.objects.order_by("pk"))  # read back: their buckets are not known
    deliver(logs)
    written = statements(logs)
    assert len(written) > 1 and any("FOR UPDATE" in sql for sql in written)
    assert stored() == from_log()


@pytest.mark.django_db(transaction=True)
def test_batch_outcomes_racing_another_writer_of_the_same_rows_stay_exact():
    template = SmsTemplate.objects.create(name="n", tpl_id=100, text="Notice {1}")
    batches = [batch(template, 10, start=10 * n) for n in range(6)]

    def outcomes():
        for logs in batches:
            deliver(logs)
            save_rows(logs, DELIVERED_FIELDS)

    def recovery():
        for logs in batches:
            for log in logs[::2]:
                SmsLog.objects.filter(pk=log.pk).update(status=Status.UNKNOWN, fee=None)
            SmsLog.objects.filter(pk=logs[1].pk).delete()

    race(outcomes, recovery)
    assert stored() == from_log()
    assert sum(messages for messages, _fee in stored().values()) == 54
