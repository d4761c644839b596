"""Bulk sending: one template to many numbers, in batches of up to 200 (``sendmultisms2``).

The numbers are streamed: at most one batch per kind (domestic +86, international) is held in
memory, besides the one whose request is out, so a million numbers need no more memory than a
thousand. Each batch's ``SmsLog`` rows (one per recipient, sharing a ``batch`` id) are written
with one ``bulk_create`` before its request leaves, and updated from the per-recipient answer
with one ``UPDATE`` for the fields all rows share and one ``UPDATE … FROM (VALUES …)`` for those
that differ (the ``sid``…): a few queries per batch, none per row.

A batch is sent by ``_deliver_batch``, given its rows and the message; ``send_bulk`` does this as
it goes (through ``_Pipeline``: a batch's request overlaps the next batch's reading and writing),
``queue_bulk`` + ``send_batch`` do it later, one batch per call (one task per batch).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from django_tencent_sms.backends import BaseBackend, get_backend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import (
    ConfigurationError,
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
from django_tencent_sms.result_codes import Category, lookup
from django_tencent_sms.sending.content import (
    REDACTED,
    Content,
    TemplateRef,
    prepare_content,
    template_of,
)
from django_tencent_sms.sending.outcome import DELIVERED_FIELDS
from django_tencent_sms.sending.records import log_rows
from django_tencent_sms.sending.validation import normalize_phone
from django_tencent_sms.signals import notify, sms_failed, sms_sent

__all__ = ["BATCH_SIZE", "BulkSummary", "queue_bulk", "send_batch", "send_bulk"]

logger = logging.getLogger("django_tencent_sms")

#: Numbers per batch: Tencent's limit for one ``sendmultisms2`` request.
BATCH_SIZE = MAX_MULTI_NUMBERS

_DOMESTIC = int(DOMESTIC_NATIONCODE)
#: What a batch's answer writes on its rows: what ``deliver`` writes for a single send.
_OUTCOME_FIELDS = list(DELIVERED_FIELDS)


@dataclass
class BulkSummary:
    """What became of a bulk send (or of one batch, for ``send_batch``).

    ``total`` numbers were taken from the input; each has one ``SmsLog`` row with ``batch`` as
    its ``batch`` (``logs`` selects them). ``invalid`` of them were refused before sending (rows
    ``failed``, no request), ``sent``/``failed``/``unknown`` count the others' rows by status,
    ``queued`` those left for ``send_batch``. ``fee`` is the sum of the billed parts, and
    ``batches`` the number of batches handed to the backend (one request each with the real
    backend). ``stopped_by`` is the exception that ended the send early, if one did.
    """

    batch: uuid.UUID | None
    total: int = 0
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    invalid: int = 0
    queued: int = 0
    fee: int = 0
    batches: int = 0
    stopped_by: BaseException | None = field(default=None, repr=False, compare=False)

    @property
    def logs(self) -> QuerySet[SmsLog]:
        """The rows of this bulk send."""
        return SmsLog.objects.filter(batch=self.batch)

    def _count(self, rows: Iterable[SmsLog]) -> None:
        for row in rows:
            if row.status == SmsLog.Status.SENT:
                self.sent += 1
                self.fee += row.fee or 0
            elif row.status == SmsLog.Status.UNKNOWN:
                self.unknown += 1
            else:
                self.failed += 1


def send_bulk(
    phones: Iterable[Any],
    template: TemplateRef,
    params: Iterable[Any] = (),
    *,
    sign: str | None = None,
    ext: str = "",
    extend: str = "",
    backend: BaseBackend | None = None,
    background: bool = False,
) -> BulkSummary:
    """Send one templated SMS to every number of ``phones`` and return a ``BulkSummary``.

    With ``background=True`` the rows are written ``queued`` and each batch becomes one task
    (``tasks.send_queued_batch``, enqueued when the transaction commits) for the site's task
    workers, as ``send_sms(background=True)`` does for one message; see ``queue_bulk``.

    ``phones`` is any iterable (a list, a queryset's ``values_list``, a generator); it is read
    lazily, one batch at a time. ``template``, ``params``, ``sign``, ``ext``, ``extend`` and
    ``backend`` are as for ``send_sms``; the content is checked once, before the first number
    is read (``InvalidMessage`` then, with nothing written or sent).

    Numbers go out in batches of up to 200, domestic (+86) and international numbers in
    separate batches (Tencent refuses a mix); international numbers of different countries may
    share one. Each number gets one ``SmsLog`` row, written before its batch's request leaves:

    * a number that is invalid or a landline gets a ``failed`` row saying why, and is not sent;
      the rest of the send goes on;
    * a number Tencent accepts is ``sent`` (with its ``sid`` and ``fee``), one it refuses
      (blacklisted, a frequency limit…) is ``failed`` with Tencent's ``result``;
    * a number listed twice is sent twice (Tencent bills each; its frequency limits may refuse
      the repeat). Remove duplicates before calling if they are mistakes.

    When Tencent refuses a whole request, the batch's rows are ``failed`` with the code; the
    send goes on unless the code is one the operator must fix (signature, template, balance,
    credentials), which every later batch would meet too.

    A batch's request goes out from a helper thread while the next batch is read, checked and
    written (``_Pipeline``); its answer is recorded before the next request leaves.

    When no usable answer comes back for a batch, its rows are ``unknown`` (the request may have
    reached Tencent) or ``failed`` (it provably did not), as for ``send_sms``; nothing is ever
    sent again automatically. The send then stops: the numbers already read but not yet sent
    (at most the next batch, and those waiting in the other kind's batch) get ``failed`` rows
    ("Not sent: …"), the rest of ``phones`` is not read, and the exception is raised with the
    summary so far as ``exc.summary`` (``exc.summary.total`` numbers were read).
    The same happens when a Tencent refusal stops the send, and for a ``ConfigurationError``.

    ``sms_sent`` and ``sms_failed`` fire for each row whose outcome came from the backend or
    from validation (``log.batch`` tells bulk rows apart).
    """
    if background:
        if backend is not None:
            raise TypeError("backend= cannot be combined with background=True")
        from django_tencent_sms.tasks import enqueue_batch_on_commit

        return queue_bulk(
            phones, template, params, sign=sign, ext=ext, extend=extend,
            on_batch=enqueue_batch_on_commit,
        )  # fmt: skip
    content = prepare_content(template, params, sign=sign, ext=ext, extend=extend)
    backend = backend if backend is not None else get_backend()
    summary = BulkSummary(batch=uuid.uuid4())

    pipeline = _Pipeline(backend, summary)

    def deliver(rows: list[SmsLog], numbers: list[phonenumbers.PhoneNumber]) -> None:
        pipeline.send(rows, content.bulk_message(numbers))

    stream = _Stream(
        content, summary, status=SmsLog.Status.PENDING, backend_name=backend.name, on_batch=deliver
    )
    try:
        try:
            stream.run(phones)
        except BaseException as exc:
            pipeline.finish(stopping=exc)
            raise
        pipeline.finish()
    except BaseException as exc:
        summary.stopped_by = exc
        with contextlib.suppress(AttributeError):
            exc.summary = summary  # type: ignore[attr-defined]
        raise
    logger.info(
        "Bulk send %s: %d numbers, %d sent, %d failed, %d unknown, %d invalid, fee %d",
        summary.batch,
        summary.total,
        summary.sent,
        summary.failed,
        summary.unknown,
        summary.invalid,
        summary.fee,
    )
    return summary


def queue_bulk(
    phones: Iterable[Any],
    template: TemplateRef,
    params: Iterable[Any] = (),
    *,
    sign: str | None = None,
    ext: str = "",
    extend: str = "",
    on_batch: Callable[[list[int]], object],
) -> BulkSummary:
    """Like ``send_bulk``, but write each batch's rows as ``queued`` and hand their ids to
    ``on_batch`` (e.g. to enqueue a task that calls ``send_batch``) instead of sending them.

    Invalid numbers get ``failed`` rows as with ``send_bulk``. A verification template is
    refused (``InvalidMessage``, code ``secret_params``): its parameters are not stored, so a
    later ``send_batch`` could not send them. When ``on_batch`` raises, that batch's rows stay
    ``queued``, the numbers read but not yet written get ``failed`` rows, and the exception is
    raised with ``exc.summary``.
    """
    content = prepare_content(template, params, sign=sign, ext=ext, extend=extend)
    if content.secret:
        raise InvalidMessage(
            _(
                "The SMS template %(name)s sends verification codes, which are not stored, so "
                "it cannot be sent in the background."
            ),
            code="secret_params",
            params={"name": content.template.name if content.template else content.tpl_id},
        )
    summary = BulkSummary(batch=uuid.uuid4())

    def hand_on(rows: list[SmsLog], numbers: list[phonenumbers.PhoneNumber]) -> None:
        summary.queued += len(rows)
        on_batch([row.pk for row in rows])

    stream = _Stream(
        content, summary, status=SmsLog.Status.QUEUED, backend_name="", on_batch=hand_on
    )
    try:
        stream.run(phones)
    except BaseException as exc:
        summary.stopped_by = exc
        with contextlib.suppress(AttributeError):
            exc.summary = summary  # type: ignore[attr-defined]
        raise
    return summary


def send_batch(log_ids: Iterable[int], backend: BaseBackend | None = None) -> BulkSummary:
    """Send the ``queued`` rows among ``log_ids`` (one batch written by ``queue_bulk``) in one
    request, and return the batch's ``BulkSummary``.

    The body of a background task: safe under at-least-once delivery. The rows are taken with
    a locked, conditional UPDATE (``queued`` → ``sending``), so only one call sends them; rows a
    call finds ``sending`` (a worker may have died mid-request) become ``unknown`` and are never
    sent again. The message is rebuilt from the rows and validated again: a template deactivated
    since makes them ``failed`` with the reason.

    Outcomes are recorded on the rows as by ``send_bulk``; a transport failure or a refusal is
    in ``summary.stopped_by``, not raised. ``ValueError`` (before anything is taken) when the
    ids are more than 200 or their rows differ in content or mix domestic and international
    numbers; a ``ConfigurationError`` from ``get_backend()`` leaves the rows ``queued``.
    """
    ids = list(dict.fromkeys(log_ids))
    if len(ids) > BATCH_SIZE:
        raise ValueError(f"A batch has at most {BATCH_SIZE} messages, not {len(ids)}")
    _check_batch(SmsLog.objects.filter(pk__in=ids, status=SmsLog.Status.QUEUED))
    backend = backend if backend is not None else get_backend()
    rows = _claim(ids, backend.name)
    _mark_stuck([pk for pk in ids if pk not in {row.pk for row in rows}])
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
    numbers: list[phonenumbers.PhoneNumber] = []
    sendable: list[SmsLog] = []
    refused: list[tuple[SmsLog, InvalidMessage]] = []
    for row in rows:
        try:
            numbers.append(normalize_phone(row.phone, sms_settings.DEFAULT_REGION))
            sendable.append(row)
        except InvalidMessage as exc:
            refused.append((row, exc))
    for row, exc in refused:
        _record_invalid([row], exc, summary)
    if sendable:
        try:
            _deliver_batch(sendable, content.bulk_message(numbers), backend, summary)
        except SmsError as exc:
            summary.stopped_by = exc  # recorded on the rows, logged and signalled
    return summary


# --- streaming the numbers into batches ----------------------------------------------------


class _Stream:
    """Reads the numbers, writes their rows one batch at a time and hands each batch on.

    Holds at most one batch of numbers per kind (domestic, international) and one batch of
    invalid numbers' rows.
    """

    def __init__(
        self,
        content: Content,
        summary: BulkSummary,
        *,
        status: str,
        backend_name: str,
        on_batch: Callable[[list[SmsLog], list[phonenumbers.PhoneNumber]], None],
    ) -> None:
        self.content = content
        self.summary = summary
        self.status = status
        self.backend_name = backend_name
        self.on_batch = on_batch
        self.region = sms_settings.DEFAULT_REGION
        self.waiting: dict[bool, list[phonenumbers.PhoneNumber]] = {True: [], False: []}
        self.invalid: list[tuple[SmsLog, InvalidMessage]] = []

    def run(self, phones: Iterable[Any]) -> None:
        if isinstance(phones, (str, bytes, phonenumbers.PhoneNumber)):
            raise TypeError("phones must be an iterable of numbers, not a single number")
        try:
            for value in phones:
                self.summary.total += 1
                self.take(value)
            for domestic in (True, False):
                if self.waiting[domestic]:
                    self.flush(domestic)
            self.flush_invalid()
        except BaseException as exc:
            self.abandon(exc)
            raise

    def take(self, value: Any) -> None:
        try:
            number = normalize_phone(value, self.region)
        except InvalidMessage as exc:
            self.refuse(value, exc)
            return
        except TypeError:
            self.refuse(
                value,
                InvalidMessage(
                    _("%(value)s is not a phone number (a %(type)s, not text)."),
                    code="invalid_phone",
                    params={"value": _shown(value), "type": type(value).__name__},
                ),
            )
            return
        domestic = number.country_code == _DOMESTIC
        waiting = self.waiting[domestic]
        waiting.append(number)
        if len(waiting) >= BATCH_SIZE:
            self.flush(domestic)

    def refuse(self, value: Any, exc: InvalidMessage) -> None:
        row = self.content.row(
            _stored(value),
            batch=self.summary.batch,
            status=SmsLog.Status.FAILED,
            errmsg=str(exc),
            backend=self.backend_name,
            finished_at=timezone.now(),
        )
        self.invalid.append((row, exc))
        if len(self.invalid) >= BATCH_SIZE:
            self.flush_invalid()

    def flush(self, domestic: bool) -> None:
        numbers, self.waiting[domestic] = self.waiting[domestic], []
        rows = [
            self.content.row(
                n,  # the PhoneNumber itself: a string would be parsed again
                batch=self.summary.batch,
                status=self.status,
                backend=self.backend_name,
            )
            for n in numbers
        ]
        _create(rows)
        self.on_batch(rows, numbers)

    def flush_invalid(self) -> None:
        invalid, self.invalid = self.invalid, []
        if not invalid:
            return
        _create([row for row, _exc in invalid])
        self.summary.invalid += len(invalid)
        for row, exc in invalid:
            exc.log = row
            notify(sms_failed, SmsLog, log=row, exception=exc)

    def abandon(self, exc: BaseException) -> None:
        """Give the numbers read but not sent their rows, so every number read has one."""
        waiting = self.waiting[True] + self.waiting[False]
        self.waiting = {True: [], False: []}
        try:
            if waiting:
                now = timezone.now()
                errmsg = _not_sent_reason(exc)
                rows = [
                    self.content.row(
                        n,
                        batch=self.summary.batch,
                        status=SmsLog.Status.FAILED,
                        errmsg=errmsg,
                        backend=self.backend_name,
                        finished_at=now,
                    )
                    for n in waiting
                ]
                _create(rows)
                self.summary.failed += len(rows)
            self.flush_invalid()
        except Exception:
            logger.exception(
                "Bulk send %s stopped; the %d numbers read but not sent could not be logged",
                self.summary.batch,
                len(waiting),
            )


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _stored(value: Any) -> str:
    """What the log's phone column keeps for a number that was refused."""
    if isinstance(value, phonenumbers.PhoneNumber):
        return phonenumbers.format_number(value, phonenumbers.PhoneNumberFormat.E164)
    if value is None:
        return ""
    return str(value).strip()[:128]


def _create(rows: list[SmsLog]) -> None:
    """Insert ``rows`` in one statement (a few on SQLite), with their primary keys set."""
    using = router.db_for_write(SmsLog)
    if connections[using].features.can_return_rows_from_bulk_insert:
        SmsLog.objects.using(using).bulk_create(rows)
    else:  # bulk_create would leave the pks unset, and bulk_update needs them
        with transaction.atomic(using=using):
            for row in rows:
                row.save(using=using, force_insert=True)


def _save(rows: list[SmsLog], fields: list[str]) -> None:
    """Write ``fields`` of ``rows``: one UPDATE for the values they all share, one
    ``UPDATE … FROM (VALUES …)`` for the others (``rows.RowWriter.update_many``; Django's
    ``bulk_update`` builds a CASE per row and field, which costs more than the database's
    work)."""
    using = rows[0]._state.db or router.db_for_write(SmsLog)
    shared: dict[str, Any] = {}
    varying: list[str] = []
    for name in fields:
        first = getattr(rows[0], name)
        if all(getattr(row, name) == first for row in rows):
            shared[name] = first
        else:
            varying.append(name)
    with transaction.atomic(using=using, savepoint=False):
        if shared:
            SmsLog.objects.using(using).filter(pk__in=[row.pk for row in rows]).update(**shared)
        if varying:
            log_rows.update_many(rows, varying, using=using)


# --- overlapping a batch's request with the next batch's work ------------------------------


class _Request:
    """A batch whose request was handed to the helper thread, and when its answer came."""

    def __init__(self, rows: list[SmsLog], message: BulkMessage) -> None:
        self.rows = rows
        self.message = message
        #: Ours, made before the request is handed over: cancelled while still pending, it is
        #: never sent; once running, its outcome is recorded whatever happens meanwhile.
        self.future: concurrent.futures.Future[BulkResult] = concurrent.futures.Future()
        self.started = time.monotonic()
        self.answered: tuple[float, datetime] | None = None


class _Pipeline:
    """Sends each batch's request from a helper thread while the caller's thread reads,
    validates and inserts the next batch: a batch's own work (about as long as its request)
    no longer adds to it.

    The order of what matters is unchanged. Every batch's rows are written before its request
    leaves. A batch's answer is recorded (rows, summary, signals, in the caller's thread and
    database connection) before the next request leaves, so a batch that must stop the send
    stops it before another request goes: the next batch's rows, written already, become
    ``failed`` ("Not sent: …"), as numbers read but not sent always do. At most one request is
    in flight. The helper thread only calls ``backend.send_bulk`` (backends are thread-safe),
    in a copy of the caller's context variables, and never touches the database.

    A batch is ``in_flight`` from before its request is handed over until its outcome is
    recorded, so an interruption at any point leaves it either cancelled before it started
    (its rows ``failed``, "Not sent") or recorded (``unknown`` at worst).
    """

    def __init__(self, backend: BaseBackend, summary: BulkSummary) -> None:
        self.backend = backend
        self.summary = summary
        self.executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.in_flight: _Request | None = None

    def send(self, rows: list[SmsLog], message: BulkMessage) -> None:
        """Record the batch in flight, then send this one (its rows are saved)."""
        try:
            self._record()
        except BaseException as exc:
            _not_sent(rows, exc, self.summary)
            raise
        request = self.in_flight = _Request(rows, message)
        try:
            if self.executor is None:
                self.executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="tencent-sms-bulk"
                )
            self.executor.submit(contextvars.copy_context().run, self._run, request)
        except BaseException as exc:
            # No thread to run it (interpreter shutdown, no threads left), or interrupted.
            if request.future.cancel():
                self.in_flight = None
                _not_sent(rows, exc, self.summary)
            raise

    def _run(self, request: _Request) -> None:
        """In the helper thread: send the batch unless it was cancelled first."""
        if not request.future.set_running_or_notify_cancel():
            return
        try:
            answer = self.backend.send_bulk(request.message)
        except BaseException as exc:
            request.answered = (time.monotonic(), timezone.now())
            request.future.set_exception(exc)
        else:
            request.answered = (time.monotonic(), timezone.now())
            request.future.set_result(answer)
        finally:
            # A backend that used the database here has a connection of this thread's own.
            connections.close_all()

    def finish(self, stopping: BaseException | None = None) -> None:
        """Record the batch in flight, if any, and stop the helper thread. ``stopping``: the
        exception the send is failing with already; it, not this batch's, is what the caller
        gets, and a batch whose request has not started is not sent."""
        request = self.in_flight
        try:
            if stopping is not None and request is not None and request.future.cancel():
                self.in_flight = None
                _not_sent(request.rows, stopping, self.summary)
            self._record()
        except BaseException:
            if stopping is None:
                raise
            logger.exception(
                "Bulk send %s: the outcome of the batch in flight (log ids %s) could not be "
                "recorded",
                self.summary.batch,
                ", ".join(str(row.pk) for row in request.rows) if request else "",
            )
        finally:
            if self.executor is not None:
                self.executor.shutdown(wait=False)
                self.executor = None

    def _record(self) -> None:
        request = self.in_flight
        if request is None:
            return
        try:
            _deliver_batch(
                request.rows,
                request.message,
                self.backend,
                self.summary,
                answer=request.future.result,
                started=request.started,
                answered=lambda: request.answered,
            )
        finally:
            self.in_flight = None


def _not_sent_reason(exc: BaseException) -> str:
    return _("Not sent: the bulk send stopped before this number's turn (%(reason)s).") % {
        "reason": _describe(exc)
    }


def _not_sent(rows: list[SmsLog], exc: BaseException, summary: BulkSummary) -> None:
    """Mark the saved ``rows`` of a batch whose request never left ``failed``, saying why."""
    errmsg = _not_sent_reason(exc)
    try:
        SmsLog.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=SmsLog.Status.FAILED, errmsg=errmsg, finished_at=timezone.now()
        )
    except Exception:
        logger.exception(
            "Bulk send %s stopped; %d numbers not sent could not be marked failed (ids %s)",
            summary.batch,
            len(rows),
            ", ".join(str(row.pk) for row in rows),
        )
        return
    for row in rows:
        row.status, row.errmsg = SmsLog.Status.FAILED, errmsg
    summary.failed += len(rows)


