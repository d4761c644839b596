"""Per-region daily caps on codes (``OTP["REGION_DAILY_LIMITS"]``), against SMS pumping.

Pumping concentrates on a few expensive destinations; ``{"CN": None, "*": 50}`` lets the
numbers of the regions a site serves go uncapped and stops any other region at 50 codes a
local calendar day (each its own 50). Counted like the site's ``DAILY_LIMIT``: every code
created since local midnight, failed ones included, the new one too, at most ``cap + 1`` rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from django_tencent_sms.exceptions import CodeRequestRefused
from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp.limits import DAY, day_start, seconds_until

__all__ = ["enforce_region_limit", "region_cap"]


def region_cap(region: str, conf: dict[str, Any]) -> int | None:
    """The day's cap on codes to ``region``'s numbers, or None."""
    limits = conf["REGION_DAILY_LIMITS"]
    if not limits:
        return None
    return limits[region] if region in limits else limits.get("*")


def enforce_region_limit(record: VerificationCode, conf: dict[str, Any], now: datetime) -> None:
    """``CodeRequestRefused(code="region_daily_limit")`` when ``record`` (already written) is
    past its region's cap today. No query without a cap."""
    cap = region_cap(record.region, conf)
    if cap is None:
        return
    midnight = day_start(now)
    today = (
        VerificationCode._base_manager.using(record._state.db)
        .filter(region=record.region, created_at__gte=midnight)
        .order_by()
        .values_list("pk", flat=True)[: cap + 1]
    )
    if len(today) > cap:
        raise CodeRequestRefused(
            _("No more codes can be sent to numbers in this country or region today."),
            code="region_daily_limit",
            retry_after=seconds_until(midnight + DAY - now),
        )
