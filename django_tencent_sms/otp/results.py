"""What a check of a code says: ``Reason`` and ``VerificationResult`` (``otp.service``'s)."""

from __future__ import annotations

import dataclasses
import enum

from django.utils.translation import gettext_lazy as _

from django_tencent_sms.models import VerificationCode

__all__ = ["REASON_MESSAGES", "Reason", "VerificationResult"]


class Reason(str, enum.Enum):
    """Why a check passed or failed; a value a view can branch on."""

    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NONE_ISSUED = "none_issued"

    @property
    def message(self) -> str:
        return str(REASON_MESSAGES[self])


REASON_MESSAGES = {
    Reason.OK: _("The code is correct."),
    Reason.WRONG: _("The code is not correct."),
    Reason.EXPIRED: _("The code has expired. Request a new one."),
    Reason.USED: _("The code has already been used. Request a new one."),
    Reason.TOO_MANY_ATTEMPTS: _("Too many wrong tries. Request a new code."),
    Reason.NONE_ISSUED: _("No code was sent to this number. Request one first."),
}


@dataclasses.dataclass(frozen=True)
class VerificationResult:
    """The outcome of ``check_code``; true only when the code was accepted."""

    reason: Reason
    attempts_left: int = 0
    record: VerificationCode | None = dataclasses.field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.reason is Reason.OK

    @property
    def message(self) -> str:
        return self.reason.message

    def __bool__(self) -> bool:
        return self.ok
