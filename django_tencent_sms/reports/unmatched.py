"""Delivery reports for unknown sids: kept for ``UNMATCHED_REPORT_DAYS``, applied once matched.

A report naming a sid no log has is usually a send whose answer was lost (the log is
``unknown``, without its sid); Tencent reports it anyway. It is kept here instead of dropped,
and applied when reconciliation (``account.reconcile``) finds the log's sid, or purged when
older than the setting's days. Replays of a kept report are kept once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.models import UnmatchedReport
from django_tencent_sms.protocol.reports import (
    MAX_CODE_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    DeliveryReport,
)
from django_tencent_sms.protocol.text import printable

__all__ = ["keep_days", "keep_unmatched", "kept_reports", "purge_unmatched"]

logger = logging.getLogger("django_tencent_sms")


def keep_days() -> int:
    """``TENCENT_SMS["UNMATCHED_REPORT_DAYS"]``: a whole number of days, 0 or more."""
    value = sms_settings.UNMATCHED_REPORT_DAYS
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 3650:
        raise ConfigurationError(
            "TENCENT_SMS['UNMATCHED_REPORT_DAYS'] must be a whole number of days (0 to 3650), "
            f"not {value!r}."
        )
    return value


def _row(report: DeliveryReport, now: datetime) -> UnmatchedReport:
    return UnmatchedReport(
        sid=report.sid,
        delivered=report.delivered,
        report_code=printable(report.code, MAX_CODE_LENGTH),
        report_description=printable(report.description, MAX_DESCRIPTION_LENGTH),
        delivered_at=report.received_at,
        nationcode=printable(report.nationcode, 4),
        mobile=printable(report.mobile, 17),
        session_context=printable(report.session_context, 1000),
        kept_at=now,
    )


def keep_unmatched(reports: Iterable[DeliveryReport], *, now: datetime | None = None) -> int:
    """Keep ``reports`` (for sids no log has) unless kept already; how many were new. Never
    raises for the database: a report that cannot be kept is logged, as dropping it was."""
    reports = list(reports)
    try:
        days = keep_days()
    except ConfigurationError as exc:
        logger.error("%s Reports for unknown sids are not kept.", exc)
        return 0
    if not reports or days == 0:
        return 0
    now = now or timezone.now()
    try:
        with transaction.atomic():
            kept = set(
                UnmatchedReport.objects.filter(sid__in={r.sid for r in reports}).values_list(
                    "sid", "delivered", "delivered_at"
                )
            )
            new: dict[tuple[object, ...], UnmatchedReport] = {}
            for report in reports:
                key = (report.sid, report.delivered, report.received_at)
                if key not in kept:
                    new.setdefault(key, _row(report, now))
            UnmatchedReport.objects.bulk_create(new.values())
    except DatabaseError as exc:
        logger.error("Reports for unknown sids could not be kept: %s", printable(str(exc)))
        return 0
    return len(new)


def kept_reports(sid: str) -> list[DeliveryReport]:
    """The reports kept for ``sid``, as reports."""
    return [
        DeliveryReport(
            sid=row.sid,
            delivered=row.delivered,
            code=row.report_code,
            description=row.report_description,
            received_at=row.delivered_at,
            nationcode=row.nationcode,
            mobile=row.mobile,
            session_context=row.session_context,
        )
        for row in UnmatchedReport.objects.filter(sid=sid).order_by("pk")
    ]


def purge_unmatched(*, now: datetime | None = None) -> int:
    """Delete the reports kept for longer than the setting's days; how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=keep_days())
    deleted, _ = UnmatchedReport.objects.filter(kept_at__lt=cutoff).delete()
    return deleted
