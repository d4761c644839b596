"""What the sandbox remembers, behind one lock: requests, messages, faults, counts, reports.

The requests it received, the messages it accepted, the faults still to play, the frequency
counts, the pending delivery reports and replies. Both API generations' handlers work on one
:class:`SandboxState` through its public methods; so does the
:class:`~django_tencent_sms.sandbox.core.Sandbox` facade.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django_tencent_sms.sandbox.account_figures import AccountFigures
from django_tencent_sms.sandbox.faults import Fault, validate_count
from django_tencent_sms.sandbox.limits import FrequencyCounter, FrequencyLimits
from django_tencent_sms.sandbox.number_history import NumberHistory
from django_tencent_sms.sandbox.records import ReceivedRequest, SandboxMessage
from django_tencent_sms.sandbox.reports import ReportCenter
from django_tencent_sms.sandbox.rules import NOT_JSON
from django_tencent_sms.sandbox.server import HttpRequest
from django_tencent_sms.sandbox.templates import KindSource, Templates, TemplateSource

__all__ = ["Arrival", "Outcome", "SandboxState"]


class Outcome(Protocol):
    """What a send's checks decide: the messages they accepted (maybe none)."""

    @property
    def messages(self) -> tuple[SandboxMessage, ...]: ...


OutcomeT = TypeVar("OutcomeT", bound=Outcome)


@dataclass(frozen=True)
class Arrival:
    """A request just recorded, and the fault it drew, if any."""

    record: ReceivedRequest
    fault: Fault | None
    #: Set by ``reset()`` and ``stop()``: a ``slow`` fault stops waiting.
    wake: threading.Event

    @property
    def fault_kind(self) -> str | None:
        return self.fault.kind if self.fault is not None else None

    def wait_if_slow(self) -> None:
        """Play a ``slow`` fault: wait its delay, or until the sandbox is reset or stopped."""
        if self.fault is not None and self.fault.kind == "slow":
            self.wake.wait(self.fault.delay)


class SandboxState:
    """What the emulator remembers. Thread-safe: every method takes the one lock it needs.

    ``clock`` gives the sandbox's time (Unix seconds); ``templates`` are looked up outside the
    lock (a callable source may query a database).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        templates: TemplateSource = None,
        template_kinds: KindSource = None,
        limits: FrequencyLimits | None = None,
        callback_url: str | None = None,
        reply_callback_url: str | None = None,
        report_delay: float = 0.0,
        report_success: float = 1.0,
        verbose: Callable[[], bool] = lambda: False,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._limits = limits
        self._requests: list[ReceivedRequest] = []
        self._messages: list[SandboxMessage] = []
        self._faults: deque[Fault] = deque()
        self._frequency = FrequencyCounter()
        self._wake = threading.Event()
        self._connections = 0
        self.templates = Templates(templates, template_kinds)
        #: Delivery reports and replies: queued for pulls, pushed to the callbacks if set.
        self.reports = ReportCenter(
            clock=self.now,
            callback_url=callback_url,
            reply_callback_url=reply_callback_url,
            delay=report_delay,
            success=report_success,
            verbose=verbose,
            lock=self._lock,
        )
        #: Every report and reply made, by number, for the per-number lookups.
        self.history = NumberHistory()
        #: Accepted messages with their reports, and the prepaid packages (the statistics).
        self.figures = AccountFigures()

    # The clock and the limits ---------------------------------------------------------------

    @property
    def clock(self) -> Callable[[], float]:
        with self._lock:
            return self._clock

    @clock.setter
    def clock(self, value: Callable[[], float]) -> None:
        with self._lock:
            self._clock = value

    def now(self) -> float:
        """The sandbox's time: the clock's answer now."""
        with self._lock:
            clock = self._clock
        return clock()

    @property
    def limits(self) -> FrequencyLimits | None:
        with self._lock:
            return self._limits

    @limits.setter
    def limits(self, value: FrequencyLimits | None) -> None:
        if value is not None and not isinstance(value, FrequencyLimits):
            raise TypeError("limits must be a FrequencyLimits or None")
        with self._lock:
            self._limits = value

    # What was received and accepted ---------------------------------------------------------

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Copies of every request on the SMS endpoints, in arrival order."""
        with self._lock:
            return copy.deepcopy(self._requests)

    @property
    def messages(self) -> list[SandboxMessage]:
        """Copies of the accepted messages, oldest first."""
        with self._lock:
            return [dataclasses.replace(m, params=list(m.params)) for m in self._messages]

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        with self._lock:
            return self._connections

    def connection_opened(self) -> int:
        """Count a new TCP connection; returns its serial number (1 for the first)."""
        with self._lock:
            self._connections += 1
            return self._connections

    def add_faults(self, fault: Fault, count: int = 1) -> None:
        """Queue ``fault`` for the next ``count`` requests (after those already queued)."""
        count = validate_count(count)
        with self._lock:
            self._faults.extend([fault] * count)

    def arrive(self, endpoint: str, request: HttpRequest, data: object) -> Arrival:
        """Record ``request`` (``data``: its parsed body, or ``NOT_JSON``) and draw the next
        fault for it."""
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
            record = ReceivedRequest(
                endpoint=endpoint,
                query=dict(request.query),
                headers=dict(request.headers),
                body=request.body,
                json=None if data is NOT_JSON else copy.deepcopy(data),
                received_at=self._clock(),
                fault=fault.kind if fault else None,
                connection=request.connection,
                method=request.method,
            )
            self._requests.append(record)
            return Arrival(record, fault, self._wake)

    def answered(
        self, record: ReceivedRequest, result: int | None, code: str | None = None
    ) -> None:
        """Note on ``record`` what was answered: the legacy ``result`` and the API 3.0 ``code``."""
        with self._lock:
            record.result = result
            record.code = code

    def send(
        self, check: Callable[[float, FrequencyCounter, FrequencyLimits | None], OutcomeT]
    ) -> OutcomeT:
        """Run a send's ``check`` under the lock, with the time, the frequency counts and the
        limits; keep the messages it accepted and make their delivery reports."""
        with self._lock:
            outcome = check(self._clock(), self._frequency, self._limits)
            for message in outcome.messages:
                self._messages.append(message)
                report = self.reports.message_accepted(message)
                self.figures.accepted(message, report, message.received_at)
                self.history.add_report(report)
        return outcome

    def add_call(self, message: SandboxMessage) -> None:
        """Keep an accepted voice-code call (no SMS delivery report follows one)."""
        with self._lock:
            self._messages.append(message)

    # Starting over --------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget requests, messages, pending faults and frequency counts, pending reports and
        replies and the pushes made; wake slow faults. (Settings stay.)"""
        with self._lock:
            self._requests.clear()
            self._messages.clear()
            self._faults.clear()
            self._frequency.clear()
            self.reports.reset()
            self.history.clear()
            self.figures.reset()
            self.wake_sleepers()

    def wake_sleepers(self) -> None:
        """End the wait of every request playing a ``slow`` fault now."""
        with self._lock:
            woken, self._wake = self._wake, threading.Event()
        woken.set()
