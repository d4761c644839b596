"""The dashboard's "Tencent's figures" section: Tencent's counts beside the log's, and the balance.

Nothing is asked of Tencent while the page renders, except when the person asks
(``?tencent=fetch``, the "Fetch from Tencent" button): then the figures of the period and the
package balance are fetched with a short timeout and kept in the cache for five minutes, and
every later view of the same period shows them from there. Whatever goes wrong (a backend that
cannot fetch, Tencent slow, unreachable or refusing) becomes a notice on the page.
"""

from __future__ import annotations

from datetime import date, datetime
from datetime import timezone as dt_timezone
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import urlencode

from django_tencent_sms.account.balance import cached_balance, fetch_balance, low_balance_threshold
from django_tencent_sms.account.fetching import FiguresUnavailable
from django_tencent_sms.account.statistics import (
    cached_figures,
    compare,
    log_figures,
    tencent_figures,
)
from django_tencent_sms.admin.stats import day_bounds
from django_tencent_sms.models import SmsLog
from django_tencent_sms.protocol.statistics import HourSpan

__all__ = ["FETCH_PARAMETER", "account_context"]

#: ``?tencent=fetch`` asks Tencent; any other value is ignored.
FETCH_PARAMETER = "tencent"
FETCH_VALUE = "fetch"
#: Failures after which the balance is not asked for in the same view.
_NOT_AGAIN = frozenset({"unsupported", "misconfigured", "slow", "unreachable"})


def _aware(moment: datetime) -> datetime:
    if timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment, timezone.get_default_timezone() or dt_timezone.utc)


def account_context(
    request: HttpRequest, queryset: QuerySet[SmsLog], start: date, end: date, tz: Any
) -> dict[str, Any]:
    """What the template's section needs for the local days ``start`` to ``end``."""
    low, high = day_bounds(start, end, tz)
    span = HourSpan.covering(_aware(low), _aware(high))
    fetch = request.GET.get(FETCH_PARAMETER) == FETCH_VALUE
    problem = balance_problem = None
    figures = cached_figures(span)
    balance = cached_balance()
    if fetch:
        try:
            figures = tencent_figures(span, quick=True)
        except FiguresUnavailable as exc:
            problem = exc
        if problem is not None and problem.kind in _NOT_AGAIN:
            balance_problem = problem  # asking again would only wait as long once more
        else:
            try:
                balance = fetch_balance(quick=True)
            except FiguresUnavailable as exc:
                balance_problem = exc
    comparison = compare(figures, log_figures(span, queryset)) if figures is not None else None
    threshold = low_balance_threshold()
    query = {"start": start.isoformat(), "end": end.isoformat(), FETCH_PARAMETER: FETCH_VALUE}
    return {
        "tencent_span": span,
        "tencent_span_start": span.start_instant,
        "tencent_span_end": span.end_instant,
        "tencent_fetch_query": "?" + urlencode(query),
        "tencent_comparison": comparison,
        "tencent_problem": problem,
        "tencent_balance": balance,
        "tencent_balance_problem": balance_problem,
        "tencent_balance_low": (
            balance is not None and threshold is not None and balance.total < threshold
        ),
        "tencent_low_balance": threshold,
    }
