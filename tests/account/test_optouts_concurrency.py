"""Opt-outs under real concurrency, on a database server (PostgreSQL or MariaDB): the same
number opting out from several processes at once, and an opt-out landing while a bulk send
runs in another thread."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection, connections

from django_tencent_sms import send_bulk
from django_tencent_sms.account.optouts import opt_out
from django_tencent_sms.models import SmsLog, SmsOptOut, SmsReply, SmsTemplate
from django_tencent_sms.protocol.reports import IncomingReply
from django_tencent_sms.reports.apply import store_replies
from django_tencent_sms.signals import number_opted_out
from tests.sending.bulk_helpers import cn
from tests.waiting import wait_until

PHONE = "+8613711112222"
WHEN = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def server():
    # SQLite serialises writers, so it cannot show this; CI's PostgreSQL and MariaDB runs do.
    if connection.vendor == "sqlite":
        pytest.skip("needs a database server (DATABASE_URL=postgres://… or mysql://…)")


def in_threads(func, args):
    def run(arg):
        try:
            return func(arg)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(args)) as pool:
        return list(pool.map(run, args))


@pytest.mark.django_db(transaction=True)
def test_simultaneous_opt_outs_of_one_number_make_one_entry(server):
    got = []
    number_opted_out.connect(receiver := lambda **kwargs: got.append(kwargs["entry"].pk))
    barrier = threading.Barrier(8)

    def reply(i):
        barrier.wait()
        item = IncomingReply("86", "13711112222", "退订", WHEN + timedelta(seconds=i))
        return store_replies([item]).stored

    try:
        assert in_threads(reply, list(range(8))) == [1] * 8
    finally:
        number_opted_out.disconnect(receiver)
    assert SmsReply.objects.count() == 8 and SmsOptOut.objects.count() == 1
    assert got == [SmsOptOut.objects.get().pk]


@pytest.mark.django_db(transaction=True)
def test_api_and_reply_opt_outs_racing_make_one_entry(server):
    barrier = threading.Barrier(6)

    def work(i):
        barrier.wait()
        if i % 2:
            return opt_out(PHONE)[1]
        store_replies([IncomingReply("86", "13711112222", "TD", WHEN + timedelta(seconds=i))])
        return None

    created = in_threads(work, list(range(6)))
    assert SmsOptOut.objects.count() == 1
    assert created.count(True) <= 1


@pytest.mark.django_db(transaction=True)
def test_an_opt_out_from_another_thread_during_a_bulk_send(server, sms_sandbox):
    notice = SmsTemplate.objects.create(name="notice", tpl_id=7, text="订单{1}已发货")
    second_batch = threading.Event()
    done = threading.Event()

    def numbers():
        for i in range(400):
            if i == 200:  # the first batch is on its way; the second is being read
                # Its rows written (by a helper thread on a database server): the opt-outs
                # that follow come after its list was read.
                assert wait_until(SmsLog.objects.filter(phone=cn(199)).exists)
                second_batch.set()
                assert done.wait(30)
            yield cn(i)

    def other_process():
        try:
            assert second_batch.wait(30)
            opt_out(cn(300))
            opt_out(cn(10))
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=other_process)
    thread.start()
    summary = send_bulk(numbers(), notice, ["A1"])
    thread.join(30)
    assert (summary.sent, summary.opted_out) == (399, 1)
    assert SmsLog.objects.get(phone=cn(300)).status == "opted_out"
    assert SmsLog.objects.get(phone=cn(10)).status == "sent"
