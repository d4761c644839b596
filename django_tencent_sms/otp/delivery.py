"""Whether a code's SMS may have left: a backend wrapper that notes when a request starts.

A code must stay valid only while it may be in someone's hands. ``send_sms`` raises more than
``SmsError``: a broken configuration, or a database error writing the log row, before any
request; a database error after Tencent accepted the message. ``WatchedBackend`` lets the
caller tell them apart: ``started`` is set the moment the request is handed to the real backend,
``accepted`` once it returned Tencent's acceptance.
"""

from __future__ import annotations

from typing import Any

from django_tencent_sms.backends import BaseBackend
from django_tencent_sms.message import SendResult, SmsMessage
from django_tencent_sms.voice_message import VoiceCodeMessage

__all__ = ["WatchedBackend"]


class WatchedBackend(BaseBackend):
    """``backend``, with ``started`` and ``accepted`` noted for the one message sent."""

    def __init__(self, backend: BaseBackend) -> None:
        super().__init__()
        self.backend = backend
        self.started = False
        self.accepted = False

    @property
    def name(self) -> str:
        return self.backend.name

    def send(self, message: SmsMessage) -> SendResult:
        self.started = True
        result = self.backend.send(message)
        self.accepted = True
        return result

    @property
    def can_send_voice_code(self) -> bool:  # type: ignore[override]
        return self.backend.can_send_voice_code

    def send_voice_code(self, message: VoiceCodeMessage) -> SendResult:
        self.started = True
        result = self.backend.send_voice_code(message)
        self.accepted = True
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)
