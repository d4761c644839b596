"""A bulk send's overlap: up to ``BULK_CONCURRENCY`` batches in flight at once, each written,
sent and recorded by a helper thread, while the caller's thread reads and checks the next.

The caller's thread only reads the numbers and forms the batches; each batch's rows are written,
its request sent and its outcomes written by a helper thread on its own database connection
(closed when the send ends), so neither the database's time nor the round trips add up batch
after batch. The order of what matters is unchanged; ``Pipeline`` says how.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from queue import SimpleQueue
from threading import Event, Thread
from typing import Any

import phonenumbers
from django.db import connections, router

from django_tencent_sms.backends import BaseBackend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import ConfigurationError, SmsError
from django_tencent_sms.message import BulkMessage
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.batch import (
    Attempt,
    mark_not_sent,
    record_batch,
    report_batch,
    request_batch,
    save_batch,
)
from django_tencent_sms.sending.outcome import Outcome
from django_tencent_sms.sending.single import database_error
from django_tencent_sms.sending.summary import BulkSummary

__all__ = [
    "MAX_BULK_CONCURRENCY",
    "Pipeline",
    "Written",
    "normalize_bulk_concurrency",
    "writes_here",
]

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


@dataclass(frozen=True)
class Written:
    """A batch's rows once written: those to send (in the order of ``message``'s numbers), the
    request for them (None when there are none), and how many were skipped as opted out."""

    rows: list[SmsLog]
    message: BulkMessage | None
    opted_out: int = 0


#: Writes the rows of a batch of valid numbers (``bulk._Stream.write``); safe in any thread.
Write = Callable[[list[phonenumbers.PhoneNumber]], Written]
#: Gives numbers read but never sent ``failed`` rows ("Not sent: …"); returns how many.
Unsent = Callable[[list[phonenumbers.PhoneNumber], BaseException], int]


def writes_here() -> bool:
    """Whether the caller's thread must write the rows itself, the requests alone going out from
    helper threads: inside a transaction (rows written on other connections would not be part
    of it, nor see what it has not committed), and on SQLite, which takes one writer at a time
    (writers in several threads would only wait for each other, or fail with "database is
    locked")."""
    connection = connections[router.db_for_write(SmsLog)]
    return connection.vendor == "sqlite" or connection.in_atomic_block


@dataclass
class _Done:
    """What a helper thread did with a batch (each field is set by one thread, then read by the
    caller's once the batch's future is done)."""

    written: Written | None = None
    attempt: Attempt | None = None
    outcomes: list[Outcome] | None = None
    stop: BaseException | None = None
    #: The batch's rows could not be written (nothing was sent), or its outcomes not recorded.
    write_error: BaseException | None = None
    save_error: BaseException | None = None
    #: The send was stopping when its rows were written: its request was not sent.
    held: bool = False


class _Batch:
    """A batch handed over: its numbers, and its rows if the caller's thread wrote them."""

    def __init__(self, numbers: list[phonenumbers.PhoneNumber], written: Written | None) -> None:
        self.numbers = numbers
        self.written = written
        #: Its rows, once the caller's thread knows them.
        self.rows = written.rows if written is not None else None
        #: Ours, made before the batch is handed over: cancelled while still pending, it is
        #: never written nor sent; once running, its outcome is recorded whatever happens.
        self.future: concurrent.futures.Future[_Done] = concurrent.futures.Future()
        self.started = time.monotonic()


class Pipeline:
    """Sends each batch from a helper thread while the caller's thread reads the next; at most
    ``concurrency`` batches are in flight at once (``BULK_CONCURRENCY`` by default).

    A helper thread writes the batch's rows (``write``), sends its request, and writes its
    outcomes, on a database connection of its own; the caller's thread then counts them, logs
    and signals (``sms_sent``, ``sms_failed``), in the order the batches were handed over,
    before handing over a further batch. Where the rows cannot be written from another thread
    (``writes_here``), the caller's thread writes them before handing the batch over and records
    its outcomes itself, and the helper threads only send requests.

    Every batch's rows are written before its request leaves. A batch that must stop the send
    stops it before another batch is handed over: the batches handed over but not started are
    never written nor sent (their numbers get ``failed`` rows, "Not sent: …"), a batch whose rows
    were written while the send was stopping is not sent either, those already out are
    recorded. Memory is bounded: at most ``concurrency`` batches in flight plus the one being
    read. Backends are thread-safe; each batch runs in a copy of the caller's context variables.
    The helper threads' database connections are closed when the send ends.
    """

    def __init__(
        self,
        backend: BaseBackend,
        summary: BulkSummary,
        write: Write,
        unsent: Unsent,
        concurrency: int | None = None,
    ) -> None:
        self.backend = backend
        self.summary = summary
        self.write = write
        self.unsent = unsent
        self.concurrency = normalize_bulk_concurrency(
            sms_settings.BULK_CONCURRENCY if concurrency is None else concurrency
        )
        self.here = writes_here()
        self.in_flight: list[_Batch] = []
        self.queue: SimpleQueue[tuple[contextvars.Context, _Batch] | None] = SimpleQueue()
        self.threads: list[Thread] = []
        #: Set once the send is stopping: a helper thread then sends no further request.
        self.stopping = Event()
        self.reason: BaseException | None = None

    def send(self, numbers: list[phonenumbers.PhoneNumber]) -> None:
        """Hand over a batch of valid numbers (read, not yet written), once there is room:
        record the batches whose outcomes came first."""
        written = None
        if self.here:
            written = self.write(numbers)
            self.summary.opted_out += written.opted_out
            if written.message is None:
                return
        try:
            self._record_done()
            while len(self.in_flight) >= self.concurrency:
                concurrent.futures.wait(
                    [b.future for b in self.in_flight],
                    return_when=concurrent.futures.FIRST_COMPLETED,
                )
                self._record_done()
        except BaseException as exc:
            self._not_sent(numbers, written, exc)
            raise
        batch = _Batch(numbers, written)
        self.in_flight.append(batch)
        try:
            if len(self.threads) < self.concurrency:
                thread = Thread(
                    target=self._work,
                    name=f"tencent-sms-bulk-{len(self.threads)}",
                    daemon=True,
                )
                thread.start()
                self.threads.append(thread)
            self.queue.put((contextvars.copy_context(), batch))
        except BaseException as exc:
            # No thread to run it (interpreter shutdown, no threads left), or interrupted.
            if batch.future.cancel():
                self.in_flight.remove(batch)
                self._not_sent(numbers, written, exc)
            raise

    def _not_sent(
        self, numbers: list[phonenumbers.PhoneNumber], written: Written | None, exc: BaseException
    ) -> None:
        """A batch that will not be sent: its rows (or, unwritten, its numbers) ``failed``."""
        if written is not None:
            mark_not_sent(written.rows, exc, self.summary)
            return
        try:
            self.summary.failed += self.unsent(numbers, exc)
        except Exception as error:
            logger.error(
                "Bulk send %s stopped; %d numbers read but not sent could not be logged (%s)",
                self.summary.batch,
                len(numbers),
                database_error(error),
            )

    def _work(self) -> None:
        """A helper thread: runs the batches handed to it until the send ends."""
        try:
            while (item := self.queue.get()) is not None:
                context, batch = item
                del item  # nothing of a batch done is held while waiting for the next
                context.run(self._run, batch)
                del context, batch
        finally:
            connections.close_all()  # this thread's own, opened by writing (or the backend)

    def _run(self, batch: _Batch) -> None:
        """Write, send and record ``batch``, unless it was cancelled first."""
        if not batch.future.set_running_or_notify_cancel():
            return
        done = _Done(written=batch.written)
        try:
            if done.written is None:
                try:
                    done.written = self.write(batch.numbers)
                except Exception as exc:
                    done.write_error = exc
                    return
                if done.written.message is None:
                    return
                if self.stopping.is_set():
                    done.held = True
                    return
            message = done.written.message
            if message is None:  # cannot happen: the caller hands over no empty batch
                return
            done.attempt = request_batch(self.backend, message, started=batch.started)
            if batch.written is None:  # written here: recorded here
                try:
                    done.outcomes, done.stop = save_batch(
                        done.written.rows, done.attempt, self.summary.batch
                    )
                except Exception as exc:
                    done.save_error = exc
        except BaseException as exc:  # not the backend's (the attempt keeps those): never hang
            batch.future.set_exception(exc)
        finally:
            if not batch.future.done():
                batch.future.set_result(done)

    def finish(self, stopping: BaseException | None = None) -> None:
        """Record every batch in flight and stop the helper threads. ``stopping``: the
        exception the send is failing with already; it, not a batch's, is what the caller gets,
        and the batches not started are not sent. Without it, the first batch that must stop the
        send does the same, after every batch already out is recorded, and its exception is
        raised."""
        given = stopping
        try:
            while self.in_flight:
                if stopping is not None:
                    self._stop(stopping)
                    self._cancel_pending(stopping)
                    if not self.in_flight:
                        break
                batch = self.in_flight[0]
                try:
                    self._record(batch)
                except BaseException as exc:
                    if stopping is None:
                        stopping = exc
                    elif not isinstance(exc, SmsError):
                        # A batch's own reason to stop is recorded on it already; anything
                        # else is logged, not the error's text: a database's can quote rows.
                        logger.error(
                            "Bulk send %s: the outcome of the batch in flight (%s) could not be "
                            "recorded (%s)",
                            self.summary.batch,
                            _which(batch),
                            database_error(exc),
                        )
        finally:
            for _thread in self.threads:
                self.queue.put(None)
            for thread in self.threads:
                thread.join()
            self.threads = []
        if given is None and stopping is not None:
            raise stopping

    def _stop(self, exc: BaseException) -> None:
        if not self.stopping.is_set():
            self.reason = exc
            self.stopping.set()

    def _cancel_pending(self, exc: BaseException) -> None:
        """The batches whose requests have not started: not sent (``failed``)."""
        for batch in list(self.in_flight):
            if batch.future.cancel():
                self.in_flight.remove(batch)
                self._not_sent(batch.numbers, batch.written, exc)

    def _record_done(self) -> None:
        """Record the batches whose outcomes came, in the order they were handed over."""
        for batch in [b for b in self.in_flight if b.future.done()]:
            self._record(batch)

    def _record(self, batch: _Batch) -> None:
        try:
            try:
                self._count(batch)
            except BaseException as exc:
                self._stop(exc)
                raise
        finally:
            self.in_flight.remove(batch)

    def _count(self, batch: _Batch) -> None:
        """The caller's side of a batch whose outcome came: counts, log line, signals."""
        try:
            done = batch.future.result()
        except BaseException as exc:
            if batch.written is None:
                # Interrupted while waiting (Ctrl-C), or a helper thread's failure: a helper
                # thread that wrote the rows records their outcome itself.
                raise
            # Interrupted while waiting for the answer: the request is out.
            record_batch(batch.written.rows, Attempt.came(exc, batch.started), self.summary)
            return
        if done.write_error is not None:
            self._not_sent(batch.numbers, None, done.write_error)
            raise done.write_error
        written = done.written
        if written is None:  # cannot happen: set whenever write_error is not
            return
        batch.rows = written.rows
        if batch.written is None:
            self.summary.opted_out += written.opted_out
        if written.message is None:
            return
        if done.held:
            mark_not_sent(written.rows, self.reason or RuntimeError("stopped"), self.summary)
            return
        if done.attempt is None:  # cannot happen: held or attempted
            return
        if batch.written is not None:
            record_batch(written.rows, done.attempt, self.summary)
            return
        self.summary.batches += 1
        if done.save_error is not None:
            raise done.save_error
        report_batch(written.rows, done.outcomes or [], done.stop, done.attempt, self.summary)


def _which(batch: _Batch) -> str:
    """A batch as a log line names it: its rows' ids, or how many numbers it had unwritten."""
    if batch.rows is None:
        return f"{len(batch.numbers)} numbers, no rows written"
    return "log ids " + ", ".join(str(row.pk) for row in batch.rows)
