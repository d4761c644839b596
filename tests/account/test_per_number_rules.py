"""The match rule of reconciliation on answers the emulator does not give: unreadable records, one
message reported twice, another message's SessionContext, an undated record. A stand-in backend
hands the records in (nothing crosses HTTP here)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from django_tencent_sms.account.reconcile import reconcile_unknown
from django_tencent_sms.models import SmsLog
from django_tencent_sms.protocol.reports import DeliveryReport, PullBatch

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"


class Records:
    """A backend whose number lookups answer ``batch``, and that records what it was asked."""

    can_lookup_number = True

    def __init__(self, *items: DeliveryReport, rejected: tuple[str, ...] = ()) -> None:
        self.batch = PullBatch(items, rejected)
        self.asked: list[tuple[str, object, object]] = []

    def number_reports(self, phone, begin, end, limit=100):
        self.asked.append((phone, begin, end))
        return self.batch


def unknown(ext: str = "", minutes_ago: int = 10) -> SmsLog:
    return SmsLog.objects.create(
        phone=PHONE,
        tpl_id=7,
        ext=ext,
        status=SmsLog.Status.UNKNOWN,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def report(sid: str, log: SmsLog, *, seconds: int = 5, delivered=True, context: str = ""):
    return DeliveryReport(
        sid=sid,
        delivered=delivered,
        code="DELIVRD" if delivered else "UNDELIV",
        received_at=None if seconds is None else log.created_at + timedelta(seconds=seconds),
        nationcode="86",
        mobile=PHONE[3:],
        session_context=context,
    )


def test_it_asks_for_the_logs_number_around_its_time():
    log = unknown()
    backend = Records()
    reconcile_unknown(backend)
    ((phone, begin, end),) = backend.asked
    assert phone == PHONE
    assert begin <= log.created_at - timedelta(minutes=4) and end >= log.created_at


def test_an_unreadable_record_makes_it_ambiguous():
    log = unknown()
    done = reconcile_unknown(Records(report("s1", log), rejected=("item 1: 'sid' is missing",)))
    assert done.ambiguous and not done.matched
    log.refresh_from_db()
    assert log.sid == ""


def test_one_message_reported_twice_is_one_match_with_the_latest_report():
    log = unknown()
    first = report("s1", log, seconds=5, delivered=False)
    later = report("s1", log, seconds=60, delivered=True)
    done = reconcile_unknown(Records(first, later))
    assert done.matched == [(log.pk, "s1")]
    log.refresh_from_db()
    assert log.status == SmsLog.Status.DELIVERED and log.delivered_at == later.received_at


def test_another_messages_session_context_rules_a_record_out():
    log = unknown(ext="order-1")
    done = reconcile_unknown(
        Records(report("theirs", log, context="order-2"), report("mine", log, context="order-1"))
    )
    assert done.matched == [(log.pk, "mine")]


def test_an_undated_record_could_be_it_too():
    log = unknown()
    done = reconcile_unknown(Records(report("s1", log), report("s2", log, seconds=None)))
    assert done.ambiguous and not done.matched


def test_a_record_dated_before_the_send_is_not_it():
    log = unknown()
    done = reconcile_unknown(Records(report("early", log, seconds=-3600)))
    assert done.waiting and not done.matched


def test_a_log_changed_meanwhile_is_left_alone():
    log = unknown()

    class Racing(Records):
        def number_reports(self, *args, **kwargs):
            SmsLog.objects.filter(pk=log.pk).update(status=SmsLog.Status.SENT, sid="other")
            return super().number_reports(*args, **kwargs)

    done = reconcile_unknown(Racing(report("s1", log)))
    assert not done.matched
    log.refresh_from_db()
    assert log.sid == "other"


def test_logs_older_than_tencent_keeps_are_not_asked_about():
    unknown(minutes_ago=8 * 24 * 60)
    backend = Records()
    assert reconcile_unknown(backend).asked == 0 and backend.asked == []
