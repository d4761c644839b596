"""Delivery reports and replies on the sandbox: what Tencent does after a send, locally.

Every accepted message gets a delivery report, due ``delay`` seconds later, delivered or not as
``success`` says (a ratio, applied in turn: 0.75 delivers three messages of every four, the
first three first). A due report is

* pushed to ``callback_url`` when one is set (all due reports in one POST, Tencent's status
  callback body), by a background thread, and
* otherwise kept for ``pullstatus`` (or API 3.0's ``PullSmsSendStatus``), which hands each one
  out once.

Replies (``Sandbox.reply``, ``POST /_sandbox/reply``) go the same way, to ``reply_callback_url``
or ``pullstatus`` type 1. A push that fails (no answer, not HTTP 200, not ``result: 0``) is not
tried again: its items stay for pulling, and ``pushes`` records what happened.
"""

from __future__ import annotations

import bisect
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from math import ceil
from typing import Any
from urllib.parse import urlsplit

import phonenumbers

from django_tencent_sms.protocol.reports import DeliveryReport, IncomingReply
from django_tencent_sms.sandbox.pushes import PUSH_TIMEOUT, Push, post_callback
from django_tencent_sms.sandbox.records import SandboxMessage

__all__ = [
    "DELIVERED",
    "MAX_PULL",
    "UNDELIVERED",
    "ReportCenter",
    "make_reply",
    "pull_limit",
    "validate_url",
]

#: What the sandbox's reports say: Tencent's wording for a delivered message, and a carrier's
#: "undelivered" (reference §6.2).
DELIVERED = ("DELIVRD", "用户短信送达成功")
UNDELIVERED = ("UNDELIV", "用户短信未送达")
#: Items one pull hands out at most.
MAX_PULL = 100


def validate_url(value: str | None, name: str) -> str | None:
    """An http(s) URL, or None; ``ValueError`` otherwise."""
    if value is None or value == "":
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an http(s) URL, not {value!r}")
    return value


def _ratio(value: float) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"report_success must be a ratio from 0 to 1, not {value!r}")
    return Fraction(value).limit_denominator(1000)