# --- sending one batch ---------------------------------------------------------------------


def _deliver_batch(
    rows: list[SmsLog],
    message: BulkMessage,
    backend: BaseBackend,
    summary: BulkSummary,
    *,
    answer: Callable[[], BulkResult] | None = None,
    started: float | None = None,
    answered: Callable[[], tuple[float, datetime] | None] | None = None,
) -> None:
    """Send ``message`` (whose phones are ``rows``' numbers, in order) and record the outcome
    on ``rows`` (already saved) with ``_save``. ``answer``: where the backend's answer comes
    from when the request was sent already (``_Pipeline``: the helper thread's result, which
    raises what the backend raised); ``started`` when it was sent, and ``answered()`` when the
    answer came (``(monotonic, datetime)``; now when it gives None).

    Raises, after recording, the exception that must stop a bulk send: a transport failure (of
    the batch, or of one of its numbers), a ``ConfigurationError``, a Tencent refusal of the
    whole request that the operator must fix, or anything unexpected.
    """
    started = time.monotonic() if started is None else started
    summary.batches += 1
    stop: BaseException | None = None
    ext = ""
    request_id = ""
    try:
        answer = backend.send_bulk(message) if answer is None else answer()
    except BaseException as exc:
        request_id = getattr(exc, "request_id", "")
        outcome = _failure(exc)
        outcomes = [(*outcome, "", None, exc)] * len(rows)
        if not (isinstance(exc, TencentSmsError) and exc.category != Category.ACCOUNT):
            stop = exc
    else:
        ext = answer.ext
        request_id = answer.request_id
        recipients = list(answer.recipients[: len(rows)])
        if len(recipients) < len(rows):
            gap = InvalidResponse(
                f"The backend answered for {len(recipients)} of {len(rows)} numbers; the others "
                "may still be delivered"
            )
            recipients += [RecipientResult(None, str(gap), error=gap)] * (
                len(rows) - len(recipients)
            )
        outcomes = [_recipient_outcome(r) for r in recipients]
        stop = next(
            (
                r.error
                for r in recipients
                if r.error is not None and not isinstance(r.error, TencentSmsError)
            ),
            None,
        )
    ended, finished = (answered and answered()) or (time.monotonic(), timezone.now())
    duration = timedelta(seconds=ended - started)
    for row, (status, result, errmsg, sid, fee, _exc) in zip(rows, outcomes, strict=True):
        row.status, row.result, row.errmsg, row.sid, row.fee = status, result, errmsg, sid, fee
        row.finished_at, row.duration, row.request_id = finished, duration, request_id
    try:
        _save(rows, _OUTCOME_FIELDS)
    except Exception:
        # Tencent accepted some: say so where an operator will look before the database error
        # reaches the caller, so nobody resends them believing they failed.
        sent = [row for row in rows if row.status == SmsLog.Status.SENT]
        if sent:
            logger.exception(
                "Bulk batch %s: %d messages were SENT (sids %s) but their log rows (ids %s) "
                "could not be updated",
                summary.batch,
                len(sent),
                ", ".join(row.sid for row in sent),
                ", ".join(str(row.pk) for row in sent),
            )
        raise
    before = (summary.sent, summary.failed, summary.unknown)
    summary._count(rows)
    logger.log(
        logging.WARNING if stop is not None or summary.unknown > before[2] else logging.INFO,
        "Bulk batch %s (%d numbers, %s…): %d sent, %d failed, %d unknown%s",
        summary.batch,
        len(rows),
        mask_phone(rows[0].phone),
        summary.sent - before[0],
        summary.failed - before[1],
        summary.unknown - before[2],
        f"; stopping: {_describe(stop)}" if stop is not None else "",
    )
    uses = Counter(id(o[5]) for o in outcomes if o[5] is not None)
    for row, (_status, result, errmsg, sid, fee, exc) in zip(rows, outcomes, strict=True):
        if row.status == SmsLog.Status.SENT:
            notify(
                sms_sent,
                SmsLog,
                log=row,
                result=SendResult(sid=sid, fee=fee, errmsg=errmsg, ext=ext),
            )
            continue
        if exc is None and result is not None:
            exc = TencentSmsError.for_result(result, errmsg, ext)
        if isinstance(exc, SmsError):
            if uses[id(exc)] <= 1:  # this row's own exception: it carries the row, as usual
                exc.log = row
            notify(sms_failed, SmsLog, log=row, exception=exc)
    if stop is not None:
        raise stop


