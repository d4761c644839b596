"""The prepaid package balance: units left across unexpired packages, and when it is low.

:func:`fetch_balance` reads every package from Tencent and keeps the unexpired ones;
:func:`cached_balance` is the last answer (the admin's); :func:`check_low_balance` compares the
total with ``TENCENT_SMS["LOW_BALANCE"]`` and sends ``signals.low_balance`` when it is below.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from django_tencent_sms.account.fetching import cache_key, figures_backend, reading_tencent
from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.backends.http import Timeout
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.protocol.statistics import SmsPackage
from django_tencent_sms.signals import low_balance, notify

__all__ = [
    "Balance",
    "cached_balance",
    "check_low_balance",
    "fetch_balance",
    "low_balance_threshold",
]

#: Seconds a balance fetched for the admin is kept in Django's cache.
CACHE_TIMEOUT = 300


@dataclass(frozen=True)
class Balance:
    """The unexpired packages (soonest to expire first), their units left, and when read."""

    packages: tuple[SmsPackage, ...]
    total: int
    expired: int
    fetched_at: datetime

    def as_json(self) -> dict[str, object]:
        return {
            "total": self.total,
            "expired_packages": self.expired,
            "fetched_at": self.fetched_at.isoformat(),
            "packages": [p.as_json() for p in self.packages],
        }


def _key() -> str:
    return cache_key("balance")


def fetch_balance(
    *,
    backend: BaseBackend | None = None,
    timeout: Timeout | None = None,
    quick: bool = False,
    now: datetime | None = None,
) -> Balance:
    """Every package from Tencent, the expired ones left out; cached for the admin. Raises
    ``FiguresUnavailable`` when Tencent cannot be read."""
    now = now or timezone.now()
    with reading_tencent():
        owned = backend is None
        backend = backend or figures_backend(timeout, quick=quick)
        try:
            packages = backend.sms_packages()
        finally:
            if owned:
                backend.close()
    current = sorted(
        (p for p in packages if not p.is_expired(now)),
        key=lambda p: (p.expires_at is None, p.expires_at or now, p.package_id),
    )
    balance = Balance(
        tuple(current),
        sum(p.remaining for p in current),
        len(packages) - len(current),
        now,
    )
    with contextlib.suppress(Exception):  # a broken cache only costs the next fetch
        cache.set(_key(), balance, CACHE_TIMEOUT)
    return balance


def cached_balance() -> Balance | None:
    """The balance fetched in the last :data:`CACHE_TIMEOUT` seconds, if any."""
    try:
        value = cache.get(_key())
    except Exception:
        return None
    return value if isinstance(value, Balance) else None


def low_balance_threshold() -> int | None:
    """``TENCENT_SMS["LOW_BALANCE"]`` when it is a usable whole number, else ``None``."""
    value = sms_settings.LOW_BALANCE
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def check_low_balance(balance: Balance, threshold: int | None = None) -> bool:
    """Whether ``balance`` is below ``threshold`` (``LOW_BALANCE`` by default); when it is,
    ``signals.low_balance(sender=Balance, balance, threshold)`` is sent."""
    threshold = low_balance_threshold() if threshold is None else threshold
    if threshold is None or balance.total >= threshold:
        return False
    notify(low_balance, Balance, balance=balance, threshold=threshold)
    return True
