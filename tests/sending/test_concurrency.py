"""Many threads sending through the one shared backend, with the log on a database server
(PostgreSQL or MariaDB)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from django_tencent_sms import send_sms
from django_tencent_sms.models import SmsLog, SmsTemplate


@pytest.fixture
def server():
    # SQLite serialises writers, so it cannot show this; CI's PostgreSQL and MariaDB runs do.
    if connection.vendor == "sqlite":
        pytest.skip("needs a database server (DATABASE_URL=postgres://… or mysql://…)")


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_share_one_pool_and_each_log_one_row(server, sms_sandbox):
    SmsTemplate.objects.create(name="n", tpl_id=7, text="Order {1} shipped")
    phones = [f"+86137{i:08d}" for i in range(40)]

    def send(phone):
        try:
            return send_sms(phone, "n", [phone[-6:]]).sid
        finally:
            connections.close_all()

    before = sms_sandbox.connections
    with ThreadPoolExecutor(max_workers=8) as pool:
        sids = list(pool.map(send, phones))
    assert len(set(sids)) == 40
    assert sorted(m.mobile for m in sms_sandbox.messages) == sorted(p[3:] for p in phones)
    assert SmsLog.objects.filter(status=SmsLog.Status.SENT).count() == 40
    assert set(SmsLog.objects.values_list("sid", flat=True)) == set(sids)
    # Connections are pooled: at most one per thread, not one per message.
    assert sms_sandbox.connections - before <= 8
