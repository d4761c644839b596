"""The log's two writes per message go through ``rows.RowWriter``: SQL built once per database.

It must write exactly what ``Model.save`` writes, step aside for ``save`` whenever a
``pre_save``/``post_save`` receiver is listening, and fail the way ``save`` fails.
"""

from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_tencent_sms import send_sms
from django_tencent_sms.models import SmsDailyStat, SmsLog, SmsTemplate
from django_tencent_sms.rows import FAST_VENDORS, RowWriter
from django_tencent_sms.sending.outcome import DELIVERED_FIELDS

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"

#: For the tests of the SQL RowWriter writes itself; test_other_databases_get_model_save shows
#: what other databases get instead.
fast_path_only = pytest.mark.skipif(
    connection.vendor not in FAST_VENDORS,
    reason=f"RowWriter writes its own SQL only on PostgreSQL and SQLite, not {connection.vendor}",
)


@pytest.fixture
def template():
    return SmsTemplate.objects.create(
        name="notice", tpl_id=1001, text="您的订单{1}已发货，单号{2}。", sign="腾讯云"
    )


def new_log(template, **fields):
    values = {
        "phone": PHONE,
        "template": template,
        "tpl_id": 1001,
        "params": ["A-1", "顺丰 SF100200300"],
        "sign": "腾讯云",
        "ext": "x1",
        "extend": "12",
        "status": SmsLog.Status.PENDING,
        "backend": "tencent",
    }
    return SmsLog(**{**values, **fields})


def stored(log):
    row = SmsLog.objects.filter(pk=log.pk).values().get()
    del row["id"]
    return row


def finish(log, at=None):
    log.status = SmsLog.Status.SENT
    log.result = 0
    log.errmsg = "OK"
    log.sid = "2019:1234567890"
    log.fee = 2
    log.request_id = "a0aabda6-cf91-4f3e-a81f-9198114a2279"
    log.finished_at = at or timezone.now()
    log.duration = timedelta(milliseconds=53.5)


def test_insert_and_update_store_what_save_stores(template):
    writer = RowWriter(SmsLog)
    fast = writer.insert(new_log(template))
    orm = new_log(template)
    orm.save(force_insert=True)

    assert fast.pk and fast.pk != orm.pk
    assert not fast._state.adding and fast._state.db == "default"
    assert abs(fast.created_at - orm.created_at) < timedelta(seconds=5)
    orm_row, fast_row = stored(orm), stored(fast)
    assert fast_row.pop("created_at") and orm_row.pop("created_at")
    assert fast_row == orm_row
    assert SmsLog.objects.get(pk=fast.pk).params == ["A-1", "顺丰 SF100200300"]

    at = timezone.now()
    for log in (fast, orm):
        finish(log, at)
    writer.update(fast, DELIVERED_FIELDS)
    orm.save(update_fields=DELIVERED_FIELDS)
    orm_row, fast_row = stored(orm), stored(fast)
    orm_row.pop("created_at"), fast_row.pop("created_at")
    assert fast_row == orm_row
    again = SmsLog.objects.get(pk=fast.pk)
    assert (again.status, again.sid, again.fee) == (SmsLog.Status.SENT, "2019:1234567890", 2)
    assert again.duration == timedelta(milliseconds=53.5)


@fast_path_only
def test_a_send_uses_the_fast_path_and_two_queries(sms_sandbox, template, monkeypatch):
    def no_save(*args, **kwargs):
        raise AssertionError("Model.save was used")

    send_sms(PHONE, template, ["A-1", "B-2"])  # warms the statements
    monkeypatch.setattr(SmsLog, "save", no_save)
    with CaptureQueriesContext(connection) as queries:
        log = send_sms(PHONE, template, ["A-1", "B-2"])
    # Each write followed by the dashboard rollup's upsert (INSERT … ON CONFLICT); the UPDATE
    # reads nothing first (rollup.single_row). On PostgreSQL each write and its upsert are one
    # statement (rollup.fused).
    stats = connection.ops.quote_name(SmsDailyStat._meta.db_table)
    if connection.vendor == "postgresql":
        writes = [q["sql"].removeprefix("WITH w AS (").split()[0] for q in queries]
        assert writes == ["INSERT", "UPDATE"]
        assert all(f"), s AS (INSERT INTO {stats} " in q["sql"] for q in queries)
    else:
        assert [q["sql"].split()[0] for q in queries] == ["INSERT", "INSERT", "UPDATE", "INSERT"]
    assert SmsLog.objects.get(pk=log.pk).status == SmsLog.Status.SENT


def test_receivers_of_the_model_signals_still_get_them(sms_sandbox, template):
    seen = []

    def pre(sender, instance, **kwargs):
        seen.append(("pre", instance.status, kwargs["update_fields"]))

    def post(sender, instance, created, **kwargs):
        seen.append(("post", instance.status, created))

    pre_save.connect(pre, sender=SmsLog)
    post_save.connect(post, sender=SmsLog)
    try:
        send_sms(PHONE, template, ["A-1", "B-2"])
    finally:
        pre_save.disconnect(pre, sender=SmsLog)
        post_save.disconnect(post, sender=SmsLog)
    assert seen == [
        ("pre", "pending", None),
        ("post", "pending", True),
        ("pre", "sent", frozenset(DELIVERED_FIELDS)),
        ("post", "sent", False),
    ]


