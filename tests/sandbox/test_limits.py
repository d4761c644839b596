"""Per-number frequency limits (``limits.py``, results 1023, 1024, 1025) on the legacy API.

No Django needed. No test sleeps to wait for time; the clock is faked.
"""

from __future__ import annotations

import pytest

from django_tencent_sms.sandbox import FrequencyLimits, Sandbox
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
    assert FrequencyLimits() == FrequencyLimits(per_30s=1, per_hour=5, per_day=10)
    with pytest.raises(ValueError):
        FrequencyLimits(per_30s=-1)
    with pytest.raises(ValueError):
        FrequencyLimits(per_day=True)
    with pytest.raises(TypeError):
        Sandbox().limits = (1, 5, 10)
