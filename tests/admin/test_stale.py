"""Stuck rows in the send log: marked next to their status, and found by the "stuck" filter."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from django_tencent_sms.models import SmsLog
from tests.helpers import staff

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tencent_sms_smslog_changelist")
Status = SmsLog.Status
MARK = '<span class="tencent-sms-stuck"'


@pytest.fixture
def viewer(client):
    client.force_login(staff("viewer", "tencent_sms.view_smslog"))
    return client


def row(status, age, phone, requeued=None):
    now = timezone.now()
    return SmsLog.objects.create(
        phone=phone,
        tpl_id=7,
        params=["A1"],
        status=status,
        created_at=now - timedelta(seconds=age),
        requeued_at=None if requeued is None else now - timedelta(seconds=requeued),
    )


@pytest.fixture
def rows():
    return {
        "stuck sending": row(Status.SENDING, 700, "+8613700000001"),
        "stuck pending": row(Status.PENDING, 700, "+8613700000002"),
        "stuck queued": row(Status.QUEUED, 700, "+8613700000003"),
        "sending": row(Status.SENDING, 60, "+8613700000004"),
        "queued again": row(Status.QUEUED, 1400, "+8613700000005", requeued=60),
        "old sent": row(Status.SENT, 700, "+8613700000006"),
        "old unknown": row(Status.UNKNOWN, 700, "+8613700000007"),
    }


def test_stuck_rows_carry_a_mark_the_others_do_not(viewer, rows):
    page = viewer.get(CHANGELIST).content.decode()
    marked = {
        line.split("**** ")[1][:4] for line in page.split("<tr") if "**** " in line and MARK in line
    }
    assert marked == {"0001", "0002", "0003"}
    detail = viewer.get(reverse("admin:tencent_sms_smslog_change", args=[rows["stuck sending"].pk]))
    assert MARK in detail.content.decode() and "tencent_sms_recover" in detail.content.decode()
    fresh = viewer.get(reverse("admin:tencent_sms_smslog_change", args=[rows["sending"].pk]))
    assert MARK not in fresh.content.decode()


def test_the_stuck_filter_finds_only_stuck_rows(viewer, rows, settings):
    page = viewer.get(CHANGELIST)
    assert "?stuck=1" in page.content.decode()
    stuck = viewer.get(CHANGELIST, {"stuck": "1"})
    assert stuck.status_code == 200
    assert {log.pk for log in stuck.context["cl"].result_list} == {
        rows[name].pk for name in ("stuck sending", "stuck pending", "stuck queued")
    }
    # The setting moves the line.
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "STALE_AFTER": 30}
    stuck = viewer.get(CHANGELIST, {"stuck": "1"})
    assert {log.pk for log in stuck.context["cl"].result_list} == {
        rows[name].pk
        for name in ("stuck sending", "stuck pending", "stuck queued", "sending", "queued again")
    }
