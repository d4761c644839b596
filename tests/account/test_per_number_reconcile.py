"""``unknown`` logs whose send Tencent did take get their sid from Tencent's per-number records,
only on a certain match, through ``tencent_sms_recover`` and ``tencent_sms_pull_status``; the
reports of unknown sids are kept meanwhile. Both backends, against the emulator."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_tencent_sms import send_sms
from django_tencent_sms.exceptions import SmsError
from django_tencent_sms.models import SmsLog, UnmatchedReport
from django_tencent_sms.reports.apply import apply_delivery_reports

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"
OTHER = "+8613711113333"
BY_NUMBER = ("pullstatus4mobile", "PullSmsSendStatusByPhoneNumber")


@pytest.fixture
def sandbox(sandbox, settings):
    """The account tests' sandbox (knowing the "note" template), with a short timeout."""
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": 0.3}
    return sandbox


def lost(sandbox, phone: str = PHONE, text: str = "A") -> SmsLog:
    """A send Tencent takes, whose answer never comes back: logged unknown, without a sid."""
    sandbox.fail_next("lost_answer", delay=1)
    with pytest.raises(SmsError) as caught:
        send_sms(phone, "note", [text])
    log = caught.value.log
    assert log.status == SmsLog.Status.UNKNOWN and log.sid == ""
    return log


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def lookups(sandbox) -> int:
    return sum(r.endpoint in BY_NUMBER for r in sandbox.requests)


@pytest.mark.parametrize("command", ["tencent_sms_recover", "tencent_sms_pull_status"])
def test_a_lost_answer_is_matched_and_its_kept_report_applied(sandbox, command):
    log = lost(sandbox)
    (message,) = sandbox.messages
    # Its delivery report comes first (a callback or a pull), for a sid no log has: kept.
    (report,) = sandbox.state.reports.take_reports(10)
    assert apply_delivery_reports([report]).unknown == 1
    assert UnmatchedReport.objects.filter(sid=message.sid).count() == 1
    out, err = run(command)
    assert err == ""
    assert f"SMS #{log.pk}: matched to Tencent's sid {message.sid}." in out
    log.refresh_from_db()
    assert (log.sid, log.result, log.fee) == (message.sid, 0, None)
    assert log.status == SmsLog.Status.DELIVERED and log.report_code == "DELIVRD"
    assert "accepted" in log.errmsg
    assert not UnmatchedReport.objects.exists()
    assert len(sandbox.messages) == 1  # nothing sent again


def test_two_records_that_could_be_it_leave_the_log_unknown(sandbox):
    log = lost(sandbox)
    other_system = send_sms(PHONE, "note", ["B"])
    SmsLog.objects.filter(pk=other_system.pk).delete()  # a record no log of this site holds
    out, _ = run("tencent_sms_recover")
    assert f"SMS #{log.pk}: left unknown, 2 of Tencent's records could be it" in out
    log.refresh_from_db()
    assert log.status == SmsLog.Status.UNKNOWN and log.sid == ""


def test_two_unknown_logs_of_one_number_are_not_guessed_between(sandbox):
    first = lost(sandbox, text="A")
    second = lost(sandbox, text="B")
    out, _ = run("tencent_sms_recover")
    assert f"SMS #{first.pk}: left unknown" in out and f"SMS #{second.pk}: left unknown" in out
    assert SmsLog.objects.filter(status=SmsLog.Status.UNKNOWN, sid="").count() == 2


def test_a_record_held_by_another_log_is_not_taken(sandbox):
    send_sms(PHONE, "note", ["sent fine"])
    sandbox.fail_next("drop")  # this one never reached Tencent's records
    with pytest.raises(SmsError) as caught:
        send_sms(PHONE, "note", ["B"])
    log = caught.value.log
    assert log.status == SmsLog.Status.UNKNOWN
    out, _ = run("tencent_sms_pull_status", "--kind", "replies")
    assert f"SMS #{log.pk}: left unknown, Tencent has no record for it in the window" in out
    # The recovery command stays quiet about logs merely waiting (it runs from cron).
    assert run("tencent_sms_recover") == ("", "")


def test_tencent_refusing_costs_one_log_and_fails_the_run(sandbox):
    first = lost(sandbox, PHONE)
    second = lost(sandbox, OTHER)
    sandbox.fail_next("result", result=1001)  # the first lookup (the newest log) is refused
    with pytest.raises(CommandError, match="could not be asked about 1"):
        run("tencent_sms_recover")
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.sid == "" and first.sid != ""


def test_a_timeout_of_the_lookup_is_survived(sandbox):
    log = lost(sandbox)
    sandbox.fail_next("slow", delay=1)
    with pytest.raises(CommandError):
        run("tencent_sms_recover")
    log.refresh_from_db()
    assert log.sid == ""
    out, _ = run("tencent_sms_recover")  # the next run asks again
    assert "matched" in out


def test_limit_bounds_the_lookups(sandbox):
    for phone in (PHONE, OTHER, "+8613711114444"):
        lost(sandbox, phone)
    before = lookups(sandbox)
    out, _ = run("tencent_sms_recover", "--limit", "1")
    assert lookups(sandbox) == before + 1 and out.count("matched") == 1
    run("tencent_sms_recover", "--limit", "0")
    assert lookups(sandbox) == before + 1
    with pytest.raises(CommandError):
        run("tencent_sms_recover", "--limit", "-1")


def test_dry_run_asks_nothing(sandbox):
    lost(sandbox)
    before = lookups(sandbox)
    run("tencent_sms_recover", "--dry-run")
    assert lookups(sandbox) == before


@pytest.mark.parametrize("sandbox", ["v5"], indirect=True)
def test_kept_reports_are_purged_after_their_days(sandbox, settings):
    old = UnmatchedReport.objects.create(
        sid="s-old", delivered=True, kept_at=timezone.now() - timedelta(days=8)
    )
    fresh = UnmatchedReport.objects.create(sid="s-new", delivered=True)
    run("tencent_sms_recover")
    assert list(UnmatchedReport.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not UnmatchedReport.objects.filter(pk=old.pk).exists()
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "UNMATCHED_REPORT_DAYS": 0}
    lost(sandbox)
    apply_delivery_reports(sandbox.state.reports.take_reports(10))
    assert UnmatchedReport.objects.count() == 1  # 0 days: nothing more kept
