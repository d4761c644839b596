"""Placing a voice-code call with its log row: written before the request, like an SMS's.

The row has ``channel="voice"`` and no template (``template`` null, ``tpl_id`` 0); its one
parameter is the code, stored redacted as a verification SMS's. Delivery, the outcome, the
retried row update and the signals are ``sending.single``'s.
"""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.backends import BaseBackend
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.content import REDACTED
from django_tencent_sms.sending.records import log_rows
from django_tencent_sms.sending.single import deliver
from django_tencent_sms.voice_message import DEFAULT_PLAYTIMES, VoiceCodeMessage

__all__ = ["VOICE_TPL_ID", "call_with_code"]

#: ``tpl_id`` of a voice call's row: it has no template.
VOICE_TPL_ID = 0


@sensitive_variables()
def call_with_code(
    number: PhoneNumber,
    code: str,
    *,
    backend: BaseBackend,
    playtimes: int = DEFAULT_PLAYTIMES,
) -> SmsLog:
    """Have ``backend`` call ``number`` and read out ``code``; the saved ``SmsLog``, ``sent``.

    Raises ``NotImplementedError`` (no row written) when the backend cannot call, and what
    ``send_sms`` raises when the call fails, with the row as ``exc.log``.
    """
    if not backend.can_send_voice_code:
        raise NotImplementedError(f"{backend.name} cannot place voice-code calls")
    message = VoiceCodeMessage(number, code, playtimes=playtimes)
    log = SmsLog(
        phone=number,
        template=None,
        tpl_id=VOICE_TPL_ID,
        params=[REDACTED],
        channel=SmsLog.Channel.VOICE,
        status=SmsLog.Status.PENDING,
        backend=backend.name,
    )
    log_rows.insert(log)
    return deliver(log, message, backend)
