"""The rollup equals GROUP BY over the log after random sends, reports, resends, updates and
purges, through every path that writes the log."""

import contextlib
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from django_tencent_sms.backends.locmem import LocmemBackend
from django_tencent_sms.exceptions import SmsError
from django_tencent_sms.models import SmsDailyStat, SmsLog, SmsTemplate
from django_tencent_sms.protocol.reports import DeliveryReport
from django_tencent_sms.reports.apply import apply_delivery_reports
from django_tencent_sms.sending.api import resend, send_sms
from django_tencent_sms.sending.bulk import send_bulk
from django_tencent_sms.sending.recording import mark_unrecorded
from tests.rollup.helpers import from_log, grouped_in_database, stored

Status = SmsLog.Status


class Flaky(LocmemBackend):
    """Refuses some messages before they leave (``failed``), like a network error would."""

    def __init__(self, rng, **kwargs):
        super().__init__(**kwargs)
        self.rng = rng

    def send(self, message):
        if self.rng.random() < 0.3:
            raise SmsError("connection refused")
        return super().send(message)


def phone(rng):
    return f"+86138{rng.randrange(10**8):08d}"


def step(rng, templates):
    """One random write to the log, through one of the app's paths."""
    logs = list(SmsLog.objects.order_by("pk").values_list("pk", flat=True))
    action = rng.choice(
        [
            "send",
            "send",
            "bulk",
            "report",
            "resend",
            "age",
            "purge",
            "save",
            "update",
            "bulk_update",
            "delete",
            "unrecorded",
            "template",
            "retemplate",
        ]
    )
    template = rng.choice(templates)
    if action == "send":
        with contextlib.suppress(SmsError):  # recorded failed: that is what it tests
            send_sms(phone(rng), template, ["1"], backend=Flaky(rng))
    elif action == "bulk":
        send_bulk([phone(rng) for _ in range(rng.randrange(1, 6))], template, ["1"])
    elif action == "report" and logs:
        sids = list(SmsLog.objects.exclude(sid="").values_list("sid", flat=True))
        reports = [
            DeliveryReport(
                sid=sid,
                delivered=rng.random() < 0.7,
                received_at=timezone.now() + timedelta(seconds=rng.randrange(1000)),
            )
            for sid in rng.sample(sids, min(len(sids), rng.randrange(1, 5)))
        ]
        apply_delivery_reports(reports)
    elif action == "resend" and logs:
        original = SmsLog.objects.get(pk=rng.choice(logs))
        with contextlib.suppress(Exception):  # a refused resend writes nothing
            resend(original)
    elif action == "age" and logs:
        # Rows from earlier days (an expression only the database works out).
        chosen = rng.sample(logs, min(len(logs), 3))
        days = rng.randrange(1, 90)
        SmsLog.objects.filter(pk__in=chosen).update(
            created_at=F("created_at") - timedelta(days=days, hours=rng.randrange(24))
        )
    elif action == "purge":
        call_command("purge_sms_logs", "--older-than", f"{rng.randrange(20, 80)}d", verbosity=0)
    elif action == "save" and logs:
        row = SmsLog.objects.get(pk=rng.choice(logs))
        row.status = rng.choice(list(Status))
        row.fee = rng.choice([None, 0, 1, 2, 5])
        if rng.random() < 0.5:
            row.save()
        else:
            row.save(update_fields=["status", "fee"])
    elif action == "update" and logs:
        rows = SmsLog.objects.filter(pk__in=rng.sample(logs, min(len(logs), 4)))
        if rng.random() < 0.5:
            rows.update(status=rng.choice(list(Status)), fee=rng.choice([None, 3]))
        else:
            rows.update(fee=F("fee") + 1, errmsg=Concat("errmsg", Value("!")))
    elif action == "bulk_update" and logs:
        rows = list(SmsLog.objects.filter(pk__in=rng.sample(logs, min(len(logs), 4))))
        for row in rows:
            row.status = rng.choice(list(Status))
            row.template = rng.choice([None, *templates])
        SmsLog.objects.bulk_update(rows, ["status", "template"])
    elif action == "delete" and logs:
        if rng.random() < 0.5:
            SmsLog.objects.get(pk=rng.choice(logs)).delete()
        else:
            SmsLog.objects.filter(pk__in=rng.sample(logs, min(len(logs), 2))).delete()
    elif action == "unrecorded" and logs:
        mark_unrecorded(list(SmsLog.objects.filter(pk__in=rng.sample(logs, 1))), "default")
    elif action == "template":
        # A template deleted: its rows' template becomes NULL (SET_NULL).
        if len(templates) > 1:
            gone = templates.pop(rng.randrange(len(templates)))
            gone.delete()
    elif action == "retemplate":
        templates.append(
            SmsTemplate.objects.create(
                name=f"t{rng.randrange(10**6)}", tpl_id=rng.choice([100, 200, 300]), text="Hi {1}"
            )
        )
    return action


@pytest.mark.parametrize("seed", range(4))
def test_rollup_equals_group_by_after_random_writes(db, seed):
    rng = random.Random(seed)
    templates = [
        SmsTemplate.objects.create(name=f"n{n}", tpl_id=100 * (n + 1), text="Notice {1}")
        for n in range(3)
    ]
    done = []
    for _ in range(60):
        done.append(step(rng, templates))
        assert stored() == from_log(), done
    assert SmsLog.objects.exists()
    assert stored() == grouped_in_database()
    assert len(set(done)) >= 8  # the walk went through most paths


def test_rebuild_repairs_rows_written_behind_the_apps_back(db):
    template = SmsTemplate.objects.create(name="n", tpl_id=100, text="Notice {1}")
    for n in range(5):
        send_sms(f"+8613800000{n:03d}", template, ["1"])
    # Written around the app: Django's own QuerySet, as a raw script would.
    from django.db.models import QuerySet

    QuerySet(SmsLog).filter(pk=SmsLog.objects.first().pk).update(status=Status.FAILED, fee=9)
    QuerySet(SmsLog).filter(pk=SmsLog.objects.last().pk).delete()
    SmsDailyStat.objects.create(
        day=timezone.localdate() - timedelta(days=400), tpl_id=1, status="sent", messages=3
    )
    assert stored() != from_log()
    call_command("tencent_sms_rebuild_stats", verbosity=0)
    assert stored() == from_log()


def test_an_outcome_written_after_another_writer_changed_the_row(db):
    # The outcome's UPDATE expects the row as inserted; a recovery marked it unknown meanwhile:
    # the row is then locked and read, and moves from where it really was.
    from django_tencent_sms.sending.records import log_rows

    template = SmsTemplate.objects.create(name="n", tpl_id=100, text="Notice {1}")
    log = log_rows.insert(SmsLog(phone="+8613800000001", template=template, tpl_id=100))
    SmsLog.objects.filter(pk=log.pk).update(status=Status.UNKNOWN)
    log.status, log.fee = Status.SENT, 2
    log_rows.update(log, ["status", "fee"])
    assert SmsLog.objects.get(pk=log.pk).status == Status.SENT
    assert stored() == from_log()
    assert sum(messages for messages, _fee in stored().values()) == 1
