"""The limits on sending codes: which one refuses a new code, and how long until it would not.

A cooldown per number and purpose (held only by a code that can still be used), caps per
number and per client IP over a rolling hour and day, and a site-wide budget per local calendar
day. ``enforce_limits`` counts the recent codes with the new one included (its row is already
written), so two racing requests cannot both slip under a limit, and raises
``CodeRequestRefused`` with the refusal's stable ``code`` and its
``retry_after``.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from django_tencent_sms.exceptions import CodeRequestRefused
from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp.queries import CodeQueries, Window
from django_tencent_sms.signals import daily_limit_reached, notify

__all__ = ["CAP_MESSAGES", "day_start", "enforce_limits"]

HOUR, DAY = timedelta(hours=1), timedelta(days=1)

CAP_MESSAGES = {
    "phone_hourly_limit": _("Too many codes were sent to this number in the last hour."),
    "phone_daily_limit": _("Too many codes were sent to this number today."),
    "ip_hourly_limit": _("Too many codes were requested from your network in the last hour."),
    "ip_daily_limit": _("Too many codes were requested from your network today."),
}

#: The per-number refusals, with the wait: whoever spent a number's codes must not leave its
#: owner wondering for how long.
WAIT_MESSAGES = {
    "phone_hourly_limit": _(
        "Too many codes were sent to this number in the last hour. You can ask again in %(wait)s."
    ),
    "phone_daily_limit": _(
        "Too many codes were sent to this number today. You can ask again in %(wait)s."
    ),
}

#: Each cap: the count it compares (``LimitCounts``), what it counts by, its window, its code
#: (which, upper-cased, is also its setting).
CAPS = (
    ("phone_hour", "phone", HOUR, "phone_hourly_limit"),
    ("phone_day", "phone", DAY, "phone_daily_limit"),
    ("ip_hour", "ip", HOUR, "ip_hourly_limit"),
    ("ip_day", "ip", DAY, "ip_daily_limit"),
)


def day_start(now: datetime) -> datetime:
    """Midnight starting the budget's day: in the site's ``TIME_ZONE``, not the visitor's."""
    if timezone.is_aware(now):
        now = timezone.localtime(now, timezone.get_default_timezone())
    # A naive time (USE_TZ = False) is already the site's local time.
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def seconds_until(delta: timedelta) -> int:
    """A wait in whole seconds, at least one."""
    return max(1, math.ceil(delta.total_seconds()))


def cooling_code(
    record: VerificationCode, conf: dict[str, Any], now: datetime, queries: CodeQueries
) -> datetime | None:
    """When the newest other code that holds the cooldown was created, or None: only a code
    that can still be used holds it. A code killed by wrong tries (or used, or expired) lets
    its number ask again at once; the caps and the budget still count it."""
    interval = timedelta(seconds=conf["RESEND_INTERVAL"])
    return (
        VerificationCode._base_manager.using(record._state.db or queries.using())
        .filter(
            phone=record.phone,
            purpose=record.purpose,
            created_at__gt=now - interval,
            uncounted_at__isnull=True,  # as the cooldown counts them
            used_at__isnull=True,
            superseded_at__isnull=True,
            expires_at__gt=now,
            attempts__lt=conf["MAX_ATTEMPTS"],
        )
        .exclude(state=VerificationCode.State.FAILED)
        .exclude(pk=record.pk)
        .aggregate(since=Max("created_at"))["since"]
    )


def enforce_limits(
    record: VerificationCode,
    conf: dict[str, Any],
    now: datetime,
    *,
    queries: CodeQueries,
    request: HttpRequest | None = None,
    number_caps: bool = True,
) -> None:
    """Count the recent codes, ``record`` included, and refuse when one is over a limit.

    The cooldown is looked at first, then the caps, then the day's budget (whose refusal also
    sends ``daily_limit_reached``). ``number_caps=False`` skips the per-number caps (a passed
    challenge stands in for them).
    """
    interval = timedelta(seconds=conf["RESEND_INTERVAL"])
    budget = conf["DAILY_LIMIT"]
    counts = queries.limit_counts(
        record,
        Window(
            now=now,
            interval=interval,
            count_ip=bool(conf["IP_HOURLY_LIMIT"] or conf["IP_DAILY_LIMIT"]),
            budget=budget,
            midnight=day_start(now),
        ),
    )
    since = (
        cooling_code(record, conf, now, queries) if interval and counts["cooldown"] > 1 else None
    )
    if since is not None:
        wait = seconds_until(since + interval - now)
        raise CodeRequestRefused(
            ngettext_lazy(
                "Please wait %(seconds)d second before asking for another code.",
                "Please wait %(seconds)d seconds before asking for another code.",
                "seconds",
            ),
            code="cooldown",
            retry_after=wait,
            params={"seconds": wait},
        )
    for counted, by, window, code in CAPS:
        if by == "phone" and not number_caps:
            continue
        limit = conf[code.upper()]
        if limit is not None and counts[counted] > limit:
            # When the oldest counted code leaves the window, one fewer is counted.
            since = queries.oldest_since(record, by, now - window)
            lifts = seconds_until(since + window - now) if since else None
            if lifts is not None and code in WAIT_MESSAGES:
                raise CodeRequestRefused(
                    WAIT_MESSAGES[code],
                    code=code,
                    retry_after=lifts,
                    params={"wait": timeuntil(now + timedelta(seconds=lifts), now, depth=2)},
                )
            raise CodeRequestRefused(CAP_MESSAGES[code], code=code, retry_after=lifts)
    if budget is not None and counts["today"] > budget:
        notify(daily_limit_reached, VerificationCode, limit=budget, request=request)
        raise CodeRequestRefused(
            _("No more codes can be sent today. Please try again tomorrow."),
            code="daily_limit",
            retry_after=seconds_until(day_start(now) + DAY - now),
        )
