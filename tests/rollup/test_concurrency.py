"""Writers at once on PostgreSQL and MariaDB (SQLite writes one at a time): sends, reports and
status changes in threads, with a rebuild running beside them, leave rollup == GROUP BY."""

import random
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.protocol.reports import DeliveryReport
from django_tencent_sms.reports.apply import apply_delivery_reports
from django_tencent_sms.sending.api import send_sms
from tests.rollup.helpers import from_log, stored

pytestmark = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite runs one writer at a time"
)

Status = SmsLog.Status


def worker(seed, template, errors):
    rng = random.Random(seed)
    try:
        for _ in range(20):
            action = rng.random()
            if action < 0.25:
                send_sms(f"+86139{rng.randrange(10**8):08d}", template, ["1"])
            elif action < 0.5:
                sids = list(SmsLog.objects.exclude(sid="").values_list("sid", flat=True)[:50])
                if sids:
                    apply_delivery_reports(
                        [
                            DeliveryReport(
                                sid=sid,
                                delivered=rng.random() < 0.5,
                                received_at=timezone.now() + timedelta(seconds=rng.random()),
                            )
                            for sid in rng.sample(sids, min(3, len(sids)))
                        ]
                    )
            else:
                # The same few rows for every thread: they change under each other.
                pks = list(SmsLog.objects.order_by("pk").values_list("pk", flat=True)[:4])
                if pks:
                    SmsLog.objects.filter(pk__in=rng.sample(pks, 2)).update(
                        status=rng.choice([Status.UNKNOWN, Status.FAILED, Status.SENT]),
                        fee=rng.choice([None, 1, 2]),
                    )
    except Exception as exc:  # reported by the test, which fails
        errors.append(exc)
    finally:
        connections.close_all()


def rebuilder(errors, stop):
    try:
        while not stop.is_set():
            call_command("tencent_sms_rebuild_stats", verbosity=0)
    except Exception as exc:
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rebuilding", [False, True], ids=["writers", "writers-and-rebuild"])
def test_concurrent_writers_keep_the_rollup_exact(rebuilding):
    template = SmsTemplate.objects.create(name="n", tpl_id=100, text="Notice {1}")
    for n in range(10):
        send_sms(f"+8613800000{n:03d}", template, ["1"])
    errors: list[Exception] = []
    stop = threading.Event()
    threads = [threading.Thread(target=worker, args=(n, template, errors)) for n in range(6)]
    side = threading.Thread(target=rebuilder, args=(errors, stop))
    if rebuilding:  # else no rebuild could repair what the writers got wrong
        side.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    stop.set()
    if rebuilding:
        side.join(120)
    assert not errors, errors
    assert SmsLog.objects.count() > 10
    assert stored() == from_log()
