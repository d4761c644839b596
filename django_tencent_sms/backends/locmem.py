"""Keeps sent messages in ``django_tencent_sms.outbox`` (for tests)."""

from __future__ import annotations

import itertools
import threading

import django_tencent_sms
from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.message import SendResult, SmsMessage
from django_tencent_sms.protocol.billing import sms_fee
from django_tencent_sms.voice_message import VoiceCodeMessage

_serial = itertools.count(1)
_lock = threading.Lock()


class LocmemBackend(BaseBackend):
    """Appends each message to ``django_tencent_sms.outbox`` and answers like Tencent would,
    with a unique ``sid`` and the ``fee`` Tencent would bill for the rendered text."""

    def send(self, message: SmsMessage) -> SendResult:
        with _lock:
            django_tencent_sms.outbox.append(message)
            sid = f"locmem:{next(_serial)}"
        # Without the template's text the length is unknown: one part, like most messages.
        fee = 1
        if message.text is not None:
            fee = sms_fee(f"【{message.sign}】{message.text}", message.nationcode)
        return SendResult(sid=sid, fee=fee, ext=message.ext)

    can_send_voice_code = True

    def send_voice_code(self, message: VoiceCodeMessage) -> SendResult:
        """Append the call (a ``VoiceCodeMessage``) to the outbox, answered with a unique
        call ID."""
        with _lock:
            django_tencent_sms.outbox.append(message)
            sid = f"locmem-call:{next(_serial)}"
        return SendResult(sid=sid, fee=None, ext=message.ext)
