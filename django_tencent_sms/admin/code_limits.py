"""A number's code limits in the admin: which numbers are at a cap, and clearing them.

Someone who spends a number's codes locks its owner out until the codes leave the window. The
filter "At its limit" lists the codes of the numbers at their hourly or daily cap
(``OTP["PHONE_HOURLY_LIMIT"]``, ``OTP["PHONE_DAILY_LIMIT"]``); staff with the
``clear_code_limits`` permission clear the limits of the selected codes' numbers: their codes of
the last day stop counting against the number's cooldown and caps (they are kept, and still
count against the client's and the site's limits). Each clearing is in the admin's history.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import service as otp
from django_tencent_sms.otp.conf import usable_limit

__all__ = ["AtLimitFilter", "clear_limits", "numbers_at_limit"]

WINDOWS = {
    "hour": (timedelta(hours=1), "PHONE_HOURLY_LIMIT"),
    "day": (timedelta(days=1), "PHONE_DAILY_LIMIT"),
}


def numbers_at_limit(which: str) -> QuerySet[Any] | None:
    """The numbers whose counted codes of the last hour or day (``which``) reached their cap,
    as a subquery of ``phone`` values; None when that cap is off."""
    window, key = WINDOWS[which]
    limit = usable_limit(key)
    if limit is None:
        return None
    return (
        VerificationCode.objects.filter(
            created_at__gt=otp.clock() - window, uncounted_at__isnull=True
        )
        .order_by()
        .values("phone")
        .annotate(n=Count("pk"))
        .filter(n__gte=limit)
        .values("phone")
    )


class AtLimitFilter(admin.SimpleListFilter):
    """The codes of the numbers at their hourly or daily cap now."""

    title = _("number at its limit")
    parameter_name = "at_limit"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("day", _("At its daily limit")), ("hour", _("At its hourly limit"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        which = self.value()
        if which not in WINDOWS:
            return queryset
        phones = numbers_at_limit(which)
        if phones is None:
            return queryset.none()
        window = WINDOWS[which][0]
        return queryset.filter(
            Q(phone__in=phones),
            created_at__gt=otp.clock() - window,
            uncounted_at__isnull=True,
        )


@admin.action(description=_("Clear the code limits of these numbers"), permissions=["clear_limits"])
def clear_limits(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    """Stop the selected codes' numbers' codes of the last day counting against them."""
    now = otp.clock()
    phones = set(queryset.values_list("phone", flat=True))
    cleared = VerificationCode.objects.filter(
        phone__in=phones, created_at__gt=now - timedelta(days=1), uncounted_at__isnull=True
    )
    newest = {code.phone: code for code in cleared.order_by("created_at")}
    cleared.update(uncounted_at=now)
    for code in newest.values():
        modeladmin.log_change(request, code, [{"changed": {"fields": ["uncounted_at"]}}])
    modeladmin.message_user(
        request,
        ngettext(
            "The code limits of %(count)d number were cleared.",
            "The code limits of %(count)d numbers were cleared.",
            len(newest),
        )
        % {"count": len(newest)},
        messages.SUCCESS,
    )
