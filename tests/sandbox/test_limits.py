"""Frequency limits (``limits.py``, results 1023, 1024, 1025, 1047) on the legacy API.

No Django needed. No test sleeps to wait for time; the clock is faked.
"""

from __future__ import annotations

import pytest

from django_tencent_sms.sandbox import FrequencyLimits, Sandbox
from django_tencent_sms.sandbox.limits import FrequencyCounter
from tests.sandbox.helpers import (
    SEED_MOBILE,
    SEED_TIME,
    make_body,
    seed_sandbox_fixtures,
    send,
)

clock, sandbox = seed_sandbox_fixtures()


def test_1023_per_30_seconds(sandbox, clock):
    sandbox.limits = FrequencyLimits(per_30s=1, per_hour=5, per_day=10)
    assert send(sandbox, make_body(sandbox))["result"] == 0
    clock.advance(29)
    assert send(sandbox, make_body(sandbox))["result"] == 1023
    assert send(sandbox, make_body(sandbox, mobile="13788888889"))["result"] == 0
    clock.advance(1)
    assert send(sandbox, make_body(sandbox))["result"] == 0
    assert [m.mobile for m in sandbox.messages] == [SEED_MOBILE, "13788888889", SEED_MOBILE]


def test_1024_per_hour_counts_accepted_sends_only(sandbox, clock):
    sandbox.limits = FrequencyLimits(per_30s=1, per_hour=5, per_day=10)
    for _ in range(5):
        assert send(sandbox, make_body(sandbox))["result"] == 0
        assert send(sandbox, make_body(sandbox))["result"] == 1023  # refused: not counted
        clock.advance(31)
    assert send(sandbox, make_body(sandbox))["result"] == 1024
    clock.now = SEED_TIME + 3599
    assert send(sandbox, make_body(sandbox))["result"] == 1024
    clock.now = SEED_TIME + 3600  # the first send leaves the hour
    assert send(sandbox, make_body(sandbox))["result"] == 0
    assert len(sandbox.messages) == 6


def test_1025_per_calendar_day_in_china_time(sandbox, clock):
    sandbox.limits = FrequencyLimits(per_30s=None, per_hour=None, per_day=3)
    china_midnight = 1704124800  # 2024-01-02 00:00 in China = 2024-01-01 16:00 UTC
    clock.now = china_midnight - 120
    for _ in range(3):
        assert send(sandbox, make_body(sandbox))["result"] == 0
    assert send(sandbox, make_body(sandbox))["result"] == 1025
    clock.now = china_midnight - 1
    assert send(sandbox, make_body(sandbox))["result"] == 1025
    clock.now = china_midnight  # a new day in China, the same day in UTC
    assert send(sandbox, make_body(sandbox))["result"] == 0


def test_limits_off_by_default_and_reset_clears_the_counters(sandbox, clock):
    for _ in range(12):
        assert send(sandbox, make_body(sandbox))["result"] == 0
    sandbox.limits = FrequencyLimits(per_30s=None, per_hour=None, per_day=10)
    assert send(sandbox, make_body(sandbox))["result"] == 1025  # counted while off
    sandbox.reset()
    assert send(sandbox, make_body(sandbox))["result"] == 0
    sandbox.limits = None
    assert sandbox.limits is None


def test_frequency_limits_validate():
    assert FrequencyLimits() == FrequencyLimits(1, None, 2, 100)
    with pytest.raises(ValueError):
        FrequencyLimits(per_30s=-1)
    with pytest.raises(ValueError):
        FrequencyLimits(per_day=True)
    with pytest.raises(TypeError):
        Sandbox().limits = (1, 5, 10)


def test_defaults_are_tencents_console_defaults():
    limits = FrequencyLimits()
    assert (limits.per_30s, limits.per_hour, limits.per_day) == (1, None, 2)
    assert limits.international_per_day == 100


def test_by_default_the_third_send_in_a_china_day_is_refused(sandbox, clock):
    sandbox.limits = FrequencyLimits()
    china_midnight = 1704124800  # 2024-01-02 00:00 in China
    clock.now = china_midnight - 3600
    assert send(sandbox, make_body(sandbox, params=["1111"]))["result"] == 0
    clock.advance(60)
    assert send(sandbox, make_body(sandbox, params=["2222"]))["result"] == 0
    clock.advance(60)
    assert send(sandbox, make_body(sandbox, params=["3333"]))["result"] == 1025
    clock.now = china_midnight
    assert send(sandbox, make_body(sandbox, params=["3333"]))["result"] == 0


def test_by_default_only_the_same_content_is_held_for_30_seconds(sandbox, clock):
    sandbox.limits = FrequencyLimits()
    assert send(sandbox, make_body(sandbox, params=["1111"]))["result"] == 0
    clock.advance(29)
    assert send(sandbox, make_body(sandbox, params=["1111"]))["result"] == 1023
    assert send(sandbox, make_body(sandbox, params=["2222"]))["result"] == 0  # other content
    assert [m.params for m in sandbox.messages] == [["1111"], ["2222"]]


def test_1047_the_applications_international_daily_cap(sandbox, clock):
    sandbox.limits = FrequencyLimits(per_30s=None, per_day=None, international_per_day=2)
    china_midnight = 1704124800
    clock.now = china_midnight - 60
    uk = ("7400123456", "7400123457", "7400123458")
    for mobile in uk[:2]:
        assert send(sandbox, make_body(sandbox, nationcode="44", mobile=mobile))["result"] == 0
    refused = send(sandbox, make_body(sandbox, nationcode="44", mobile=uk[2]))
    assert refused["result"] == 1047
    assert send(sandbox, make_body(sandbox))["result"] == 0  # domestic numbers do not count
    clock.now = china_midnight
    assert send(sandbox, make_body(sandbox, nationcode="44", mobile=uk[2]))["result"] == 0


def test_the_default_international_cap_is_100_a_day():
    counter, limits, now = FrequencyCounter(), FrequencyLimits(), float(SEED_TIME)
    for i in range(100):
        assert counter.refusal(("1", f"20255501{i:02d}"), now, limits) is None
        counter.record(("1", f"20255501{i:02d}"), now)
    assert counter.refusal(("44", "7400123456"), now, limits) == 1047
    assert counter.refusal(("86", SEED_MOBILE), now, limits) is None
    assert counter.refusal(("44", "7400123456"), now, None) is None
