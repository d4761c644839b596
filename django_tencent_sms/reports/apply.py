"""Applying delivery reports to the send log, and storing replies, however they arrived.

The one code path behind Tencent's callbacks (``reports.callbacks``) and ``manage.py
tencent_sms_pull_status``.

A report updates the logs whose ``sid`` it names to ``delivered`` or ``undelivered``, with the
carrier's code, Tencent's description and the time the phone got it (``delivered_at``; for an
undelivered message, the time the carrier gave up). Reports come more than once (a replayed
callback, a retried pull) and not always in order, so:

* a log that has no report yet takes the report;
* a log that has one takes a new report only when its time is strictly later (the last one wins
  only if newer): a replay, or an older or undated report, changes nothing and sends no signal;
* in one batch, the latest report per ``sid`` counts.

A batch costs a constant number of queries, whatever its size (up to ``CHUNK`` reports): one
``SELECT … FOR UPDATE`` of the named logs (in ``pk`` order, so concurrent batches cannot deadlock)
and one ``UPDATE`` for all the changed rows, in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.utils import timezone

from django_tencent_sms.account.optouts import announce, opt_out_replies
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.models import SmsLog, SmsOptOut, SmsReply, reply_text_hash
from django_tencent_sms.protocol.reports import (
    MAX_CODE_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    MAX_EXTEND_LENGTH,
    MAX_SIGN_LENGTH,
    DeliveryReport,
    IncomingReply,
)
from django_tencent_sms.protocol.text import printable, storable
from django_tencent_sms.reports.unmatched import keep_unmatched
from django_tencent_sms.signals import notify, sms_delivery_report, sms_reply_received

__all__ = ["ReplyOutcome", "ReportOutcome", "apply_delivery_reports", "store_replies"]

logger = logging.getLogger("django_tencent_sms")

#: Reports looked up and updated per query; a larger batch costs one more pair per chunk.
CHUNK = 1000
#: The fields a report sets.
REPORT_FIELDS = ["status", "report_code", "report_description", "delivered_at", "reported_at"]
#: Unknown sids named in one log line.
SHOWN_SIDS = 10


@dataclass
class ReportOutcome:
    """What one batch of reports did. Every report is counted once, in one of ``applied``,
    ``unchanged`` (a replay, an older report, or a later duplicate in the batch), ``unknown``
    (no log has its ``sid``) and ``failed`` (its log could not be updated: logged as an error,
    the rest of the batch applied)."""

    received: int = 0
    applied: int = 0
    unchanged: int = 0
    unknown: int = 0
    unknown_sids: list[str] = field(default_factory=list)
    #: The logs updated, with their new values.
    logs: list[SmsLog] = field(default_factory=list)
    failed: int = 0
    failed_sids: list[str] = field(default_factory=list)

    def __add__(self, other: ReportOutcome) -> ReportOutcome:
        return ReportOutcome(
            self.received + other.received,
            self.applied + other.applied,
            self.unchanged + other.unchanged,
            self.unknown + other.unknown,
            self.unknown_sids + other.unknown_sids,
            self.logs + other.logs,
            self.failed + other.failed,
            self.failed_sids + other.failed_sids,
        )


@dataclass
class ReplyOutcome:
    """What one batch of replies did: ``stored`` new ones, ``duplicates`` already stored (or
    repeated in the batch), ``failed`` ones the database refused (logged as errors, the rest of
    the batch stored)."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    replies: list[SmsReply] = field(default_factory=list)
    failed: int = 0
    #: How each reply that could not be stored is named in the log: masked number and time.
    failed_replies: list[str] = field(default_factory=list)

    def __add__(self, other: ReplyOutcome) -> ReplyOutcome:
        return ReplyOutcome(
            self.received + other.received,
            self.stored + other.stored,
            self.duplicates + other.duplicates,
            self.replies + other.replies,
            self.failed + other.failed,
            self.failed_replies + other.failed_replies,
        )


