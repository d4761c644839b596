"""RowWriter.insert_many, a batch's rows in one statement: what bulk_create would store."""

from datetime import timedelta

import phonenumbers
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_tencent_sms.models import SmsLog
from django_tencent_sms.rows import FAST_VENDORS, RowWriter
from django_tencent_sms.sending.validation import CheckedNumber, normalize_phone
from tests.test_rows import new_log, stored, template  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

fast_path_only = pytest.mark.skipif(
    connection.vendor not in FAST_VENDORS,
    reason=f"RowWriter writes its own SQL only on PostgreSQL and SQLite, not {connection.vendor}",
)


def batch_of(template, count, **fields):  # noqa: F811 (the fixture's value)
    numbers = [normalize_phone(f"+86137{i:08d}", "CN") for i in range(count)]
    return [new_log(template, phone=n, **fields) for n in numbers]


@fast_path_only
def test_a_batch_is_stored_as_bulk_create_stores_it_keys_in_order(template):  # noqa: F811
    fast = batch_of(template, 30)
    fast.append(new_log(template, phone="not a number", status=SmsLog.Status.FAILED))
    orm = batch_of(template, 30)
    orm.append(new_log(template, phone="not a number", status=SmsLog.Status.FAILED))
    assert RowWriter(SmsLog).insert_many(fast) is True
    SmsLog.objects.bulk_create(orm)

    assert all(not log._state.adding and log._state.db == "default" for log in fast)
    assert [log.pk for log in fast] == sorted(log.pk for log in fast)
    for mine, theirs in zip(fast, orm, strict=True):
        mine_row, their_row = stored(mine), stored(theirs)
        assert abs(mine_row.pop("created_at") - their_row.pop("created_at")) < timedelta(seconds=5)
        assert mine_row == their_row
    again = SmsLog.objects.get(pk=fast[7].pk)
    assert (str(again.phone), again.params) == ("+8613700000007", ["A-1", "顺丰 SF100200300"])
    assert SmsLog.objects.get(pk=fast[-1].pk).phone.raw_input == "not a number"


@fast_path_only
def test_more_rows_than_one_statement_takes_are_written_together(template, monkeypatch):  # noqa: F811
    monkeypatch.setattr(connection.features, "max_query_params", 100)  # a few rows a statement
    logs = batch_of(template, 25)
    with CaptureQueriesContext(connection) as queries:
        assert RowWriter(SmsLog).insert_many(logs)
    # Not the dashboard rollup's upsert beside it (on PostgreSQL, in the same statement).
    table = f"INSERT INTO {connection.ops.quote_name(SmsLog._meta.db_table)}"
    inserts = [q["sql"] for q in queries if q["sql"].removeprefix("WITH w AS (").startswith(table)]
    # PostgreSQL takes one array per column (one statement, that also moves the rollup's
    # buckets); SQLite a few rows per statement, all in one transaction.
    columns = len([f for f in SmsLog._meta.local_concrete_fields if not f.db_returning])
    per_statement = 100 // columns
    expected = 1 if connection.vendor == "postgresql" else -(-25 // per_statement)
    assert per_statement < 25 and len(inserts) == expected
    if connection.vendor == "postgresql":
        assert len(queries) == 1
    assert SmsLog.objects.filter(pk__in=[log.pk for log in logs]).count() == 25
    assert len({log.pk for log in logs}) == 25


def test_other_databases_are_left_to_bulk_create(template, monkeypatch):  # noqa: F811
    monkeypatch.setattr(connection, "vendor", "oracle")
    logs = batch_of(template, 2)
    assert RowWriter(SmsLog).insert_many(logs) is False
    assert all(log.pk is None for log in logs) and not SmsLog.objects.exists()


def test_a_checked_number_changed_afterwards_is_checked_again():
    number = normalize_phone("+8613711112222", "CN")
    assert isinstance(number, CheckedNumber) and number.is_valid()
    number.national_number = 1  # no longer a number of any country
    assert not number.is_valid()
    assert not phonenumbers.is_valid_number(number)


@pytest.mark.parametrize("text", ["+8613711112222", "+447400123456", "+14155552671"])
def test_normalize_phone_accepts_what_phonenumbers_finds_valid(text):
    number = normalize_phone(text, "CN")
    assert number.is_valid() == phonenumbers.is_valid_number(phonenumbers.parse(text)) is True
    assert number.as_e164 == text
