"""``unknown`` send logs reconciled with Tencent's per-number records, when a match is certain.

A send whose answer was lost (a timeout, a broken connection) is logged ``unknown`` without a
sid. Tencent may have taken it: then it has a delivery report for that number, dated shortly
after the send. For each such log (newest first, ``limit`` at most), this asks Tencent for the
number's reports from ``SKEW`` before the log was written to ``AFTER`` later, and takes a
report as the log's only when all of these hold:

1. the report is for the log's number, dated from ``SKEW`` before the log to ``AFTER`` after
   it, and its sid belongs to no log;
2. its ``SessionContext``, when it has one, is the log's ``ext`` (API 3.0);
3. it is the only report in the window meeting 1 and 2 (two could be it: no guess);
4. the log is the only one of this number, without a sid and not refused by Tencent
   (``failed``) or still ``queued``, written from ``AFTER`` before the report to ``SKEW`` after
   it (another could own it: no guess);
5. the lookup saw every page of the window, and could read every record on them.

A match records the sid and result 0 on the log (Tencent took the message; the fee is not in
Tencent's records, so it stays unknown), then applies the report exactly as a callback would
(``reports.apply``), with any report kept for that sid (``reports.unmatched``). Nothing is ever
sent. Tencent refusing or not answering costs only that log's turn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from django_tencent_sms.account.per_number import lookup_number, oldest_reachable
from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.exceptions import SmsError
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.models import SmsLog, UnmatchedReport
from django_tencent_sms.protocol.reports import DeliveryReport
from django_tencent_sms.reports.apply import apply_delivery_reports
from django_tencent_sms.reports.unmatched import kept_reports

__all__ = [
    "AFTER",
    "RECONCILED",
    "SKEW",
    "Reconciliation",
    "candidates",
    "reconcile_log",
    "reconcile_unknown",
]

logger = logging.getLogger("django_tencent_sms")

Status = SmsLog.Status

#: Seconds a report may be dated before its log was written (the two clocks differ).
SKEW = 300
#: Seconds after the log within which its report is looked for.
AFTER = 6 * 3600
#: The errmsg of a reconciled log.
RECONCILED = (
    "The answer to this send was lost; Tencent's records for the number show it was accepted "
    "(sid {sid}). Matched by manage.py's reconciliation, not sent again."
)


@dataclass
class Reconciliation:
    """What one run did, log ids with the sid found or the reason none was recorded."""

    matched: list[tuple[int, str]] = field(default_factory=list)
    waiting: list[tuple[int, str]] = field(default_factory=list)
    ambiguous: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    asked: int = 0

    def lines(self, *, waiting: bool = True) -> list[str]:
        """One line per log matched or left unknown (``waiting``: also those without a record
        yet), saying why."""
        out = [f"SMS #{pk}: matched to Tencent's sid {sid}." for pk, sid in self.matched]
        out += [f"SMS #{pk}: left unknown, {why}." for pk, why in self.ambiguous]
        if waiting:
            out += [f"SMS #{pk}: left unknown, {why}." for pk, why in self.waiting]
        return out

    def failure_lines(self) -> list[str]:
        return [f"SMS #{pk}: Tencent could not be asked about it: {why}" for pk, why in self.failed]


def candidates(logs: int, now: datetime) -> list[SmsLog]:
    """The newest ``logs`` unknown logs without a sid that Tencent may still have records of."""
    rows = SmsLog.objects.filter(
        status=Status.UNKNOWN,
        sid="",
        created_at__gte=oldest_reachable(now) + timedelta(seconds=SKEW),
    )
    return list(rows.order_by("-created_at", "-pk")[:logs])


def _could_be(report: DeliveryReport, log: SmsLog) -> bool:
    if report.session_context and report.session_context != log.ext:
        return False  # another message's context: not this one
    if report.received_at is None:
        return True  # undated: it cannot be ruled out
    low = log.created_at - timedelta(seconds=SKEW)
    return low <= report.received_at <= log.created_at + timedelta(seconds=AFTER)


def _rivals(log: SmsLog, report: DeliveryReport) -> list[int]:
    """Other logs of the number that could own ``report``."""
    moment = report.received_at or log.created_at
    rows = SmsLog.objects.filter(
        phone=log.phone,
        sid="",
        created_at__gte=moment - timedelta(seconds=AFTER),
        created_at__lte=moment + timedelta(seconds=SKEW),
    ).exclude(Q(pk=log.pk) | Q(status__in=[Status.FAILED, Status.QUEUED]))
    return list(rows.order_by("pk").values_list("pk", flat=True)[:5])


def _match(backend: BaseBackend, log: SmsLog, now: datetime, done: Reconciliation) -> None:
    begin = log.created_at - timedelta(seconds=SKEW)
    end = min(now, log.created_at + timedelta(seconds=AFTER))
    records = lookup_number(backend, log.phone.as_e164, begin, end, kind="reports", now=now)
    if not records.complete:
        done.ambiguous.append((log.pk, "Tencent has more records in the window than were read"))
        return
    if records.rejected:
        # An unreadable record could be this message, or a rival of the one that reads.
        done.ambiguous.append((log.pk, "some of Tencent's records could not be read"))
        return
    reports = [r for r in records.items if isinstance(r, DeliveryReport)]
    held = set(
        SmsLog.objects.filter(sid__in={r.sid for r in reports}).values_list("sid", flat=True)
    )
    possible: dict[str, list[DeliveryReport]] = {}
    for report in reports:  # several reports of one sid are one message
        if report.sid not in held and _could_be(report, log):
            possible.setdefault(report.sid, []).append(report)
    if not possible:
        done.waiting.append((log.pk, "Tencent has no record for it in the window (yet)"))
        return
    if len(possible) > 1:
        sids = ", ".join(list(possible)[:5])
        done.ambiguous.append((log.pk, f"{len(possible)} of Tencent's records could be it: {sids}"))
        return
    ((sid, found),) = possible.items()
    report = found[-1]
    rivals = _rivals(log, found[0])
    if rivals:
        others = ", ".join(f"#{pk}" for pk in rivals)
        done.ambiguous.append((log.pk, f"Tencent's sid {report.sid} could also be SMS {others}"))
        return
    if not SmsLog.objects.filter(pk=log.pk, status=Status.UNKNOWN, sid="").update(
        sid=report.sid, result=0, errmsg=RECONCILED.format(sid=report.sid)
    ):
        return  # changed meanwhile: not ours to decide
    apply_delivery_reports([*found, *kept_reports(sid)], now=now)
    UnmatchedReport.objects.filter(sid=report.sid).delete()
    done.matched.append((log.pk, report.sid))
    logger.info(
        "SMS #%s to %s reconciled: Tencent's sid %s", log.pk, mask_phone(log.phone), report.sid
    )


def reconcile_unknown(
    backend: BaseBackend, *, limit: int = 20, now: datetime | None = None
) -> Reconciliation:
    """Reconcile at most ``limit`` unknown logs (see the module); each costs one to a few
    requests. ``backend`` must have ``can_lookup_number``."""
    now = now or timezone.now()
    done = Reconciliation()
    for log in candidates(limit, now):
        done.asked += 1
        try:
            _match(backend, log, now, done)
        except SmsError as exc:
            done.failed.append((log.pk, str(exc)))
    if done.failed:
        logger.warning(
            "Reconciling unknown SMS logs: Tencent could not be asked for %d of %d",
            len(done.failed),
            done.asked,
        )
    return done


def reconcile_log(
    backend: BaseBackend, log: SmsLog, *, now: datetime | None = None
) -> Reconciliation:
    """Reconcile the one log ``log`` (see the module), when it is unknown without a sid and
    within Tencent's 7 days; otherwise nothing is asked."""
    now = now or timezone.now()
    done = Reconciliation()
    reachable = oldest_reachable(now) + timedelta(seconds=SKEW)
    if log.status != Status.UNKNOWN or log.sid or log.created_at < reachable:
        return done
    done.asked = 1
    try:
        _match(backend, log, now, done)
    except SmsError as exc:
        done.failed.append((log.pk, str(exc)))
    return done
