"""Stuck rows in the send log: the "stuck" filter and the mark next to their status."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.recover import (
    DEFAULT_STALE_AFTER,
    is_stale,
    stale_after,
    stale_condition,
)

__all__ = ["StaleFilter", "stale_mark"]


def _seconds() -> int:
    try:
        return stale_after()
    except ConfigurationError:  # manage.py check says so; the admin still shows the log
        return DEFAULT_STALE_AFTER


class StaleFilter(admin.SimpleListFilter):
    """Rows still queued, sending or pending after ``TENCENT_SMS["STALE_AFTER"]`` seconds."""

    title = _("stuck")
    parameter_name = "stuck"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", _("Stuck in progress"))]

    def queryset(self, request: Any, queryset: Any) -> Any:
        if self.value() == "1":
            return queryset.filter(stale_condition(timezone.now() - timedelta(seconds=_seconds())))
        return queryset


def stale_mark(log: SmsLog) -> str:
    """A mark for a stuck row (empty for the others), saying what to do about it."""
    if not is_stale(log, timezone.now(), _seconds()):
        return ""
    return format_html(
        ' <span class="tencent-sms-stuck" title="{}">{}</span>',
        _(
            "Still in progress long after it should have finished: its process may have died "
            "or its task was lost. manage.py tencent_sms_recover marks it unknown or queues it "
            "again."
        ),
        _("stuck"),
    )
