"""How much of today's site-wide verification-code budget (``OTP["DAILY_LIMIT"]``) is used.

The day is the site's calendar day (``settings.TIME_ZONE``), counted the way ``otp.send_code``
counts it before refusing with ``daily_limit``: every code created since local midnight, failed
ones included, at most ``DAILY_LIMIT`` rows read.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import service as otp
from django_tencent_sms.otp.conf import usable_limit
from django_tencent_sms.otp.limits import day_start

__all__ = ["BudgetStatus", "daily_limit", "otp_budget_status"]


@dataclasses.dataclass(frozen=True)
class BudgetStatus:
    """Today's use of the budget. ``used`` is counted up to ``limit``, never past it."""

    limit: int
    used: int
    day_start: datetime
    resets_at: datetime
    time_zone: str

    @property
    def exhausted(self) -> bool:
        """True when ``send_code`` refuses every request until ``resets_at``."""
        return self.used >= self.limit


def daily_limit() -> int | None:
    """``OTP["DAILY_LIMIT"]`` when it is a usable budget, else None. A bad value is the
    system checks' to report (and ``send_code``'s to refuse); a page showing the budget does
    not fail over it."""
    return usable_limit("DAILY_LIMIT")


def otp_budget_status(now: datetime | None = None) -> BudgetStatus | None:
    """Today's budget use; None, without a query, when there is no budget.

    One query, reading at most ``limit`` rows through the ``created_at`` index. ``now``
    defaults to the OTP service's clock (``otp.clock``).
    """
    limit = daily_limit()
    if limit is None:
        return None
    now = otp.clock() if now is None else now
    midnight = day_start(now)
    used = (
        VerificationCode.objects.filter(created_at__gte=midnight)
        .order_by()[:limit]
        .aggregate(n=Count("pk"))["n"]
    )
    return BudgetStatus(
        limit=limit,
        used=used,
        day_start=midnight,
        resets_at=midnight + timedelta(days=1),
        time_zone=timezone.get_default_timezone_name(),
    )
