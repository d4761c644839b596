"""A ``sending`` row is stuck ``STALE_AFTER`` after a worker took it (``claimed_at``), not after
it was queued: a message that waited an hour in the queue and was taken a second ago is in
flight, and recovery leaves it alone.

The requests go to the emulator; recovery runs from inside the backend's ``send``, while the
request is out, as a cron run or another worker would at that moment.
"""

import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from django_tencent_sms.backends import get_backend
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.background import send_queued
from django_tencent_sms.sending.batch import send_batch
from django_tencent_sms.sending.recover import is_stale
from tests.helpers import staff

Status = SmsLog.Status
PHONE = "+8613711112222"
HOUR = 3600

pytestmark = pytest.mark.django_db


def row(status, age, *, claimed=None, phone=PHONE, batch=None):
    """A row created ``age`` seconds ago, taken by a worker ``claimed`` seconds ago."""
    now = timezone.now()
    return SmsLog.objects.create(
        phone=phone,
        tpl_id=7,
        params=["A1"],
        status=status,
        batch=batch,
        created_at=now - timedelta(seconds=age),
        claimed_at=None if claimed is None else now - timedelta(seconds=claimed),
    )


def recover_command(*args):
    out = StringIO()
    call_command("tencent_sms_recover", *args, stdout=out)
    return out.getvalue()


def status_of(log):
    log.refresh_from_db()
    return log.status


@pytest.fixture
def during_the_request(sms_sandbox, monkeypatch):
    """What ``recover`` (dry, then for real) said while the backend's request was out."""
    sms_sandbox.add_template(7, "Order {1} shipped")
    backend_class = type(get_backend())
    said = []

    def around(real):
        def send(self, message):
            said.append(
                {
                    "dry": recover_command("--dry-run"),
                    "run": recover_command(),
                    "statuses": sorted(SmsLog.objects.values_list("status", flat=True)),
                }
            )
            return real(self, message)

        return send

    monkeypatch.setattr(backend_class, "send", around(backend_class.send))
    monkeypatch.setattr(backend_class, "send_bulk", around(backend_class.send_bulk))
    return said


def test_a_message_queued_an_hour_ago_and_just_taken_is_left_alone(during_the_request):
    queued = row(Status.QUEUED, HOUR)
    before = timezone.now()
    assert send_queued(queued.pk) == Status.SENT
    (seen,) = during_the_request
    assert seen == {"dry": "", "run": "", "statuses": [Status.SENDING]}
    queued.refresh_from_db()
    assert queued.status == Status.SENT
    assert before <= queued.claimed_at <= timezone.now()
    assert queued.created_at < before - timedelta(seconds=HOUR - 5)  # not touched


def test_a_bulk_batch_queued_an_hour_ago_and_just_taken_is_left_alone(during_the_request):
    batch = uuid.uuid4()
    rows = [row(Status.QUEUED, HOUR, batch=batch, phone=f"+86137000000{i:02d}") for i in range(3)]
    before = timezone.now()
    summary = send_batch([log.pk for log in rows])
    assert summary.sent == 3
    (seen,) = during_the_request
    assert seen == {"dry": "", "run": "", "statuses": [Status.SENDING] * 3}
    claimed = {log.claimed_at for log in SmsLog.objects.all()}
    assert len(claimed) == 1 and before <= claimed.pop() <= timezone.now()  # one UPDATE
    assert [status_of(log) for log in rows] == [Status.SENT] * 3


def test_a_row_taken_long_ago_is_stuck_however_recently_it_was_queued():
    # created_at "after" claimed_at cannot happen, but shows which one counts.
    taken_long_ago = row(Status.SENDING, 10, claimed=700)
    just_taken = row(Status.SENDING, HOUR, claimed=1)
    never_taken = row(Status.SENDING, 700)  # a row from before claimed_at: its creation counts
    pending = row(Status.PENDING, 700)

    dry = recover_command("--dry-run")
    assert dry == (
        "3 SMS would be marked unknown (may have reached Tencent; not sent again): "
        f"{taken_long_ago.pk}, {never_taken.pk}, {pending.pk}\n"
    )
    assert status_of(taken_long_ago) == Status.SENDING

    assert recover_command().startswith("3 SMS marked unknown")
    assert [status_of(log) for log in (taken_long_ago, never_taken, pending)] == [
        Status.UNKNOWN
    ] * 3
    assert status_of(just_taken) == Status.SENDING
    assert recover_command() == ""


def test_older_than_counts_from_the_claim_too():
    log = row(Status.SENDING, HOUR, claimed=120)
    assert recover_command("--older-than", "300") == ""
    assert recover_command("--older-than", "300", "--dry-run") == ""
    assert "would be marked unknown" in recover_command("--older-than", "100", "--dry-run")
    assert status_of(log) == Status.SENDING
    assert "1 SMS marked unknown" in recover_command("--older-than", "100")
    assert status_of(log) == Status.UNKNOWN


def test_is_stale_and_the_admin_count_from_the_claim(client):
    now = timezone.now()
    just_taken = row(Status.SENDING, HOUR, claimed=1)
    taken_long_ago = row(Status.SENDING, HOUR, claimed=700, phone="+8613722223333")
    assert not is_stale(just_taken, now, 600)
    assert is_stale(taken_long_ago, now, 600)

    client.force_login(staff("viewer", "tencent_sms.view_smslog"))
    changelist = reverse("admin:tencent_sms_smslog_changelist")
    stuck = client.get(changelist, {"stuck": "1"})
    assert [log.pk for log in stuck.context["cl"].result_list] == [taken_long_ago.pk]
    detail = client.get(reverse("admin:tencent_sms_smslog_change", args=[just_taken.pk]))
    page = detail.content.decode()
    assert "Taken by a worker" in page and "tencent-sms-stuck" not in page
    assert 'name="claimed_at"' not in page  # shown, never an input