def _supersedes(new: DeliveryReport, old_time: datetime | None, has_report: bool) -> bool:
    """Whether a report dated ``new.received_at`` replaces one dated ``old_time``."""
    if not has_report:
        return True
    if new.received_at is None:
        return False
    return old_time is None or new.received_at > old_time


def apply_delivery_reports(
    reports: Iterable[DeliveryReport], *, now: datetime | None = None
) -> ReportOutcome:
    """Apply ``reports`` to the logs with their ``sid``s, then send ``sms_delivery_report`` for
    each log changed. ``now`` (default: the current time) is stored as ``reported_at``."""
    now = now or timezone.now()
    outcome = ReportOutcome()
    newest: dict[str, DeliveryReport] = {}
    for report in reports:
        outcome.received += 1
        current = newest.get(report.sid)
        if current is None or _supersedes(report, current.received_at, True):
            newest[report.sid] = report
    outcome.unchanged = outcome.received - len(newest)
    sids = sorted(newest)
    for start in range(0, len(sids), CHUNK):
        chunk = sids[start : start + CHUNK]
        try:
            outcome += _apply_chunk(chunk, newest, now)
        except DatabaseError:  # rolled back whole: find the culprit
            outcome += _apply_one_by_one(chunk, newest, now)
    if outcome.unknown:
        logger.warning(
            "%d delivery report(s) name a sid no SMS log has (a send whose answer was lost, "
            "another system, or a purged log; kept for UNMATCHED_REPORT_DAYS): %s%s",
            outcome.unknown,
            ", ".join(outcome.unknown_sids[:SHOWN_SIDS]),
            " …" if outcome.unknown > SHOWN_SIDS else "",
        )
        keep_unmatched([newest[sid] for sid in outcome.unknown_sids], now=now)
    if outcome.received:
        logger.info(
            "Delivery reports: %d received, %d applied, %d unchanged, %d for unknown sids, "
            "%d failed",
            outcome.received,
            outcome.applied,
            outcome.unchanged,
            outcome.unknown,
            outcome.failed,
        )
    for log in outcome.logs:
        notify(sms_delivery_report, SmsLog, log=log, report=newest[log.sid])
    return outcome


def _apply_chunk(
    sids: list[str], newest: dict[str, DeliveryReport], now: datetime
) -> ReportOutcome:
    outcome = ReportOutcome()
    matched: set[str] = set()
    applied: set[str] = set()
    with transaction.atomic():
        logs = list(SmsLog.objects.select_for_update().filter(sid__in=sids).order_by("pk"))
        for log in logs:
            matched.add(log.sid)
            report = newest[log.sid]
            if not _supersedes(report, log.delivered_at, log.reported_at is not None):
                continue
            log.status = SmsLog.Status.DELIVERED if report.delivered else SmsLog.Status.UNDELIVERED
            # On one line and cut, as every database stores them (callbacks cut them already).
            log.report_code = printable(report.code, MAX_CODE_LENGTH)
            log.report_description = printable(report.description, MAX_DESCRIPTION_LENGTH)
            log.delivered_at = report.received_at
            log.reported_at = now
            outcome.logs.append(log)
        if outcome.logs:
            SmsLog.objects.bulk_update(outcome.logs, REPORT_FIELDS)
            applied = {log.sid for log in outcome.logs}
    outcome.applied = len(applied)
    outcome.unknown_sids = [sid for sid in sids if sid not in matched]
    outcome.unknown = len(outcome.unknown_sids)
    outcome.unchanged = len(sids) - outcome.applied - outcome.unknown
    return outcome


def _apply_one_by_one(
    sids: list[str], newest: dict[str, DeliveryReport], now: datetime
) -> ReportOutcome:
    """A chunk the database refused, sid by sid: one whose values it refuses costs only its own
    report. Any other database error (a lost connection, a lock) is raised: nothing here could
    store the others either."""
    outcome = ReportOutcome()
    for sid in sids:
        try:
            outcome += _apply_chunk([sid], newest, now)
        except (DataError, IntegrityError) as exc:
            logger.error(
                "The delivery report for sid %s (%s) could not be stored: %s",
                sid,
                printable(newest[sid].code),
                printable(str(exc)),
            )
            outcome.failed += 1
            outcome.failed_sids.append(sid)
    return outcome


