"""What the log writers prepare once and share: only values that are the same to the database,
and nothing secret kept in memory."""

from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection

from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.plain_values import value_key
from django_tencent_sms.rollup.buckets import tally
from django_tencent_sms.rows import FAST_VENDORS, RowWriter
from django_tencent_sms.sending.outcome import DELIVERED_FIELDS
from django_tencent_sms.sending.records import create_rows, save_rows


def test_equal_values_of_different_types_are_different_values():
    assert value_key(1) != value_key(True) != value_key(1.0)
    assert value_key([1]) != value_key([True])
    assert value_key(["a", 1]) == value_key(["a", 1])
    assert value_key({"a": 1}) is None  # not plain: prepared every time


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor not in FAST_VENDORS, reason="elsewhere RowWriter hands over to Model.save"
)
def test_a_writer_remembers_recurring_values_not_one_of_a_kind_texts():
    template = SmsTemplate.objects.create(name="n", tpl_id=1, text="Notice {1}")
    writer = RowWriter(SmsLog)
    for n in range(3):
        writer.insert(
            SmsLog(
                phone=f"+861380000000{n}",
                template=template,
                tpl_id=1,
                params=[f"secret-{n}"],
                sid=f"one-of-a-kind-{n}",
                status=SmsLog.Status.PENDING,
            )
        )
    remembered = [key[2][1] for key in writer._memo]
    assert SmsLog.Status.PENDING in remembered  # a choice: remembered
    assert "" in remembered  # the empty texts
    assert not [v for v in remembered if isinstance(v, str) and "-" in v]  # never the sid


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement outcome")
def test_a_batch_keeps_each_row_s_own_json_when_the_values_are_equal_in_python():
    template = SmsTemplate.objects.create(name="n", tpl_id=1, text="Notice {1}")
    rows = [
        SmsLog(phone="+8613800000001", template=template, tpl_id=1, params=["x"]),
        SmsLog(phone="+8613800000002", template=template, tpl_id=1, params=["x"]),
    ]
    create_rows(rows)
    rows[0].params, rows[1].params = [1], [True]  # equal in Python, not as JSON
    save_rows(rows, ["params"])
    assert [r.params for r in SmsLog.objects.order_by("pk")] == [[1], [True]]
    for row in rows:
        row.status = SmsLog.Status.SENT
    save_rows(rows, DELIVERED_FIELDS)
    assert set(SmsLog.objects.values_list("status", flat=True)) == {"sent"}


def test_equal_moments_in_two_zones_fall_on_their_own_days_without_time_zones(settings):
    settings.USE_TZ = False
    utc = datetime(2026, 1, 1, 23, 30, tzinfo=timezone.utc)
    east = utc.astimezone(timezone(timedelta(hours=8)))  # the same moment, 2 January there
    assert utc == east
    buckets = tally([(1, utc, 1, 1, "sent", 0), (2, east, 1, 1, "sent", 0)])
    assert sorted(key.day.isoformat() for key in buckets) == ["2026-01-01", "2026-01-02"]