def _failure(exc: BaseException) -> tuple[str, int | None, str]:
    """``(status, result, errmsg)`` of a message whose sending raised ``exc`` (as ``deliver``)."""
    if isinstance(exc, ConfigurationError):
        return SmsLog.Status.FAILED, None, str(exc)
    if isinstance(exc, TencentSmsError):
        return SmsLog.Status.FAILED, exc.result, exc.errmsg or exc.meaning
    if isinstance(exc, SmsError):
        maybe = exc.may_have_reached_tencent
        return (SmsLog.Status.UNKNOWN if maybe else SmsLog.Status.FAILED), None, str(exc)
    # A bug, or the process being interrupted mid-request: Tencent may have the message.
    return SmsLog.Status.UNKNOWN, None, f"Interrupted by {type(exc).__name__}"


def _recipient_outcome(
    recipient: RecipientResult,
) -> tuple[str, int | None, str, str, int | None, BaseException | None]:
    if recipient.result == 0:
        return (
            SmsLog.Status.SENT,
            0,
            recipient.errmsg or "OK",
            recipient.sid,
            recipient.fee,
            None,
        )
    if recipient.error is not None:
        status, result, errmsg = _failure(recipient.error)
        return status, result, errmsg, "", None, recipient.error
    if recipient.result is not None:
        errmsg = recipient.errmsg or lookup(recipient.result).meaning
        return SmsLog.Status.FAILED, recipient.result, errmsg, "", None, None
    return SmsLog.Status.FAILED, None, recipient.errmsg or "Not sent", "", None, None


