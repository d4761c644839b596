"""Tencent's figures of a period beside the log's, on both backends, against the emulator."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_tencent_sms import send_sms
from django_tencent_sms.account.fetching import FiguresUnavailable
from django_tencent_sms.account.statistics import (
    cached_figures,
    compare,
    differs,
    log_figures,
    tencent_figures,
)
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.protocol.reports import CHINA_TIME
from django_tencent_sms.protocol.statistics import HourSpan

pytestmark = pytest.mark.django_db

PHONES = [f"+86137111122{i:02d}" for i in range(12)]


def today_span() -> HourSpan:
    now = datetime.now(timezone.utc)
    return HourSpan.covering(now - timedelta(hours=2), now + timedelta(hours=1))


def send(count: int) -> list[SmsLog]:
    return [send_sms(PHONES[i], "note", [f"A{i}"]) for i in range(count)]


def test_tencent_counts_what_the_emulator_accepted_and_reported(sandbox):
    sandbox.report_success = 0.5
    send(4)
    SmsTemplate.objects.create(name="long", tpl_id=8, text="x" * 80 + " {1}")
    send_sms(PHONES[5], "long", ["A5"])  # over 70 characters: 2 parts
    figures = tencent_figures(today_span())
    assert (figures.sent.requests, figures.sent.accepted, figures.sent.billed) == (5, 5, 6)
    assert figures.reports.accepted == 5
    assert figures.reports.reports == 5
    assert figures.reports.delivered + figures.reports.failed == 5
    assert figures.reports.failed == 2


def test_the_log_agrees_with_tencent_when_nothing_was_lost(sandbox):
    send(3)
    span = today_span()
    comparison = compare(tencent_figures(span), log_figures(span))
    lines = {line.key: (line.tencent, line.log) for line in comparison.lines}
    assert lines["requests"] == (3, 3)
    assert lines["accepted"] == (3, 3)
    assert lines["billed"] == (3, 3)
    # The log has no reports yet (nothing pulled): Tencent's 3 delivered differ from its 0.
    assert lines["delivered"] == (3, 0)
    assert [line.key for line in comparison.lines if line.differs] == ["delivered"]
    assert comparison.disagrees


def test_a_message_missing_from_the_log_is_marked(sandbox):
    logs = send(3)
    SmsLog.objects.filter(pk=logs[0].pk).delete()
    span = today_span()
    comparison = compare(tencent_figures(span), log_figures(span), 0.02)
    marked = {line.key for line in comparison.lines if line.differs}
    assert {"requests", "accepted", "billed"} <= marked


def test_figures_are_cached_per_period_and_account(sandbox, settings):
    send(1)
    span = today_span()
    assert cached_figures(span) is None
    first = tencent_figures(span)
    asked = len(sandbox.requests)
    send(1)
    assert tencent_figures(span) == first  # from the cache: no request
    assert len(sandbox.requests) == asked + 1  # the send only
    assert cached_figures(span) == first
    assert tencent_figures(span, refresh=True).sent.accepted == 2
    other = HourSpan(span.first - timedelta(hours=1), span.last)
    assert cached_figures(other) is None
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "SDK_APP_ID": "1400099999"}
    assert cached_figures(span) is None  # another account


def test_a_long_period_is_asked_in_spans_of_at_most_32_days(sandbox):
    send(2)
    now = datetime.now(timezone.utc)
    span = HourSpan.covering(now - timedelta(days=70), now + timedelta(hours=1))
    figures = tencent_figures(span)
    assert figures.sent.accepted == 2
    asked = [
        r for r in sandbox.requests if r.endpoint in ("pullsendstatus", "SendStatusStatistics")
    ]
    assert len(asked) == 3
    for request in asked:
        begin = request.json.get("begin_date", request.json.get("BeginTime"))
        end = request.json.get("end_date", request.json.get("EndTime"))
        first = datetime.strptime(str(begin), "%Y%m%d%H")
        last = datetime.strptime(str(end), "%Y%m%d%H")
        assert timedelta(0) <= last - first < timedelta(days=32)


def test_hours_are_china_time(sandbox):
    """A message sent at 23:30 UTC counts in the next China day's 07 o'clock hour."""
    span = HourSpan.covering(
        datetime(2026, 12, 2, 23, 30, tzinfo=timezone.utc),
        datetime(2026, 12, 3, 0, 30, tzinfo=timezone.utc),
    )
    assert (span.begin, span.end) == ("2026120307", "2026120308")
    assert span.start_instant == datetime(2026, 12, 3, 7, tzinfo=CHINA_TIME)
    assert span.end_instant == datetime(2026, 12, 3, 9, tzinfo=CHINA_TIME)


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ({"kind": "slow", "delay": 3}, "slow"),
        ({"kind": "http_error", "status": 502}, "unreachable"),
        ({"kind": "not_json"}, "invalid"),
        ({"kind": "drop"}, "unreachable"),
        ({"kind": "result", "result": 1001}, "refused"),
    ],
)
def test_failures_are_one_clear_error_and_nothing_is_cached(sandbox, fault, kind):
    sandbox.fail_next(**fault)
    span = today_span()
    with pytest.raises(FiguresUnavailable) as caught:
        tencent_figures(span, timeout=(0.5, 0.5))
    assert caught.value.kind == kind
    assert caught.value.message
    assert "sandbox-app-key" not in caught.value.message
    assert "sandbox-secret-key" not in caught.value.message
    assert cached_figures(span) is None


def test_backends_without_figures_say_so(db, settings):
    settings.TENCENT_SMS = {"BACKEND": "django_tencent_sms.backends.locmem.LocmemBackend"}
    with pytest.raises(FiguresUnavailable) as caught:
        tencent_figures(today_span())
    assert caught.value.kind == "unsupported"
    assert "LocmemBackend" in caught.value.message


def test_the_log_is_counted_in_one_query(sandbox):
    send(2)
    with CaptureQueriesContext(connection) as queries:
        figures = log_figures(today_span())
    assert len(queries) == 1
    assert (figures.requests, figures.accepted, figures.billed) == (2, 2, 2)


@pytest.mark.parametrize(
    ("tencent", "log", "allowed", "marked"),
    [
        (100, 100, 0.0, False),
        (100, 99, 0.0, True),
        (100, 98, 0.02, False),
        (100, 97, 0.02, True),
        (0, 1, 0.02, True),
        (0, 0, 0.0, False),
    ],
)
def test_the_tolerance_is_a_share_of_the_larger_figure(tencent, log, allowed, marked):
    assert differs(tencent, log, allowed) is marked
