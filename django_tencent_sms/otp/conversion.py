"""Codes verified per code sent, over a sliding window: ``code_conversion_low`` when it drops.

People who ask for a code enter it; a pumping script never does. With
``OTP["CONVERSION_MIN_RATE"]`` set, every ``CONVERSION_MIN_CODES``-th code sent within the last
``CONVERSION_WINDOW`` seconds has the window looked at (one query over the ``created_at``
index). Only codes whose ``TTL`` is over are judged (a younger one may still be entered): when
at least ``CONVERSION_MIN_CODES`` of them were sent and fewer than ``CONVERSION_MIN_RATE`` of
them were verified, ``code_conversion_low`` is sent, for a receiver to page someone or tighten
the limits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q

from django_tencent_sms.models import VerificationCode
from django_tencent_sms.signals import code_conversion_low, notify

__all__ = ["ConversionStatus", "conversion", "watch_conversion"]

State = VerificationCode.State


class ConversionStatus(dict):
    """``sent`` (codes sent in the window whose TTL is over), ``verified`` (how many of them
    were entered), ``rate`` (verified / sent; 1.0 with none), ``window`` (seconds); and
    ``recent``: every code sent in the window."""


def conversion(now: datetime, window: int, ttl: int, using: str | None = None) -> ConversionStatus:
    """The codes sent (or maybe sent) in the ``window`` seconds before ``now``, and how many of
    those older than ``ttl`` seconds were verified."""
    settled = Q(created_at__lte=now - timedelta(seconds=ttl))
    found = (
        VerificationCode._base_manager.using(using)
        .filter(
            created_at__gt=now - timedelta(seconds=window),
            state__in=[State.SENT, State.UNKNOWN],
        )
        .aggregate(
            recent=Count("pk"),
            sent=Count("pk", filter=settled),
            verified=Count("pk", filter=settled & Q(used_at__isnull=False)),
        )
    )
    sent, verified = found["sent"], found["verified"]
    return ConversionStatus(
        sent=sent,
        verified=verified,
        rate=verified / sent if sent else 1.0,
        window=window,
        recent=found["recent"],
    )


def watch_conversion(record: VerificationCode, conf: dict[str, Any], now: datetime) -> None:
    """After ``record`` was sent: look at the window on every ``CONVERSION_MIN_CODES``-th
    code, and signal when its conversion is below ``CONVERSION_MIN_RATE``."""
    threshold = conf["CONVERSION_MIN_RATE"]
    if threshold is None:
        return
    every = conf["CONVERSION_MIN_CODES"]
    status = conversion(now, conf["CONVERSION_WINDOW"], conf["TTL"], using=record._state.db)
    recent = status.pop("recent")
    if recent % every or status["sent"] < every:
        return
    if status["rate"] < threshold:
        notify(code_conversion_low, VerificationCode, threshold=threshold, **status)
