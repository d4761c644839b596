"""One batch of a bulk send: its saved rows → one request → each recipient's outcome → signals.

``request_batch`` sends a batch's request and keeps what came back (the answer or the exception,
and when); ``record_batch`` records that on the rows, counts, logs and signals them, and raises
what must stop a bulk send. ``send_bulk`` does both through its pipeline; ``send_batch`` does
them for a batch ``queue_bulk`` wrote, in a task, after claiming its rows.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.db import router, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from django_tencent_sms.account.optouts import OptOutFilter, mark_opted_out
from django_tencent_sms.backends import BaseBackend, get_backend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import (
    InvalidMessage,
    InvalidResponse,
    SmsError,
    TencentSmsError,
)
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.message import BulkMessage, BulkResult, RecipientResult, SendResult
from django_tencent_sms.models import SmsLog
from django_tencent_sms.protocol.billing import DOMESTIC_NATIONCODE
from django_tencent_sms.protocol.v5 import MAX_MULTI_NUMBERS
from django_tencent_sms.result_codes import Category
from django_tencent_sms.sending.content import REDACTED, prepare_content, template_of
from django_tencent_sms.sending.outcome import (
    DELIVERED_FIELDS,
    STUCK,
    Outcome,
    describe,
)
from django_tencent_sms.sending.recording import record_accepted
from django_tencent_sms.sending.records import mark_not_sent, save_rows
from django_tencent_sms.sending.summary import BulkSummary
from django_tencent_sms.sending.validation import normalize_phone
from django_tencent_sms.signals import notify, sms_failed, sms_sent

__all__ = [
    "BATCH_SIZE",
    "DOMESTIC",
    "STOPPING",
    "Attempt",
    "mark_not_sent",
    "record_batch",
    "report_batch",
    "request_batch",
    "save_batch",
    "send_batch",
]

logger = logging.getLogger("django_tencent_sms")

Status = SmsLog.Status

#: Numbers per batch: Tencent's limit for one ``sendmultisms2`` request.
BATCH_SIZE = MAX_MULTI_NUMBERS

#: The categories of a whole-request refusal that stop a bulk send.
STOPPING = frozenset({Category.ACCOUNT, Category.UNKNOWN_OUTCOME})

#: The country code of the numbers a batch never mixes with others (Tencent refuses that).
DOMESTIC = int(DOMESTIC_NATIONCODE)


@dataclass(frozen=True)
class Attempt:
    """A batch's request: the backend's ``answer`` (or the exception it raised instead), and when.

    ``started`` and ``ended`` are ``time.monotonic()`` readings; ``finished`` is when the answer
    came, as the rows' ``finished_at``.
    """

    answer: BulkResult | BaseException
    started: float
    ended: float
    finished: datetime

    @classmethod
    def came(cls, answer: BulkResult | BaseException, started: float) -> Attempt:
        """``answer`` came just now, for a request handed over at ``started``."""
        return cls(answer, started, time.monotonic(), timezone.now())

    def outcomes(self, count: int) -> tuple[list[Outcome], BaseException | None]:
        """Each of the ``count`` recipients' outcome, in order, and the exception that must
        stop a bulk send (None when it may go on)."""
        answer = self.answer
        if isinstance(answer, BaseException):
            # A refusal of the whole request goes on unless every later batch would meet it (the
            # operator's to fix), or Tencent failed mid-way (as a timeout would, it stops).
            passing = isinstance(answer, TencentSmsError) and answer.category not in STOPPING
            return [Outcome.raised(answer)] * count, None if passing else answer
        recipients = list(answer.recipients[:count])
        if len(recipients) < count:
            gap = InvalidResponse(
                f"The backend answered for {len(recipients)} of {count} numbers; the others "
                "may still be delivered"
            )
            recipients += [RecipientResult(None, str(gap), error=gap)] * (count - len(recipients))
        outcomes = [Outcome.of_recipient(r, answer.request_id) for r in recipients]
        # A refusal of one number is that number's; a transport failure stops the send.
        stop = next(
            (
                r.error
                for r in recipients
                if r.error is not None and not isinstance(r.error, TencentSmsError)
            ),
            None,
        )
        return outcomes, stop

    @property
    def ext(self) -> str:
        """The answer's ``ext`` (empty without an answer)."""
        return self.answer.ext if isinstance(self.answer, BulkResult) else ""


def request_batch(
    backend: BaseBackend, message: BulkMessage, *, started: float | None = None
) -> Attempt:
    """Send ``message`` and keep what came back; what the backend raises is in the attempt.

    ``started``: when the request was handed over, if that was before this call.
    """
    started = time.monotonic() if started is None else started
    try:
        answer: BulkResult | BaseException = backend.send_bulk(message)
    except BaseException as exc:
        answer = exc
    return Attempt.came(answer, started)


def record_batch(rows: list[SmsLog], attempt: Attempt, summary: BulkSummary) -> None:
    """Record ``attempt`` on the saved ``rows`` (its message's recipients, in order): the rows,
    ``summary``'s counts, a log line and each row's signal.

    Then raises the exception that must stop a bulk send: a transport failure (of the batch, or
    of one of its numbers), a ``ConfigurationError``, a Tencent refusal of the whole request
    that the operator must fix, or anything unexpected.
    """
    summary.batches += 1
    outcomes, stop = save_batch(rows, attempt, summary.batch)
    report_batch(rows, outcomes, stop, attempt, summary)


