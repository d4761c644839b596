"""Bulk sending: one template to many numbers, streamed into batches of up to 200.

The numbers are read lazily: at most one batch per kind (domestic +86, international) is held
in memory, besides the ``BULK_CONCURRENCY`` batches whose requests are out, so a million numbers
need no more memory than a thousand. Each batch's ``SmsLog`` rows (one per recipient, sharing a
``batch`` id) are written before its request leaves. ``send_bulk`` sends each batch as it goes
(``pipeline``: a few batches' requests overlap each other and the next batch's reading and
writing; ``batch``: one batch's request and outcomes); ``queue_bulk`` writes them ``queued``
and hands each batch's ids on, for ``batch.send_batch`` to send later (one task per batch).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import phonenumbers
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from django_tencent_sms.account.optouts import (
    OptOutFilter,
    check_include_opted_out,
    opted_out_fields,
)
from django_tencent_sms.backends import BaseBackend, get_backend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.batch import BATCH_SIZE, DOMESTIC
from django_tencent_sms.sending.content import Content, TemplateRef, prepare_content
from django_tencent_sms.sending.outcome import not_sent_errmsg
from django_tencent_sms.sending.pipeline import Pipeline, Written
from django_tencent_sms.sending.records import create_rows
from django_tencent_sms.sending.single import database_error
from django_tencent_sms.sending.summary import BulkSummary
from django_tencent_sms.sending.validation import normalize_phone
from django_tencent_sms.signals import notify, sms_failed

__all__ = ["queue_bulk", "send_bulk"]

logger = logging.getLogger("django_tencent_sms")


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
    include_opted_out: bool = False,
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

    Up to ``TENCENT_SMS["BULK_CONCURRENCY"]`` batches' requests are out at once, from helper
    threads, while the next batch is read, checked and written (``Pipeline``); answers are
    recorded as they come, before a further request is handed over.

    When no usable answer comes back for a batch, its rows are ``unknown`` (the request may have
    reached Tencent) or ``failed`` (it provably did not), as for ``send_sms``; nothing is ever
    sent again automatically. The send then stops: the other batches already out are recorded,
    and the numbers read but not yet sent (batches handed over whose requests had not started,
    the next batch, and those waiting in the other kind's batch) get ``failed`` rows
    ("Not sent: …"), the rest of ``phones`` is not read, and the exception is raised with the
    summary so far as ``exc.summary`` (``exc.summary.total`` numbers were read).
    The same happens when a Tencent refusal stops the send, and for a ``ConfigurationError``.

    Numbers on the opt-out list (``account.optouts``) are skipped: each gets a row with status
    ``opted_out`` and no request, counted in ``summary.opted_out``. The list is read for each
    batch just before its rows are written (in the background: again by the worker, just before
    its request), so an opt-out that arrives during the send applies to the batches after it.
    ``include_opted_out=True`` sends to them anyway, for a message everyone must get (a service
    notice); it is refused (``ValueError``) with a marketing template.

    ``sms_sent`` and ``sms_failed`` fire for each row whose outcome came from the backend or
    from validation (``log.batch`` tells bulk rows apart).
    """
    if background:
        if backend is not None:
            raise TypeError("backend= cannot be combined with background=True")
        from django_tencent_sms.tasks import enqueue_batch_on_commit

        return queue_bulk(
            phones, template, params, sign=sign, ext=ext, extend=extend,
            on_batch=partial(enqueue_batch_on_commit, include_opted_out=include_opted_out),
            include_opted_out=include_opted_out,
        )  # fmt: skip
    content = prepare_content(template, params, sign=sign, ext=ext, extend=extend)
    check_include_opted_out(content.template, include_opted_out)
    backend = backend if backend is not None else get_backend()
    summary = BulkSummary(batch=uuid.uuid4())

    stream = _Stream(content, summary, status=SmsLog.Status.PENDING, backend_name=backend.name)
    stream.opt_outs = OptOutFilter(content.template, bulk=True, include_opted_out=include_opted_out)
    pipeline = Pipeline(backend, summary, stream.write, stream.not_sent)
    stream.on_batch = pipeline.send
    try:
        try:
            stream.run(phones)
        except BaseException as exc:
            pipeline.finish(stopping=exc)
            raise
        pipeline.finish()
    except BaseException as exc:
        _stopped(exc, summary)
        raise
    logger.info(
        "Bulk send %s: %d numbers, %d sent, %d failed, %d unknown, %d invalid, %d opted out, "
        "fee %d",
        summary.batch,
        summary.total,
        summary.sent,
        summary.failed,
        summary.unknown,
        summary.invalid,
        summary.opted_out,
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
    include_opted_out: bool = False,
) -> BulkSummary:
    """Like ``send_bulk``, but write each batch's rows as ``queued`` and hand their ids to
    ``on_batch`` (e.g. to enqueue a task that calls ``send_batch``) instead of sending them.

    Invalid numbers get ``failed`` rows as with ``send_bulk``. A verification template is
    refused (``InvalidMessage``, code ``secret_params``): its parameters are not stored, so a
    later ``send_batch`` could not send them. When ``on_batch`` raises, that batch's rows stay
    ``queued``, the numbers read but not yet written get ``failed`` rows, and the exception is
    raised with ``exc.summary``.

    Numbers on the opt-out list get ``opted_out`` rows, as with ``send_bulk``; pass the same
    ``include_opted_out`` to ``send_batch``, which checks the list again at send time.
    """
    content = prepare_content(template, params, sign=sign, ext=ext, extend=extend)
    check_include_opted_out(content.template, include_opted_out)
    if content.secret:
        raise InvalidMessage(
            _(
                "The SMS template %(name)s sends verification codes, which are not stored, so "
                "it cannot be sent in the background."
            ),
            code="secret_params",
            params={"name": content.template_name},
        )
    summary = BulkSummary(batch=uuid.uuid4())

    stream = _Stream(content, summary, status=SmsLog.Status.QUEUED, backend_name="")
    stream.opt_outs = OptOutFilter(content.template, bulk=True, include_opted_out=include_opted_out)

    def hand_on(numbers: list[phonenumbers.PhoneNumber]) -> None:
        written = stream.write(numbers)
        summary.opted_out += written.opted_out
        if written.rows:
            summary.queued += len(written.rows)
            on_batch([row.pk for row in written.rows])

    stream.on_batch = hand_on
    try:
        stream.run(phones)
    except BaseException as exc:
        _stopped(exc, summary)
        raise
    return summary


