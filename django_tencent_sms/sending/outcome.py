"""What became of one message: the backend's answer, or what it raised, as the log's fields.

One mapping for single and bulk sends, so a message gets the same status, result and errmsg
whichever way it went out. Nothing here touches the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from django_tencent_sms.exceptions import ConfigurationError, SmsError, TencentSmsError
from django_tencent_sms.message import RecipientResult, SendResult
from django_tencent_sms.models import MAX_FEE, MAX_RESULT, SmsLog
from django_tencent_sms.protocol.text import printable
from django_tencent_sms.result_codes import lookup

__all__ = ["DELIVERED_FIELDS", "STUCK", "Outcome", "describe", "not_sent_errmsg"]

logger = logging.getLogger("django_tencent_sms")

Status = SmsLog.Status

#: The longest ``sid`` and ``request_id`` the log keeps.
MAX_SID_LENGTH = SmsLog._meta.get_field("sid").max_length or 128
MAX_REQUEST_ID_LENGTH = SmsLog._meta.get_field("request_id").max_length or 64

#: What recording an outcome writes on the log once the backend has answered (or failed).
DELIVERED_FIELDS = (
    "status",
    "result",
    "errmsg",
    "sid",
    "fee",
    "request_id",
    "finished_at",
    "duration",
)

#: The errmsg of a row a second delivery of its task found ``sending`` (then ``unknown``).
STUCK = (
    "Found being sent by another delivery of its task: that worker may have died "
    "mid-request. Not sent again."
)


@dataclass(frozen=True)
class Outcome:
    """The log's fields for one message's attempt, and the exception behind a failure.

    ``request_id`` is that of the request the message went out in (API 3.0; empty for the
    legacy API). ``error`` is the exception the attempt raised, if it raised one: for a whole
    bulk request, the same object for every recipient.
    """

    status: str
    result: int | None = None
    errmsg: str = ""
    sid: str = ""
    fee: int | None = None
    request_id: str = ""
    error: BaseException | None = field(default=None, repr=False, compare=False)

    @classmethod
    def accepted(cls, result: SendResult) -> Outcome:
        """Tencent took the message."""
        return cls(Status.SENT, 0, result.errmsg, result.sid, result.fee, result.request_id)

    @classmethod
    def raised(cls, exc: BaseException) -> Outcome:
        """Sending raised ``exc``: ``unknown`` when the message may have reached Tencent."""
        if isinstance(exc, ConfigurationError):
            # Raised while preparing the request (e.g. an unusable API_URL): nothing left.
            return cls(Status.FAILED, errmsg=str(exc), error=exc)
        if isinstance(exc, TencentSmsError):
            # A timeout inside Tencent is an answer, but the SMS may still go out.
            status = Status.UNKNOWN if exc.outcome_unknown else Status.FAILED
            errmsg = exc.errmsg or exc.meaning
            return cls(status, exc.result, errmsg, request_id=exc.request_id, error=exc)
        if isinstance(exc, SmsError):
            status = Status.UNKNOWN if exc.may_have_reached_tencent else Status.FAILED
            return cls(status, errmsg=str(exc), error=exc)
        # A bug, or the process being interrupted mid-request: Tencent may have the message.
        return cls(Status.UNKNOWN, errmsg=f"Interrupted by {type(exc).__name__}", error=exc)

    @classmethod
    def of_recipient(cls, recipient: RecipientResult, request_id: str) -> Outcome:
        """What a bulk answer says of one recipient, sent in the request ``request_id``."""
        if recipient.result == 0:
            errmsg = recipient.errmsg or "OK"
            return cls(Status.SENT, 0, errmsg, recipient.sid, recipient.fee, request_id)
        if recipient.error is not None:
            return replace(cls.raised(recipient.error), request_id=request_id)
        if recipient.result is not None:
            info = lookup(recipient.result)
            status = Status.UNKNOWN if info.outcome_unknown else Status.FAILED
            errmsg = recipient.errmsg or info.meaning
            return cls(status, recipient.result, errmsg, request_id=request_id)
        # Never attempted: an earlier recipient's failure stopped a one-at-a-time backend.
        return cls(Status.FAILED, errmsg=recipient.errmsg or "Not sent", request_id=request_id)

    def apply_to(self, log: SmsLog, *, finished_at: datetime, duration: timedelta) -> None:
        """Set ``DELIVERED_FIELDS`` on ``log`` (not saved), as every database stores them.

        Whatever Tencent answered, the row can be saved: text is written on one line (control
        characters escaped, NUL and broken characters included), a ``sid`` longer than the
        column is cut and a number outside its column's range becomes unknown (``None``), each
        with a warning.
        """
        log.status = self.status
        log.result = _in_range(log, "result", self.result, -MAX_RESULT - 1, MAX_RESULT)
        log.errmsg = printable(self.errmsg)
        log.sid = _fitted(log, "sid", self.sid, MAX_SID_LENGTH)
        log.fee = _in_range(log, "fee", self.fee, 0, MAX_FEE)
        log.request_id = _fitted(log, "request_id", self.request_id, MAX_REQUEST_ID_LENGTH)
        log.finished_at = finished_at
        log.duration = duration

    def failure(self, ext: str = "") -> SmsError | None:
        """The exception ``sms_failed`` carries for this outcome, if it has one: the one raised,
        or for a refusal read from an answer, a ``TencentSmsError`` of its code."""
        if self.status == Status.SENT:
            return None
        if self.error is None and self.result is not None:
            return TencentSmsError.for_result(self.result, self.errmsg, ext)
        return self.error if isinstance(self.error, SmsError) else None


def _in_range(log: SmsLog, name: str, value: int | None, low: int, high: int) -> int | None:
    if value is None or low <= value <= high:
        return value
    logger.warning(
        "SMS #%s: Tencent's %s %s is outside what the log can store; recorded as unknown",
        log.pk,
        name,
        value,
    )
    return None


def _fitted(log: SmsLog, name: str, value: str, max_length: int) -> str:
    text = printable(value)
    if len(text) <= max_length:
        return text
    logger.warning(
        "SMS #%s: Tencent's %s is longer than the log keeps (%d characters); stored cut: %s",
        log.pk,
        name,
        max_length,
        text,
    )
    return printable(value, max_length)  # cut where a report's sid is cut (protocol.fields)


def describe(exc: BaseException) -> str:
    """``exc`` as a log line names it: its type and its message, on one line (the message may
    quote Tencent's errmsg)."""
    return printable(f"{type(exc).__name__}: {exc}")


def not_sent_errmsg(exc: BaseException) -> str:
    """The errmsg of a number a bulk send read, but did not send because ``exc`` stopped it."""
    return _("Not sent: the bulk send stopped before this number's turn (%(reason)s).") % {
        "reason": describe(exc)
    }