def test_updating_a_row_that_is_gone_raises_as_save_does(template):
    writer = RowWriter(SmsLog)
    log = writer.insert(new_log(template))
    SmsLog.objects.filter(pk=log.pk).delete()
    finish(log)
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        writer.update(log, DELIVERED_FIELDS)


@pytest.mark.django_db(transaction=True)
def test_a_failed_write_inside_a_transaction_marks_it_for_rollback(template):
    writer = RowWriter(SmsLog)
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            writer.insert(new_log(template, status=None))
        assert connection.needs_rollback
    assert not SmsLog.objects.exists()


def test_update_many_stores_what_bulk_update_stores(template):
    writer = RowWriter(SmsLog)
    fast = [writer.insert(new_log(template)) for _ in range(5)]
    orm = [writer.insert(new_log(template)) for _ in range(5)]
    at = timezone.now()
    for group in (fast, orm):
        for i, log in enumerate(group):
            finish(log, at + timedelta(seconds=i))
            log.sid = f"2019:{i}" if i % 2 else ""
            log.result = None if i == 0 else i  # a NULL among integers
            log.fee = i
            log.errmsg = f"第 {i} 条" if i else ""
    fields = ["status", "result", "errmsg", "sid", "fee", "finished_at", "duration"]

    assert writer.update_many(fast, fields) == 5
    SmsLog.objects.bulk_update(orm, fields)
    for a, b in zip(fast, orm, strict=True):
        fast_row, orm_row = stored(a), stored(b)
        fast_row.pop("created_at"), orm_row.pop("created_at")
        assert fast_row == orm_row
    assert SmsLog.objects.get(pk=fast[3].pk).errmsg == "第 3 条"


@fast_path_only
def test_update_many_types_a_column_of_nulls_and_splits_long_lists(template, monkeypatch):
    writer = RowWriter(SmsLog)
    logs = [writer.insert(new_log(template, result=7, fee=1)) for _ in range(7)]
    for log in logs:
        log.result, log.delivered_at = None, None  # every value NULL: no type to guess from
    # At most 3 rows' parameters per statement: the 7 rows take 3 statements.
    # On the class, since SQLite's is a property from Django 6 on (the connection's own limit),
    # with no value cached on the instance to hide it (PostgreSQL's is a cached_property from
    # Django 6.1 on).
    monkeypatch.setattr(type(connection.features), "max_query_params", 9)
    monkeypatch.delitem(vars(connection.features), "max_query_params", raising=False)
    with CaptureQueriesContext(connection) as queries:
        assert writer.update_many(logs, ["result", "delivered_at"]) == 7
    assert len(queries) == 3
    assert set(SmsLog.objects.values_list("result", "delivered_at")) == {(None, None)}


def test_update_many_of_nothing_runs_no_query(template):
    with CaptureQueriesContext(connection) as queries:
        assert RowWriter(SmsLog).update_many([], ["sid"]) == 0
    assert len(queries) == 0


def test_insert_refuses_an_unsaved_related_object_and_keeps_a_given_key(template):
    writer = RowWriter(SmsLog)
    unsaved = SmsTemplate(name="draft", tpl_id=5, text="{1}")
    with pytest.raises(ValueError, match="unsaved related object"):
        writer.insert(new_log(unsaved))
    log = writer.insert(new_log(template, pk=987654))
    assert log.pk == 987654 and SmsLog.objects.filter(pk=987654).exists()


@pytest.mark.parametrize("vendor", ["oracle", "microsoft", "mysql"])
def test_other_databases_get_model_save(template, monkeypatch, vendor):
    # The fast path writes PostgreSQL's and SQLite's INSERT … RETURNING: elsewhere (even where
    # Django can return columns from an insert) save() and bulk_update write the rows.
    monkeypatch.setattr(connection, "vendor", vendor)
    saved, bulk = [], []
    real_save = SmsLog.save

    def save(self, *args, **kwargs):
        # The insert really happens; the update is only recorded (Django's own UPDATE would
        # be built for the pretended database).
        saved.append(kwargs)
        if kwargs.get("force_insert"):
            real_save(self, *args, **kwargs)

    monkeypatch.setattr(SmsLog, "save", save)
    monkeypatch.setattr(
        QuerySet, "bulk_update", lambda qs, objs, fields: bulk.append(list(fields)) or len(objs)
    )
    writer = RowWriter(SmsLog)
    log = writer.insert(new_log(template))
    finish(log)
    writer.update(log, DELIVERED_FIELDS)
    assert saved == [
        {"force_insert": True, "using": "default"},
        {"update_fields": DELIVERED_FIELDS, "using": "default"},
    ]
    assert writer.update_many([log], ["sid"]) == 1
    assert bulk == [["sid"]]
