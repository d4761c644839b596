"""Templates looked up by name are remembered briefly, so a send by name costs two queries."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from django_tencent_sms import send_sms
from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.models import SmsTemplate
from django_tencent_sms.sending import template_cache

PHONE = "+8613711112222"

pytestmark = pytest.mark.django_db(transaction=True)  # outside a transaction, as in production


@pytest.fixture
def shipped():
    return SmsTemplate.objects.create(name="shipped", tpl_id=2001, text="订单{1}已发货")


def queries_of(func):
    """The statements ``func`` sent for the send itself: not the transaction's own, nor the
    dashboard rollup's (its upsert per write of the log and, where ``save()`` writes the log,
    MariaDB, the row's locked read; tests/rollup counts them). On PostgreSQL a write of the log
    carries the upsert in the same statement (``WITH w AS (<the write>), s AS (<the upsert>)``):
    it counts as the write."""
    with CaptureQueriesContext(connection) as captured:
        func()
    statements = [q["sql"].removeprefix("WITH w AS (") for q in captured.captured_queries]
    return [
        sql
        for sql in statements
        if not sql.startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
        and "tencent_sms_smsdailystat" not in sql.partition("), s AS (")[0]
        and not sql.endswith("FOR UPDATE")
    ]


def test_a_send_by_name_costs_two_queries_once_the_template_is_known(shipped, sms_outbox):
    send_sms(PHONE, "shipped", ["A1"])
    sql = queries_of(lambda: send_sms(PHONE, "shipped", ["A2"]))
    assert len(sql) == 2 and sql[0].startswith("INSERT") and sql[1].startswith("UPDATE")
    assert sms_outbox[1].text == "订单A2已发货"


def test_saving_a_template_is_seen_by_the_next_send(shipped, sms_outbox):
    send_sms(PHONE, "shipped", ["A1"])
    shipped.text = "订单{1}已于今日发货"
    shipped.save()
    send_sms(PHONE, "shipped", ["A2"])
    assert sms_outbox[1].text == "订单A2已于今日发货"
    shipped.is_active = False
    shipped.save()
    with pytest.raises(InvalidMessage) as refused:
        send_sms(PHONE, "shipped", ["A3"])
    assert refused.value.code == "inactive_template"


def test_a_deleted_template_is_forgotten(shipped, sms_outbox):
    send_sms(PHONE, "shipped", ["A1"])
    shipped.delete()
    with pytest.raises(InvalidMessage) as refused:
        send_sms(PHONE, "shipped", ["A2"])
    assert refused.value.code == "unknown_template"


def test_nothing_is_remembered_inside_a_transaction(shipped, sms_outbox):
    with transaction.atomic():
        send_sms(PHONE, "shipped", ["A1"])
        assert len(queries_of(lambda: send_sms(PHONE, "shipped", ["A2"]))) == 3
    assert template_cache._entries == {}


def test_entries_expire(shipped, sms_outbox, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(template_cache.time, "monotonic", lambda: now[0])
    send_sms(PHONE, "shipped", ["A1"])
    now[0] += 59
    assert len(queries_of(lambda: send_sms(PHONE, "shipped", ["A2"]))) == 2
    now[0] += 2  # past the 60 s default
    # Another process changed the template (no signal reaches this one): seen after expiry.
    SmsTemplate.objects.filter(pk=shipped.pk).update(text="订单{1}已出库")
    assert len(queries_of(lambda: send_sms(PHONE, "shipped", ["A3"]))) == 3
    assert sms_outbox[2].text == "订单A3已出库"


def test_a_timeout_of_zero_turns_it_off(shipped, sms_outbox, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TEMPLATE_CACHE_TIMEOUT": 0}
    send_sms(PHONE, "shipped", ["A1"])
    assert len(queries_of(lambda: send_sms(PHONE, "shipped", ["A2"]))) == 3
