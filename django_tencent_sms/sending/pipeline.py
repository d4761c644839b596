"""A bulk send's overlap: one batch's request is out while the next batch is read and written.

The request goes out from a helper thread while the caller's thread reads, checks and writes
the next batch, so a batch's own work (about as long as its request) no longer adds to the
time of the send. The order of what matters is unchanged; ``Pipeline`` says how.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import logging
import time

from django.db import connections

from django_tencent_sms.backends import BaseBackend
from django_tencent_sms.message import BulkMessage
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.batch import Attempt, mark_not_sent, record_batch, request_batch
from django_tencent_sms.sending.single import database_error
from django_tencent_sms.sending.summary import BulkSummary

__all__ = ["Pipeline"]

logger = logging.getLogger("django_tencent_sms")


class _Request:
    """A batch whose request was handed to the helper thread."""

    def __init__(self, rows: list[SmsLog], message: BulkMessage) -> None:
        self.rows = rows
        self.message = message
        #: Ours, made before the request is handed over: cancelled while still pending, it is
        #: never sent; once running, its outcome is recorded whatever happens meanwhile.
        self.future: concurrent.futures.Future[Attempt] = concurrent.futures.Future()
        self.started = time.monotonic()


class Pipeline:
    """Sends each batch's request from a helper thread while the caller's thread reads,
    validates and inserts the next batch.

    Every batch's rows are written before its request leaves. A batch's answer is recorded
    (rows, summary, signals, in the caller's thread and database connection) before the next
    request leaves, so a batch that must stop the send stops it before another request goes:
    the next batch's rows, written already, become ``failed`` ("Not sent: …"), as numbers read
    but not sent always do. At most one request is in flight. The helper thread only calls
    ``backend.send_bulk`` (backends are thread-safe), in a copy of the caller's context
    variables, and never touches the database (a connection a backend opened there is closed).

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
            mark_not_sent(rows, exc, self.summary)
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
                mark_not_sent(rows, exc, self.summary)
            raise

    def _run(self, request: _Request) -> None:
        """In the helper thread: send the batch unless it was cancelled first."""
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
        """Record the batch in flight, if any, and stop the helper thread. ``stopping``: the
        exception the send is failing with already; it, not this batch's, is what the caller
        gets, and a batch whose request has not started is not sent."""
        request = self.in_flight
        try:
            if stopping is not None and request is not None and request.future.cancel():
                self.in_flight = None
                mark_not_sent(request.rows, stopping, self.summary)
            self._record()
        except BaseException as exc:
            if stopping is None:
                raise
            # Not the error's text: a database's can quote the rows (numbers, parameters).
            logger.error(
                "Bulk send %s: the outcome of the batch in flight (log ids %s) could not be "
                "recorded (%s)",
                self.summary.batch,
                ", ".join(str(row.pk) for row in request.rows) if request else "",
                database_error(exc),
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
            try:
                attempt = request.future.result()
            except BaseException as exc:
                # Interrupted while waiting for the answer (Ctrl-C): the request is out.
                attempt = Attempt.came(exc, request.started)
            record_batch(request.rows, attempt, self.summary)
        finally:
            self.in_flight = None
