"""A bulk send's overlap: up to ``BULK_CONCURRENCY`` batches' requests are out at once while
the next batch is read and written.

The requests go out from helper threads while the caller's thread reads, checks and writes the
next batch, so neither a batch's own work nor the round trips of the others add to the time of
the send. The order of what matters is unchanged; ``Pipeline`` says how.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import logging
import time
from typing import Any

from django.db import connections

from django_tencent_sms.backends import BaseBackend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import ConfigurationError, SmsError
from django_tencent_sms.message import BulkMessage
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.batch import Attempt, mark_not_sent, record_batch, request_batch
from django_tencent_sms.sending.single import database_error
from django_tencent_sms.sending.summary import BulkSummary

__all__ = ["MAX_BULK_CONCURRENCY", "Pipeline", "normalize_bulk_concurrency"]

logger = logging.getLogger("django_tencent_sms")

#: The most batches of one bulk send in flight at once.
MAX_BULK_CONCURRENCY = 32


def normalize_bulk_concurrency(value: Any) -> int:
    """Validate ``BULK_CONCURRENCY``: a whole number from 1 to :data:`MAX_BULK_CONCURRENCY`."""
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 1 <= value <= MAX_BULK_CONCURRENCY
    ):
        raise ConfigurationError(
            "TENCENT_SMS['BULK_CONCURRENCY'] must be a whole number of batches from 1 to "
            f"{MAX_BULK_CONCURRENCY}, not {value!r}."
        )
    return value


class _Request:
    """A batch whose request was handed to a helper thread."""

    def __init__(self, rows: list[SmsLog], message: BulkMessage) -> None:
        self.rows = rows
        self.message = message
        #: Ours, made before the request is handed over: cancelled while still pending, it is
        #: never sent; once running, its outcome is recorded whatever happens meanwhile.
        self.future: concurrent.futures.Future[Attempt] = concurrent.futures.Future()
        self.started = time.monotonic()


class Pipeline:
    """Sends each batch's request from a helper thread while the caller's thread reads,
    validates and inserts the next batch; at most ``concurrency`` requests are out at once
    (``BULK_CONCURRENCY`` by default).

    Every batch's rows are written before its request leaves. Answers are recorded (rows,
    summary, signals, in the caller's thread and database connection) as they come, before
    each further request is handed over; a batch that must stop the send stops it before
    another request is handed over: the batches handed over but not yet started are never sent
    (``failed``, "Not sent: …"), those already out are recorded, and the next batch's rows,
    written already, become ``failed`` too, as numbers read but not sent always do. Memory is
    bounded: at most ``concurrency`` batches in flight plus the one being written. The helper
    threads only call ``backend.send_bulk`` (backends are thread-safe), each in a copy of the
    caller's context variables, and never touch the database (a connection a backend opened
    there is closed).

    A batch is in flight from before its request is handed over until its outcome is recorded,
    so an interruption at any point leaves it either cancelled before it started (its rows
    ``failed``, "Not sent") or recorded (``unknown`` at worst).
    """

    def __init__(
        self, backend: BaseBackend, summary: BulkSummary, concurrency: int | None = None
    ) -> None:
        self.backend = backend
        self.summary = summary
        self.concurrency = normalize_bulk_concurrency(
            sms_settings.BULK_CONCURRENCY if concurrency is None else concurrency
        )
        self.executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.in_flight: list[_Request] = []

    def send(self, rows: list[SmsLog], message: BulkMessage) -> None:
        """Record the batches whose answers came, wait for a free place, then send this one
        (its rows are saved)."""
        try:
            self._record_done()
            while len(self.in_flight) >= self.concurrency:
                concurrent.futures.wait(
                    [r.future for r in self.in_flight],
                    return_when=concurrent.futures.FIRST_COMPLETED,
                )
                self._record_done()
        except BaseException as exc:
            mark_not_sent(rows, exc, self.summary)
            raise
        request = _Request(rows, message)
        self.in_flight.append(request)
        try:
            if self.executor is None:
                self.executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=self.concurrency, thread_name_prefix="tencent-sms-bulk"
                )
            self.executor.submit(contextvars.copy_context().run, self._run, request)
        except BaseException as exc:
            # No thread to run it (interpreter shutdown, no threads left), or interrupted.
            if request.future.cancel():
                self.in_flight.remove(request)
                mark_not_sent(rows, exc, self.summary)
            raise

    def _run(self, request: _Request) -> None:
        """In a helper thread: send the batch unless it was cancelled first."""
        if not request.future.set_running_or_notify_cancel():
            return
        try:
            request.future.set_result(
                request_batch(self.backend, request.message, started=request.started)
            )
        except BaseException as exc:  # not the backend's (the attempt keeps those): never hang
            request.future.set_exception(exc)
        finally:
            # A backend that used the database here has a connection of this thread's own.
            connections.close_all()

    def finish(self, stopping: BaseException | None = None) -> None:
        """Record every batch in flight and stop the helper threads. ``stopping``: the
        exception the send is failing with already; it, not a batch's, is what the caller gets,
        and the batches whose requests have not started are not sent. Without it, the first
        batch that must stop the send does the same, after every batch already out is recorded,
        and its exception is raised."""
        given = stopping
        try:
            while self.in_flight:
                if stopping is not None:
                    self._cancel_pending(stopping)
                    if not self.in_flight:
                        break
                request = self.in_flight[0]
                try:
                    self._record(request)
                except BaseException as exc:
                    if stopping is None:
                        stopping = exc
                    elif not isinstance(exc, SmsError):
                        # A batch's own reason to stop is recorded on it already; anything
                        # else is logged, not the error's text: a database's can quote rows.
                        logger.error(
                            "Bulk send %s: the outcome of the batch in flight (log ids %s) "
                            "could not be recorded (%s)",
                            self.summary.batch,
                            ", ".join(str(row.pk) for row in request.rows),
                            database_error(exc),
                        )
        finally:
            if self.executor is not None:
                self.executor.shutdown(wait=False)
                self.executor = None
        if given is None and stopping is not None:
            raise stopping

    def _cancel_pending(self, exc: BaseException) -> None:
        """Mark the batches whose requests have not started ``failed`` (not sent)."""
        for request in list(self.in_flight):
            if request.future.cancel():
                self.in_flight.remove(request)
                mark_not_sent(request.rows, exc, self.summary)

    def _record_done(self) -> None:
        """Record the batches whose answers came, in the order they were handed over."""
        for request in [r for r in self.in_flight if r.future.done()]:
            self._record(request)

    def _record(self, request: _Request) -> None:
        try:
            try:
                attempt = request.future.result()
            except BaseException as exc:
                # Interrupted while waiting for the answer (Ctrl-C): the request is out.
                attempt = Attempt.came(exc, request.started)
            record_batch(request.rows, attempt, self.summary)
        finally:
            self.in_flight.remove(request)
