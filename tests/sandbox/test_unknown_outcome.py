"""A send whose outcome is unknown stays ``unknown`` when Tencent's report for its sid arrives.

The answer was lost, so the log has no sid; the report that follows (pushed to the callback, as
Tencent does) names a sid no log has. It is kept as an ``UnmatchedReport`` and the log is left
alone, until reconciliation with Tencent's per-number records gives the log that sid, only when
the match is certain, and applies the kept report. Against the emulator, as the README says.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from django_tencent_sms import send_sms
from django_tencent_sms.exceptions import SmsError
from django_tencent_sms.models import SmsLog, SmsTemplate, UnmatchedReport

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"
TOKEN = "unknown-outcome-token-0123456789"


@pytest.fixture
def site(sandbox, settings):
    """The emulator knowing the "note" template, a short timeout and the callbacks' token."""
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": 0.3, "CALLBACK_TOKEN": TOKEN}
    SmsTemplate.objects.create(name="note", tpl_id=7, text="Order {1} shipped")
    return sandbox


def lost(sandbox, text: str = "A") -> SmsLog:
    """A send Tencent takes, whose answer never comes back."""
    sandbox.fail_next("lost_answer", delay=1)
    with pytest.raises(SmsError) as caught:
        send_sms(PHONE, "note", [text])
    return caught.value.log


def push_reports(client, sandbox) -> dict:
    """Tencent's push of the emulator's pending delivery reports to the status callback."""
    items = [r.callback_item() for r in sandbox.state.reports.take_reports(10)]
    assert items, "the emulator made no report"
    url = reverse("tencent_sms_callbacks:status", kwargs={"token": TOKEN})
    response = client.post(url, json.dumps(items), content_type="application/json")
    assert response.status_code == 200
    return response.json()


def recover(*args: str) -> str:
    out = StringIO()
    call_command("tencent_sms_recover", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_report_is_kept_and_the_log_stays_unknown_until_reconciled(site, client):
    log = lost(site)
    (message,) = site.messages
    assert push_reports(client, site) == {"result": 0, "errmsg": "OK"}

    log.refresh_from_db()
    assert (log.status, log.sid, log.delivered_at) == (SmsLog.Status.UNKNOWN, "", None)
    kept = UnmatchedReport.objects.get()
    assert (kept.sid, kept.delivered) == (message.sid, True)
    # Without reconciliation (--limit 0) nothing changes.
    recover("--limit", "0")
    log.refresh_from_db()
    assert log.status == SmsLog.Status.UNKNOWN

    # Reconciliation finds Tencent's record for the number, certain: the sid, then the report.
    assert f"SMS #{log.pk}: matched to Tencent's sid {message.sid}." in recover()
    log.refresh_from_db()
    assert (log.status, log.sid, log.report_code) == (
        SmsLog.Status.DELIVERED,
        message.sid,
        "DELIVRD",
    )
    assert not UnmatchedReport.objects.exists()
    assert len(site.messages) == 1  # nothing sent again


def test_when_the_match_is_not_certain_both_stay_unknown_and_the_report_stays_kept(site, client):
    first, second = lost(site, "A"), lost(site, "B")  # two of one number: no guess between them
    push_reports(client, site)
    assert UnmatchedReport.objects.count() == 2

    out = recover()
    assert "left unknown" in out
    statuses = set(SmsLog.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", "sid"))
    assert statuses == {(SmsLog.Status.UNKNOWN, "")}
    assert UnmatchedReport.objects.count() == 2  # until UNMATCHED_REPORT_DAYS have passed
    assert len(site.messages) == 2