def save_batch(
    rows: list[SmsLog], attempt: Attempt, batch: uuid.UUID | None
) -> tuple[list[Outcome], BaseException | None]:
    """The database half of ``record_batch``: write ``attempt``'s outcomes on the saved ``rows``;
    returns them, and the exception that must stop the send (None when it may go on). Touches
    nothing shared but the database: a bulk send's helper threads run it, each on its own
    connection."""
    outcomes, stop = attempt.outcomes(len(rows))
    duration = timedelta(seconds=attempt.ended - attempt.started)
    for row, outcome in zip(rows, outcomes, strict=True):
        outcome.apply_to(row, finished_at=attempt.finished, duration=duration)
    _save_outcomes(rows, batch)
    return outcomes, stop


def report_batch(
    rows: list[SmsLog],
    outcomes: list[Outcome],
    stop: BaseException | None,
    attempt: Attempt,
    summary: BulkSummary,
) -> None:
    """The rest of ``record_batch``, once ``save_batch`` wrote the rows: ``summary``'s counts, a
    log line, each row's signal; then raises ``stop``, if any."""
    sent, failed, unknown = summary.sent, summary.failed, summary.unknown
    summary.tally(rows)
    logger.log(
        logging.WARNING if stop is not None or summary.unknown > unknown else logging.INFO,
        "Bulk batch %s (%d numbers, %s…): %d sent, %d failed, %d unknown%s",
        summary.batch,
        len(rows),
        mask_phone(rows[0].phone),
        summary.sent - sent,
        summary.failed - failed,
        summary.unknown - unknown,
        f"; stopping: {describe(stop)}" if stop is not None else "",
    )
    _signal(rows, outcomes, attempt.ext)
    if stop is not None:
        raise stop


def _save_outcomes(rows: list[SmsLog], batch: uuid.UUID | None) -> None:
    """Write the outcomes on ``rows``; once more on a fresh connection if the database refuses
    (``sending.recording``), then an ERROR line and the rows ``unknown`` where possible."""

    def report(first: str, second: str, marked: bool) -> None:
        # Tencent accepted some: say so where an operator will look before the database error
        # reaches the caller, so nobody resends them believing they failed. Not the errors'
        # text: it can quote the rows (numbers, parameters).
        logger.error(
            "Bulk batch %s: %d messages were SENT (sids %s; fees %s) but their log rows (ids "
            "%s; %d in all, %s…) could not be updated (%s), nor on a second attempt (%s); %s",
            batch,
            len(sent),
            ", ".join(sid for _pk, sid, _fee in sent),
            ", ".join(str(fee) for _pk, _sid, fee in sent),
            ", ".join(str(pk) for pk, _sid, _fee in sent),
            len(rows),
            mask_phone(rows[0].phone),
            first,
            second,
            "all marked unknown" if marked else "which could not be marked unknown either",
        )

    # Taken now: rows the database will not take are marked unknown before the report.
    sent = [(row.pk, row.sid, row.fee) for row in rows if row.status == Status.SENT]
    record_accepted(lambda: save_rows(rows, DELIVERED_FIELDS), rows, report)


def _signal(rows: list[SmsLog], outcomes: list[Outcome], ext: str) -> None:
    """``sms_sent`` or ``sms_failed`` for each row. An exception shared by several rows (the
    whole request's) does not carry one row as its ``log``; a row's own exception does."""
    shared = Counter(id(o.error) for o in outcomes if o.error is not None)
    for row, outcome in zip(rows, outcomes, strict=True):
        if outcome.status == Status.SENT:
            result = SendResult(sid=outcome.sid, fee=outcome.fee, errmsg=outcome.errmsg, ext=ext)
            notify(sms_sent, SmsLog, log=row, result=result)
            continue
        exc = outcome.failure(ext)
        if exc is None:
            continue
        if outcome.error is None or shared[id(outcome.error)] == 1:
            exc.log = row
        notify(sms_failed, SmsLog, log=row, exception=exc)


# --- a queued batch, in a task ---------------------------------------------------------------