class _Stream:
    """Reads the numbers and hands each batch of valid ones on (``on_batch``); ``write`` writes
    a batch's rows, in whichever thread is to write them.

    Holds at most one batch of numbers per kind (domestic, international) and one batch of
    invalid numbers' rows.
    """

    def __init__(
        self, content: Content, summary: BulkSummary, *, status: str, backend_name: str
    ) -> None:
        self.content = content
        self.summary = summary
        self.status = status
        self.backend_name = backend_name
        #: Called with each batch of valid numbers, in the caller's thread (set by the caller).
        self.on_batch: Callable[[list[phonenumbers.PhoneNumber]], None] = _nowhere
        self.region = sms_settings.DEFAULT_REGION
        self.waiting: dict[bool, list[phonenumbers.PhoneNumber]] = {True: [], False: []}
        self.invalid: list[tuple[SmsLog, InvalidMessage]] = []
        #: Which numbers are skipped as opted out (set by the caller; none by default).
        self.opt_outs = OptOutFilter(None, bulk=False)

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
        domestic = number.country_code == DOMESTIC
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
        self.on_batch(numbers)

    def write(self, numbers: list[phonenumbers.PhoneNumber]) -> Written:
        """Write the rows of a batch of valid numbers: the opt-out list read, one row per
        number. Touches nothing shared but the database (any thread may call it)."""
        numbers, opted_out = self.opt_outs.split(numbers)
        # The PhoneNumbers themselves: strings would be parsed again.
        rows = self.rows(numbers, status=self.status)
        skipped = self.rows(opted_out, **opted_out_fields())
        create_rows(rows + skipped)
        message = self.content.bulk_message(numbers) if rows else None
        return Written(rows, message, len(skipped))

    def flush_invalid(self) -> None:
        invalid, self.invalid = self.invalid, []
        if not invalid:
            return
        create_rows([row for row, _exc in invalid])
        self.summary.invalid += len(invalid)
        for row, exc in invalid:
            exc.log = row
            notify(sms_failed, SmsLog, log=row, exception=exc)

    def rows(self, numbers: list[phonenumbers.PhoneNumber], **fields: Any) -> list[SmsLog]:
        """Unsaved rows of this send's content, one per number, with ``fields``: copies of
        the first (``Model.__init__`` would go through every field again for each)."""
        if not numbers:
            return []
        first = self.content.row(
            numbers[0], batch=self.summary.batch, backend=self.backend_name, **fields
        )
        return [first, *(_copy_row(first, number) for number in numbers[1:])]

    def not_sent(self, numbers: list[phonenumbers.PhoneNumber], exc: BaseException) -> int:
        """Write ``failed`` rows ("Not sent: …") for numbers read but not sent; how many."""
        if not numbers:
            return 0
        now = timezone.now()
        errmsg = not_sent_errmsg(exc)
        rows = self.rows(numbers, status=SmsLog.Status.FAILED, errmsg=errmsg, finished_at=now)
        create_rows(rows)
        return len(rows)

    def abandon(self, exc: BaseException) -> None:
        """Give the numbers read but not sent their rows, so every number read has one."""
        waiting = self.waiting[True] + self.waiting[False]
        self.waiting = {True: [], False: []}
        try:
            self.summary.failed += self.not_sent(waiting, exc)
            self.flush_invalid()
        except Exception as exc:
            # Not the error's text: it can quote a row (a number, the parameters).
            logger.error(
                "Bulk send %s stopped; the %d numbers read but not sent could not be logged (%s)",
                self.summary.batch,
                len(waiting),
                database_error(exc),
            )