def _key(phone: object, replied_at: datetime, text_hash: str) -> tuple[str, datetime, str]:
    e164 = getattr(phone, "as_e164", None) or str(phone)
    return e164, replied_at, text_hash


def _row(reply: IncomingReply, now: datetime) -> SmsReply:
    """The unsaved row of ``reply``, as every database stores it: the text whole (NUL and
    broken characters replaced), the signature and extend code on one line and cut."""
    text = storable(reply.text)
    return SmsReply(
        phone=reply.phone,
        text=text,
        text_hash=reply_text_hash(text),
        sign=printable(reply.sign, MAX_SIGN_LENGTH),
        extend=printable(reply.extend, MAX_EXTEND_LENGTH),
        replied_at=reply.replied_at,
        received_at=now,
    )


def store_replies(replies: Iterable[IncomingReply], *, now: datetime | None = None) -> ReplyOutcome:
    """Store each reply once (by number, time and text, as ``SmsReply``'s unique constraint
    says), then send ``sms_reply_received`` for each new one. ``now`` is the ``received_at``.
    A new reply that is an unsubscribe keyword puts its number on the opt-out list in the same
    transaction (``account.optouts.opt_out_replies``; ``number_opted_out`` follows).

    One query finds those already stored and one inserts the rest; should that insert fail
    (another process stored one of them meanwhile, or the database refuses one), the rows are
    inserted one by one instead, each in a savepoint: a reply whose values the database refuses
    (``DataError``) is logged as an error and counted in ``failed``, and the others are stored.
    """
    now = now or timezone.now()
    outcome = ReplyOutcome()
    opted_out: list[SmsOptOut] = []
    unique: dict[tuple[str, datetime, str], SmsReply] = {}
    for reply in replies:
        outcome.received += 1
        row = _row(reply, now)
        unique.setdefault(_key(row.phone, row.replied_at, row.text_hash), row)
    if unique:
        with transaction.atomic():
            stored = stored_keys(unique)
            new = [row for key, row in unique.items() if key not in stored]
            outcome.replies, failed = _insert(new)
            # Unsubscribe keywords: committed with the reply, judged once (a replay is not new).
            opted_out = opt_out_replies(outcome.replies)
        outcome.failed = len(failed)
        outcome.failed_replies = [_name(row) for row in failed]
    outcome.stored = len(outcome.replies)
    outcome.duplicates = outcome.received - outcome.stored - outcome.failed
    for row in outcome.replies:
        logger.info("Reply from %s stored (#%s)", mask_phone(row.phone), row.pk)
        notify(sms_reply_received, SmsReply, reply=row)
    announce(opted_out)
    return outcome


def _name(row: SmsReply) -> str:
    return f"the reply from {mask_phone(row.phone)} at {row.replied_at.isoformat()}"


def stored_keys(
    keys: Iterable[tuple[str, datetime, str]],
) -> set[tuple[str, datetime, str]]:
    """Which of ``keys`` (number, time, text hash) are stored already: one query."""
    keys = list(keys)
    rows = SmsReply.objects.filter(
        phone__in={key[0] for key in keys}, replied_at__in={key[1] for key in keys}
    ).values_list("phone", "replied_at", "text_hash")
    return {_key(*row) for row in rows}


def _insert(rows: list[SmsReply]) -> tuple[list[SmsReply], list[SmsReply]]:
    """Insert ``rows``; returns those inserted and those the database refused (duplicates
    stored meanwhile are neither)."""
    if not rows:
        return [], []
    try:
        with transaction.atomic():
            return SmsReply.objects.bulk_create(rows), []
    except DatabaseError:
        pass  # stored meanwhile by a concurrent push or pull, or refused: one by one
    created, failed = [], []
    for row in rows:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            row.pk = None
            continue
        except DataError as exc:  # these values refused; any other error is raised
            row.pk = None
            logger.error("%s could not be stored: %s", _name(row), printable(str(exc)))
            failed.append(row)
            continue
        created.append(row)
    return created, failed