def _delay(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 3600:
        raise ValueError(f"report_delay must be 0 to 3600 seconds, not {value!r}")
    return float(value)


@dataclass
class _Pending:
    #: A ``DeliveryReport`` or an ``IncomingReply``.
    item: Any
    #: ``time.monotonic()`` from which it is handed out.
    due: float
    #: False once a push of it failed: it waits for a pull.
    pushable: bool = True


def _due_time(pending: _Pending) -> float:
    return pending.due


def _insert(queue: list[_Pending], pending: _Pending) -> None:
    """Keep ``queue`` in order of due time (appending, as a rule: delays rarely change)."""
    bisect.insort_right(queue, pending, key=_due_time)


@dataclass
class _Config:
    callback_url: str | None = None
    reply_callback_url: str | None = None
    delay: float = 0.0
    success: Fraction = field(default_factory=lambda: Fraction(1))


class ReportCenter:
    """The reports and replies not handed out yet, and the thread that pushes them.

    ``clock`` is the sandbox's clock (Unix seconds), used for the times the reports state;
    delays are measured with ``time.monotonic``. Thread-safe.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        callback_url: str | None = None,
        reply_callback_url: str | None = None,
        delay: float = 0.0,
        success: float = 1.0,
        verbose: Callable[[], bool] = lambda: False,
        lock: threading.RLock | None = None,
    ) -> None:
        self._clock = clock
        self._verbose = verbose
        self._config = _Config(
            validate_url(callback_url, "callback_url"),
            validate_url(reply_callback_url, "reply_callback_url"),
            _delay(delay),
            _ratio(success),
        )
        # ``lock``: the sandbox's state shares its lock, so a reset is one step for both.
        self._condition = threading.Condition(lock)
        self._reports: list[_Pending] = []
        self._replies: list[_Pending] = []
        self._pushes: list[Push] = []
        self._sent = 0  # reports made so far, for the success ratio
        # Bumped by reset(): a push in flight across a reset is forgotten, not recorded.
        self._generation = 0
        self._stopping = False
        self._thread: threading.Thread | None = None

    # Configuration --------------------------------------------------------------------------

    def configure(self, **changes: Any) -> None:
        """Change ``callback_url``, ``reply_callback_url``, ``delay`` or ``success``."""
        checks: dict[str, Callable[[Any], Any]] = {
            "callback_url": lambda v: validate_url(v, "callback_url"),
            "reply_callback_url": lambda v: validate_url(v, "reply_callback_url"),
            "delay": _delay,
            "success": _ratio,
        }
        unknown = set(changes) - set(checks)
        if unknown:
            raise TypeError(f"unknown report settings: {', '.join(sorted(unknown))}")
        values = {name: checks[name](value) for name, value in changes.items()}
        with self._condition:
            for name, value in values.items():
                setattr(self._config, name, value)
            self._condition.notify_all()

    @property
    def callback_url(self) -> str | None:
        with self._condition:
            return self._config.callback_url

    @property
    def reply_callback_url(self) -> str | None:
        with self._condition:
            return self._config.reply_callback_url

    @property
    def delay(self) -> float:
        with self._condition:
            return self._config.delay

    @property
    def success(self) -> float:
        with self._condition:
            return float(self._config.success)

    # Life cycle -----------------------------------------------------------------------------

    def start(self, name: str) -> None:
        with self._condition:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._condition:
            thread, self._thread = self._thread, None
            self._stopping = True
            self._condition.notify_all()
        if thread is not None:
            thread.join(timeout=PUSH_TIMEOUT + 5)

    def reset(self) -> None:
        """Forget pending reports and replies, the pushes, and the success-ratio count."""
        with self._condition:
            self._reports.clear()
            self._replies.clear()
            self._pushes.clear()
            self._sent = 0
            self._generation += 1

    # What happens ---------------------------------------------------------------------------

    def message_accepted(self, message: SandboxMessage) -> DeliveryReport:
        """Make the report of an accepted ``message`` (due after the delay)."""
        with self._condition:
            self._sent += 1
            success = self._config.success
            delivered = ceil(self._sent * success) > ceil((self._sent - 1) * success)
            delay = self._config.delay
            code, description = DELIVERED if delivered else UNDELIVERED
            report = DeliveryReport(
                sid=message.sid,
                delivered=delivered,
                code=code,
                description=description,
                received_at=datetime.fromtimestamp(int(self._clock() + delay), timezone.utc),
                nationcode=message.nationcode,
                mobile=message.mobile,
                session_context=message.ext,
            )
            _insert(self._reports, _Pending(report, time.monotonic() + delay))
            if self._config.callback_url is not None:
                self._condition.notify_all()  # else nobody waits for it: no wake-up per send
        return report

    def add_reply(self, reply: IncomingReply) -> None:
        """Queue ``reply`` (due at once): pushed, or kept for pulling."""
        with self._condition:
            _insert(self._replies, _Pending(reply, time.monotonic()))
            if self._config.reply_callback_url is not None:
                self._condition.notify_all()

    def take_reports(self, limit: int) -> list[DeliveryReport]:
        """Hand out up to ``limit`` due reports, oldest first; they are gone afterwards."""
        return self._take(self._reports, limit)

    def take_replies(self, limit: int) -> list[IncomingReply]:
        return self._take(self._replies, limit)

    def _take(self, queue: list[_Pending], limit: int) -> list[Any]:
        now = time.monotonic()
        with self._condition:
            count = min(limit, bisect.bisect_right(queue, now, key=_due_time))
            taken = queue[:count]
            del queue[:count]
        return [p.item for p in taken]

    @property
    def pending_reports(self) -> list[DeliveryReport]:
        """Reports not handed out yet (due or not), oldest first."""
        with self._condition:
            return [p.item for p in self._reports]

    @property
    def pending_replies(self) -> list[IncomingReply]:
        with self._condition:
            return [p.item for p in self._replies]

    @property
    def pushes(self) -> list[Push]:
        """Every push so far, oldest first."""
        with self._condition:
            return list(self._pushes)

    # The pushing thread ---------------------------------------------------------------------

    def _due(self, queue: list[_Pending], url: str | None, now: float) -> list[_Pending]:
        """Take the due items that may be pushed (hold the lock)."""
        if url is None:
            return []
        count = bisect.bisect_right(queue, now, key=_due_time)
        due = [p for p in queue[:count] if p.pushable]
        if due:
            queue[:count] = [p for p in queue[:count] if not p.pushable]
        return due

    def _next_wait(self, now: float) -> float | None:
        """Seconds until the next item to push is due; None when there is none (hold the lock)."""
        dues = []
        for queue, url in (
            (self._reports, self._config.callback_url),
            (self._replies, self._config.reply_callback_url),
        ):
            if url is not None:  # queues are in due order: the first pushable one is next
                first = next((p.due for p in queue if p.pushable), None)
                if first is not None:
                    dues.append(first)
        return max(0.0, min(dues) - now) if dues else None

    def _run(self) -> None:
        while True:
            with self._condition:
                if self._stopping:
                    return
                now = time.monotonic()
                status_url, reply_url = self._config.callback_url, self._config.reply_callback_url
                reports = self._due(self._reports, status_url, now)
                replies = self._due(self._replies, reply_url, now)
                if not reports and not replies:
                    self._condition.wait(self._next_wait(now))
                    continue
                generation = self._generation
            for start in range(0, len(reports), MAX_PULL):
                chunk = reports[start : start + MAX_PULL]
                body = [p.item.callback_item() for p in chunk]
                self._push("status", status_url, body, self._reports, chunk, generation)
            for pending in replies:
                body = pending.item.callback_item()
                self._push("reply", reply_url, body, self._replies, [pending], generation)

    def _push(
        self,
        kind: str,
        url: str | None,
        body: Any,
        queue: list[_Pending],
        items: list[_Pending],
        generation: int,
    ) -> None:
        assert url is not None  # only due items with a URL are pushed
        push = post_callback(kind, url, body)
        with self._condition:
            if generation != self._generation:
                return  # reset meanwhile: these items belong to the past
            self._pushes.append(push)
            if not push.ok:
                for pending in items:
                    pending.pushable = False
                    _insert(queue, pending)  # back where it was, for a pull
        if self._verbose():
            outcome = "ok" if push.ok else f"failed ({push.status or push.answer})"
            print(
                f"[sandbox] pushed {len(items)} {kind} item(s) to the callback -> {outcome}",
                file=sys.stderr,
                flush=True,
            )


def pull_limit(value: object) -> int | None:
    """A pull's ``max``/``Limit`` when it is a whole number from 1 to 100, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_PULL:
        return value
    return None


def make_reply(phone: str, text: str, *, sign: str, extend: str = "", now: float) -> IncomingReply:
    """What a person at ``phone`` (E.164, or a number in mainland China) answering ``text`` at
    ``now`` (Unix seconds) looks like to Tencent. ``ValueError`` for a bad number."""
    try:
        number = phonenumbers.parse(phone, "CN")
    except phonenumbers.NumberParseException:
        raise ValueError(f"{phone!r} is not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError(f"{phone!r} is not a phone number")
    if not isinstance(text, str) or not isinstance(extend, str):
        raise TypeError("text and extend must be strings")
    return IncomingReply(
        nationcode=str(number.country_code),
        mobile=phonenumbers.national_significant_number(number),
        text=text,
        replied_at=datetime.fromtimestamp(int(now), timezone.utc),
        sign=sign,
        extend=extend,
    )