def _copy_row(first: SmsLog, phone: phonenumbers.PhoneNumber) -> SmsLog:
    """An unsaved copy of ``first`` for ``phone``: what ``copy.copy`` makes (its own state, its
    own cache of related objects, its own parameter list), without the pickling protocol that
    ``copy.copy`` goes through for a model instance, which cost more than the rest of the row."""
    row = type(first).__new__(type(first))
    values = first.__dict__.copy()
    state = ModelState()
    state.__dict__.update(first._state.__dict__)
    state.fields_cache = dict(first._state.fields_cache)
    values["_state"] = state
    values["params"] = list(first.params)  # not shared: a row's list is its own
    row.__dict__ = values
    row.phone = phone
    return row


def _nowhere(numbers: list[phonenumbers.PhoneNumber]) -> None:
    raise RuntimeError("the stream's on_batch was not set")


def _stopped(exc: BaseException, summary: BulkSummary) -> None:
    """Note ``exc`` as what stopped the send, and hand the caller the summary so far with it,
    as ``exc.summary``. Every exception instance has a ``__dict__`` to keep it in; ``vars``
    because ``BaseException`` declares no such attribute."""
    summary.stopped_by = exc
    vars(exc)["summary"] = summary


def _shown(value: Any) -> str:
    """``value`` as an error message shows it: its repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _stored(value: Any) -> str:
    """What the log's phone column keeps for a number that was refused."""
    if isinstance(value, phonenumbers.PhoneNumber):
        return phonenumbers.format_number(value, phonenumbers.PhoneNumberFormat.E164)
    if value is None:
        return ""
    return str(value).strip()[:128]
