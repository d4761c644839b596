"""Refused requests are throttled too: an IP that keeps being refused is refused for a while.

Every ``CodeRequestRefused`` (a limit, a region, a number type) and every unusable number that
``send_code`` answers for a request is noted by the client's network (``otp.numbers.counted_ip``).
Once ``OTP["IP_REFUSAL_LIMIT"]`` refusals fall within the last hour, that network's requests are
refused with ``too_many_refusals`` before anything is written, counted or sent, until the
oldest of them leaves the hour: a script cannot probe the limits, or numbers, for free.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import Any

from django.db import router
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.exceptions import CodeRequestRefused
from django_tencent_sms.models import CodeRefusal
from django_tencent_sms.otp.limits import seconds_until

__all__ = ["REFUSAL_WINDOW", "check_refusals", "note_refusal"]

REFUSAL_WINDOW = timedelta(hours=1)


def _usable(ip: str | None) -> bool:
    if ip is None:
        return False
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        return False
    return True


def check_refusals(ip: str | None, conf: dict[str, Any], now: datetime) -> None:
    """``CodeRequestRefused(code="too_many_refusals")`` when ``ip`` was refused
    ``IP_REFUSAL_LIMIT`` times in the last hour. One query, reading at most that many rows."""
    limit = conf["IP_REFUSAL_LIMIT"]
    if limit is None or not _usable(ip):
        return
    # The limit-th newest refusal of the hour: while it is in the hour, the limit is reached.
    found = (
        CodeRefusal.objects.using(router.db_for_write(CodeRefusal))
        .filter(ip=ip, created_at__gt=now - REFUSAL_WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[limit - 1 : limit]
    )
    for since in found:
        raise CodeRequestRefused(
            _("Too many requests from your network were refused. Please try again later."),
            code="too_many_refusals",
            retry_after=seconds_until(since + REFUSAL_WINDOW - now),
        )


def note_refusal(ip: str | None, conf: dict[str, Any], now: datetime) -> None:
    """Count a refusal against ``ip`` (nothing without an IP, or with the throttle off)."""
    if ip is None or conf["IP_REFUSAL_LIMIT"] is None or not _usable(ip):
        return
    CodeRefusal.objects.using(router.db_for_write(CodeRefusal)).create(ip=ip, created_at=now)
