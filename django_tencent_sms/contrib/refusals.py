"""What a person is told when an integration's code was not sent: one sentence per refusal.

Shared by ``contrib.allauth`` and ``contrib.two_factor``, so that a code refused on one page
reads the same as on another. No third-party import: the integrations that use it bring theirs.
"""

from __future__ import annotations

from django_tencent_sms.exceptions import (
    CodeRequestRefused,
    InvalidMessage,
    SmsError,
    TencentSmsError,
)
from django_tencent_sms.models import SmsLog
from django_tencent_sms.otp.forms import SEND_MESSAGES
from django_tencent_sms.result_codes import Category

__all__ = ["failure_message"]


def failure_message(exc: Exception) -> str:
    """What the person is told when their code was not sent (never the code, never Tencent's
    own words: those are for the send log)."""
    if isinstance(exc, CodeRequestRefused):
        return str(exc)
    if isinstance(exc, InvalidMessage):
        if exc.code == "invalid_phone":
            return str(exc)
        return str(SEND_MESSAGES["send_failed"])  # the template: the site's to fix
    if (
        isinstance(exc, SmsError)
        and exc.log is not None
        and exc.log.status == SmsLog.Status.UNKNOWN
    ):
        return str(SEND_MESSAGES["send_unknown"])
    if isinstance(exc, TencentSmsError) and exc.user_facing:
        limited = exc.category is Category.RATE_LIMIT
        return str(SEND_MESSAGES["rate_limited" if limited else "phone_rejected"])
    return str(SEND_MESSAGES["send_failed"])
