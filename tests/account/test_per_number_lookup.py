"""A number's delivery records and replies, asked from the emulator over a real socket with both
backends (``pullstatus4mobile``; ``PullSms…StatusByPhoneNumber``), paging included."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from django_tencent_sms import send_sms
from django_tencent_sms.account.per_number import lookup_number
from django_tencent_sms.backends import get_backend
from django_tencent_sms.backends.console import ConsoleBackend
from django_tencent_sms.exceptions import InvalidResponse, TencentSmsError

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"
OTHER = "+8613711113333"


def now() -> datetime:
    return datetime.now(timezone.utc)


def test_a_numbers_reports_come_back_with_their_sids(sandbox):
    mine = [send_sms(PHONE, "note", [f"A{i}"]) for i in range(3)]
    send_sms(OTHER, "note", ["B"])
    batch = get_backend().number_reports(PHONE, now() - timedelta(hours=1), now())
    assert [r.sid for r in batch.items] == [log.sid for log in mine]
    assert all(r.delivered and r.code == "DELIVRD" and r.phone == PHONE for r in batch.items)
    # A lookup, not a queue: asking again answers again, and the pull queue is untouched.
    again = get_backend().number_reports(PHONE, now() - timedelta(hours=1), now())
    assert [r.sid for r in again.items] == [log.sid for log in mine]
    assert len(sandbox.pending_reports) == 4


def test_the_window_and_the_limit_are_kept(sandbox):
    send_sms(PHONE, "note", ["A"])
    backend = get_backend()
    assert (
        backend.number_reports(PHONE, now() - timedelta(hours=2), now() - timedelta(hours=1)).items
        == ()
    )
    assert (
        len(
            backend.number_reports(
                PHONE, now() - timedelta(hours=1), now() + timedelta(seconds=5), 1
            ).items
        )
        == 1
    )


def test_replies_of_a_number(sandbox):
    sandbox.reply(PHONE, "退订")
    sandbox.reply(OTHER, "hello")
    batch = get_backend().number_replies(
        PHONE, now() - timedelta(hours=1), now() + timedelta(seconds=5)
    )
    assert [(r.phone, r.text) for r in batch.items] == [(PHONE, "退订")]


def test_every_page_is_read(sandbox):
    """250 records for one number: three requests of at most 100, none lost, none twice."""
    start = int(now().timestamp()) - 200
    fake = [float(start)]
    clock, sandbox.clock = sandbox.clock, lambda: fake[0]
    try:
        sids = []
        for i in range(250):
            fake[0] = start + i // 2  # two records per second: pages end inside a second
            sids.append(send_sms(PHONE, "note", [f"A{i}"]).sid)
        fake[0] = start + 200
        begin = datetime.fromtimestamp(start, timezone.utc)
        end = begin + timedelta(seconds=200)
        found = lookup_number(get_backend(), PHONE, begin, end, now=end)
    finally:
        sandbox.clock = clock
    assert found.complete and found.requests == 3
    assert sorted(r.sid for r in found.items) == sorted(sids)


def test_more_than_seven_days_back_is_clamped(sandbox):
    send_sms(PHONE, "note", ["A"])
    found = lookup_number(
        get_backend(), PHONE, now() - timedelta(days=30), now() + timedelta(seconds=5)
    )
    assert found.begin > now() - timedelta(days=7) and len(found.items) == 1


def test_tencent_refuses_more_than_seven_days_back(sandbox):
    with pytest.raises(TencentSmsError):
        get_backend().number_reports(PHONE, now() - timedelta(days=8), now())


def test_an_error_envelope_and_garbage_raise(sandbox):
    backend = get_backend()
    sandbox.fail_next("result", result=1001)
    with pytest.raises(TencentSmsError):
        backend.number_reports(PHONE, now() - timedelta(hours=1), now())
    sandbox.fail_next("not_json")
    with pytest.raises(InvalidResponse):
        backend.number_reports(PHONE, now() - timedelta(hours=1), now())


def test_backends_that_cannot_look_up_say_so():
    backend = ConsoleBackend()
    assert not backend.can_lookup_number
    with pytest.raises(NotImplementedError, match="cannot look up"):
        backend.number_reports(PHONE, now(), now())