# --- send_batch's helpers ------------------------------------------------------------------


def _check_batch(rows: QuerySet[SmsLog]) -> None:
    """``ValueError`` unless ``rows`` can go out as one request."""
    contents, kinds = set(), set()
    for phone, *content in rows.values_list(
        "phone", "tpl_id", "template_id", "params", "sign", "ext", "extend"
    ):
        contents.add(repr(content))
        kinds.add(getattr(phone, "country_code", None) == _DOMESTIC)
    if len(contents) > 1:
        raise ValueError("The messages of one batch must share template, parameters and options")
    if len(kinds) > 1:
        raise ValueError("A batch takes domestic (+86) or international numbers, not both")


def _claim(ids: list[int], backend_name: str) -> list[SmsLog]:
    """Take the ``queued`` rows among ``ids`` for this call: ``queued`` → ``sending``."""
    if not ids:
        return []
    using = router.db_for_write(SmsLog)
    with transaction.atomic(using=using):
        rows = list(
            SmsLog.objects.using(using)
            .select_for_update()
            .filter(pk__in=ids, status=SmsLog.Status.QUEUED)
            .order_by("pk")
        )
        if rows:
            taken = (
                SmsLog.objects.using(using)
                .filter(pk__in=[row.pk for row in rows], status=SmsLog.Status.QUEUED)
                .update(status=SmsLog.Status.SENDING, backend=backend_name)
            )
            if taken != len(rows):  # the rows are locked: cannot happen
                raise RuntimeError("SMS rows being claimed changed under a lock")
    for row in rows:
        row.status = SmsLog.Status.SENDING
        row.backend = backend_name
    return rows


def _mark_stuck(ids: list[int]) -> None:
    """Rows another call left ``sending`` (its worker may have died mid-request): ``unknown``."""
    if not ids:
        return
    marked = SmsLog.objects.filter(pk__in=ids, status=SmsLog.Status.SENDING).update(
        status=SmsLog.Status.UNKNOWN,
        errmsg=(
            "Found being sent by another delivery of its task: that worker may have died "
            "mid-request. Not sent again."
        ),
        finished_at=timezone.now(),
    )
    if marked:
        logger.warning(
            "%d SMS of a bulk batch were found in status sending by a second delivery of its "
            "task; marked unknown and not sent again",
            marked,
        )


def _record_invalid(rows: list[SmsLog], exc: InvalidMessage, summary: BulkSummary) -> None:
    now = timezone.now()
    for row in rows:
        row.status, row.errmsg, row.finished_at = SmsLog.Status.FAILED, str(exc), now
    _save(rows, ["status", "errmsg", "finished_at"])
    summary.failed += len(rows)
    logger.warning("%d SMS of bulk batch %s failed: %s", len(rows), summary.batch, exc)
    for row in rows:
        notify(sms_failed, SmsLog, log=row, exception=exc)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
