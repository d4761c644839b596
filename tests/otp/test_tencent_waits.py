"""How long Tencent's frequency refusals last (``otp.tencent_waits``): a pure function."""

from datetime import datetime, timezone

import pytest

from django_tencent_sms.otp.tencent_waits import tencent_wait

UTC = timezone.utc


@pytest.mark.parametrize(
    ("result", "now", "wait"),
    [
        (1023, datetime(2026, 1, 1, 12, 0, tzinfo=UTC), 30),
        (1024, datetime(2026, 1, 1, 12, 0, tzinfo=UTC), 3600),
        # The day is China's: 15:59:30 UTC is 23:59:30 there, 30 s before the limit lifts.
        (1025, datetime(2026, 1, 1, 15, 59, 30, tzinfo=UTC), 30),
        (1026, datetime(2026, 1, 1, 16, 0, 0, tzinfo=UTC), 24 * 3600),
        (1022, datetime(2026, 1, 1, 15, 59, 59, 500000, tzinfo=UTC), 1),
        (1047, datetime(2026, 1, 1, 4, 0, tzinfo=UTC), 12 * 3600),
        (1013, datetime(2026, 1, 1, 4, 0, tzinfo=UTC), 45),  # unknown length: the fallback
        (None, datetime(2026, 1, 1, 4, 0, tzinfo=UTC), 45),
    ],
)
def test_the_wait_until_tencent_lets_a_message_through(result, now, wait):
    assert tencent_wait(result, now, 45) == wait


def test_the_fallback_is_at_least_a_second():
    assert tencent_wait(1013, datetime(2026, 1, 1, tzinfo=UTC), 0) == 1
