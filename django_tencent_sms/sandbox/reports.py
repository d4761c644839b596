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
import hmac
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from math import ceil
from typing import Any
from urllib.parse import urlsplit

from django_tencent_sms.protocol.reports import DeliveryReport, IncomingReply
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.sandbox.emulator import MAX_TIME_SKEW, NOT_JSON, refusal
from django_tencent_sms.sandbox.records import SandboxMessage

__all__ = [
    "DELIVERED",
    "MAX_PULL",
    "PULL_ENDPOINT",
    "UNDELIVERED",
    "Push",
    "ReportCenter",
    "evaluate_pullstatus",
    "pull_limit",
    "validate_url",
]

#: What the sandbox's reports say: Tencent's wording for a delivered message, and a carrier's
#: "undelivered" (reference §6.2).
DELIVERED = ("DELIVRD", "用户短信送达成功")
UNDELIVERED = ("UNDELIV", "用户短信未送达")
#: Items one pull hands out at most.
MAX_PULL = 100
#: Seconds a push waits for the site's answer.
PUSH_TIMEOUT = 10.0


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
class Push:
    """One POST to a callback URL."""

    #: ``"status"`` (delivery reports) or ``"reply"``.
    kind: str
    url: str
    #: The JSON body sent.
    body: Any
    #: The HTTP status answered, or ``None`` when no answer came.
    status: int | None = None
    #: Whether the site answered HTTP 200 with ``{"result": 0, …}``.
    ok: bool = False
    #: The answer's text, or what went wrong.
    answer: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "url": self.url,
            "body": self.body,
            "status": self.status,
            "ok": self.ok,
            "answer": self.answer,
        }


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
    ) -> None:
        self._clock = clock
        self._verbose = verbose
        self._config = _Config(
            validate_url(callback_url, "callback_url"),
            validate_url(reply_callback_url, "reply_callback_url"),
            _delay(delay),
            _ratio(success),
        )
        self._condition = threading.Condition()
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
        checks = {
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

    def setting(self, name: str) -> Any:
        with self._condition:
            value = getattr(self._config, name)
        return float(value) if name == "success" else value

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
        push = Push(kind, url, body)
        # validate_url allowed http and https only.
        request = urllib.request.Request(  # noqa: S310
            url,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json", "User-Agent": "TencentSmsSandbox"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=PUSH_TIMEOUT) as response:  # noqa: S310
                push.status = response.status
                text = response.read(4096).decode("utf-8", errors="replace")
        except urllib.error.HTTPError as exc:
            push.status = exc.code
            text = exc.read(4096).decode("utf-8", errors="replace")
        except (OSError, ValueError) as exc:
            text = f"{type(exc).__name__}: {exc}"
        push.answer = text
        if push.status == 200:
            try:
                push.ok = json.loads(text).get("result") == 0
            except (ValueError, AttributeError):
                push.ok = False
        with self._condition:
            if generation != self._generation:
                return  # reset meanwhile: these items belong to the past
            self._pushes.append(push)
            if not push.ok:
                for pending in items:
                    pending.pushable = False
                    _insert(queue, pending)  # back where it was, for a pull
        if self._verbose():
            outcome = "ok" if push.ok else f"failed ({push.status or text})"
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


PULL_ENDPOINT = "pullstatus"


def evaluate_pullstatus(
    query: dict[str, str],
    data: object,
    *,
    account: Any,
    now: float,
    center: ReportCenter,
) -> dict[str, Any]:
    """The legacy ``pullstatus`` answer (reference §4.4): Tencent's checks in its order (body,
    ``sig`` present, app, time, signature without a number), then up to ``max`` items of
    ``type`` 0 (reports) or 1 (replies), each handed out once."""

    def refused(code: int, detail: str = "") -> dict[str, Any]:
        verdict = refusal(code, detail)
        return {"result": verdict.result, "errmsg": verdict.errmsg}

    if data is NOT_JSON or not isinstance(data, dict):
        return refused(1004, "the body is not a JSON object")
    if not data.get("sig"):
        return refused(1003)
    if query.get("sdkappid") != account.sdk_app_id:
        return refused(1019)
    stamp = data.get("time")
    if not isinstance(stamp, int) or isinstance(stamp, bool):
        return refused(1004, "time must be an integer")
    if abs(stamp - now) > MAX_TIME_SKEW:
        return refused(1021)
    expected = v5_signature(account.app_key, query.get("random", ""), stamp)
    if not isinstance(data["sig"], str) or not hmac.compare_digest(
        data["sig"].encode("utf-8"), expected.encode("ascii")
    ):
        return refused(1001)
    kind = data.get("type")
    if kind not in (0, 1) or isinstance(kind, bool):
        return refused(1004, "type must be 0 (delivery reports) or 1 (replies)")
    limit = pull_limit(data.get("max"))
    if limit is None:
        return refused(1004, f"max must be a whole number from 1 to {MAX_PULL}")
    if kind == 0:
        items = [r.callback_item() for r in center.take_reports(limit)]
    else:
        items = [r.callback_item() for r in center.take_replies(limit)]
    return {"result": 0, "errmsg": "OK", "count": len(items), "data": items}
