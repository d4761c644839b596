"""On PostgreSQL the log's fast writes move the rollup in the same statement: still exact."""

import threading
from datetime import date, datetime, timezone

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from django_tencent_sms.models import SmsDailyStat, SmsLog, SmsTemplate
from django_tencent_sms.rows import RowWriter
from django_tencent_sms.sending.records import log_rows
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
    errors: list[Exception] = []

    def outcomes():
        try:
            for log in logs:
                log.status, log.fee = Status.SENT, 2
                log_rows.update(log, ["status", "fee"])
        except Exception as exc:  # reported by the test, which fails
            errors.append(exc)
        finally:
            connections.close_all()

    def recovery():
        try:
            for log in logs:
                SmsLog.objects.filter(pk=log.pk).update(status=Status.UNKNOWN, fee=None)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=outcomes), threading.Thread(target=recovery)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert stored() == from_log()
    assert sum(messages for messages, _fee in stored().values()) == 40
