"""What became of one message: the backend's answer, or what it raised, as the log's fields.

One mapping for single and bulk sends, so a message gets the same status, result and errmsg
whichever way it went out. Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from django_tencent_sms.exceptions import ConfigurationError, SmsError, TencentSmsError
from django_tencent_sms.message import RecipientResult, SendResult
from django_tencent_sms.models import SmsLog
from django_tencent_sms.result_codes import lookup

__all__ = ["DELIVERED_FIELDS", "STUCK", "Outcome", "describe", "not_sent_errmsg"]

Status = SmsLog.Status

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
            errmsg = exc.errmsg or exc.meaning
            return cls(Status.FAILED, exc.result, errmsg, request_id=exc.request_id, error=exc)
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
            errmsg = recipient.errmsg or lookup(recipient.result).meaning
            return cls(Status.FAILED, recipient.result, errmsg, request_id=request_id)
        # Never attempted: an earlier recipient's failure stopped a one-at-a-time backend.
        return cls(Status.FAILED, errmsg=recipient.errmsg or "Not sent", request_id=request_id)

    def apply_to(self, log: SmsLog, *, finished_at: datetime, duration: timedelta) -> None:
        """Set ``DELIVERED_FIELDS`` on ``log`` (not saved)."""
        log.status = self.status
        log.result = self.result
        log.errmsg = self.errmsg
        log.sid = self.sid
        log.fee = self.fee
        log.request_id = self.request_id
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


def describe(exc: BaseException) -> str:
    """``exc`` as a log line names it: its type and its message."""
    return f"{type(exc).__name__}: {exc}"


def not_sent_errmsg(exc: BaseException) -> str:
    """The errmsg of a number a bulk send read, but did not send because ``exc`` stopped it."""
    return _("Not sent: the bulk send stopped before this number's turn (%(reason)s).") % {
        "reason": describe(exc)
    }