def send_batch(
    log_ids: Iterable[int], backend: BaseBackend | None = None, *, include_opted_out: bool = False
) -> BulkSummary:
    """Send the ``queued`` rows among ``log_ids`` (one batch written by ``queue_bulk``) in one
    request, and return the batch's ``BulkSummary``.

    The body of a background task: safe under at-least-once delivery. The rows are taken with
    a locked, conditional UPDATE (``queued`` → ``sending``), so only one call sends them; rows a
    call finds ``sending`` (a worker may have died mid-request) become ``unknown`` and are never
    sent again. The message is rebuilt from the rows and validated again: a template deactivated
    since makes them ``failed`` with the reason. The opt-out list is read again after the
    claim: rows whose number opted out since they were queued become ``opted_out`` and are not
    sent (unless ``include_opted_out``, as given to ``queue_bulk``; never for marketing).

    Outcomes are recorded on the rows as by ``send_bulk``; a transport failure or a refusal is
    in ``summary.stopped_by``, not raised. ``ValueError`` (before anything is taken) when the
    ids are more than 200 or their rows differ in content or mix domestic and international
    numbers; a ``ConfigurationError`` from ``get_backend()`` leaves the rows ``queued``.
    """
    ids = list(dict.fromkeys(log_ids))
    if len(ids) > BATCH_SIZE:
        raise ValueError(f"A batch has at most {BATCH_SIZE} messages, not {len(ids)}")
    _check_batch(SmsLog.objects.filter(pk__in=ids, status=Status.QUEUED))
    backend = backend if backend is not None else get_backend()
    rows = _claim(ids, backend.name)
    claimed = {row.pk for row in rows}
    _mark_stuck([pk for pk in ids if pk not in claimed])
    summary = BulkSummary(batch=rows[0].batch if rows else None, total=len(rows))
    if not rows:
        return summary
    first = rows[0]
    try:
        if REDACTED in first.params:
            raise InvalidMessage(
                _("These messages had secret parameters, which were not stored: not sent."),
                code="secret_params",
            )
        content = prepare_content(
            template_of(first),
            first.params,
            sign=first.sign or None,
            ext=first.ext,
            extend=first.extend,
        )
    except InvalidMessage as exc:
        _record_invalid(rows, exc, summary)
        return summary
    opt_outs = OptOutFilter(content.template, bulk=True, include_opted_out=include_opted_out)
    rows, opted_out = opt_outs.split(rows)  # an opt-out that came after queueing wins
    mark_opted_out(opted_out)
    summary.opted_out += len(opted_out)
    numbers: list[phonenumbers.PhoneNumber] = []
    sendable: list[SmsLog] = []
    for row in rows:
        try:
            numbers.append(normalize_phone(row.phone, sms_settings.DEFAULT_REGION))
        except InvalidMessage as exc:
            _record_invalid([row], exc, summary)
        else:
            sendable.append(row)
    if sendable:
        attempt = request_batch(backend, content.bulk_message(numbers))
        try:
            record_batch(sendable, attempt, summary)
        except SmsError as exc:
            summary.stopped_by = exc  # recorded on the rows, logged and signalled
    return summary


def _check_batch(rows: QuerySet[SmsLog]) -> None:
    """``ValueError`` unless ``rows`` can go out as one request."""
    contents, kinds = set(), set()
    for phone, *content in rows.values_list(
        "phone", "tpl_id", "template_id", "params", "sign", "ext", "extend"
    ):
        contents.add(repr(content))
        kinds.add(getattr(phone, "country_code", None) == DOMESTIC)
    if len(contents) > 1:
        raise ValueError("The messages of one batch must share template, parameters and options")
    if len(kinds) > 1:
        raise ValueError("A batch takes domestic (+86) or international numbers, not both")


def _claim(ids: list[int], backend_name: str) -> list[SmsLog]:
    """Take the ``queued`` rows among ``ids`` for this call: ``queued`` → ``sending``."""
    if not ids:
        return []
    using = router.db_for_write(SmsLog)
    claimed_at = timezone.now()  # what "stuck" counts from: not when they were queued
    with transaction.atomic(using=using):
        rows = list(
            SmsLog.objects.using(using)
            .select_for_update()
            .filter(pk__in=ids, status=Status.QUEUED)
            .order_by("pk")
        )
        if rows:
            taken = (
                SmsLog.objects.using(using)
                .filter(pk__in=[row.pk for row in rows], status=Status.QUEUED)
                .update(status=Status.SENDING, backend=backend_name, claimed_at=claimed_at)
            )
            if taken != len(rows):  # the rows are locked: cannot happen
                raise RuntimeError("SMS rows being claimed changed under a lock")
    for row in rows:
        row.status = Status.SENDING
        row.backend = backend_name
        row.claimed_at = claimed_at
    return rows


def _mark_stuck(ids: list[int]) -> None:
    """Rows another call left ``sending`` (its worker may have died mid-request): ``unknown``."""
    if not ids:
        return
    marked = SmsLog.objects.filter(pk__in=ids, status=Status.SENDING).update(
        status=Status.UNKNOWN, errmsg=STUCK, finished_at=timezone.now()
    )
    if marked:
        logger.warning(
            "%d SMS of a bulk batch were found in status sending by a second delivery of its "
            "task; marked unknown and not sent again",
            marked,
        )


def _record_invalid(rows: Sequence[SmsLog], exc: InvalidMessage, summary: BulkSummary) -> None:
    """Claimed ``rows`` that cannot be sent as they stand: ``failed``, saying why; signalled."""
    now = timezone.now()
    for row in rows:
        row.status, row.errmsg, row.finished_at = Status.FAILED, str(exc), now
    save_rows(rows, ["status", "errmsg", "finished_at"])
    summary.failed += len(rows)
    logger.warning("%d SMS of bulk batch %s failed: %s", len(rows), summary.batch, exc)
    for row in rows:
        notify(sms_failed, SmsLog, log=row, exception=exc)
