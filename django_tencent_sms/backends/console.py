"""Writes each message to a stream (stdout by default) instead of sending it. For development."""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.message import SendResult, SmsMessage
from django_tencent_sms.voice_message import VoiceCodeMessage


class ConsoleBackend(BaseBackend):
    def __init__(self, *, stream: TextIO | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stream = stream
        self._lock = threading.Lock()

    def send(self, message: SmsMessage) -> SendResult:
        if message.text is not None:
            body = f"【{message.sign}】{message.text}" if message.sign else message.text
        else:
            body = f"template {message.tpl_id}: {', '.join(message.params)}"
        stream = self.stream or sys.stdout
        with self._lock:
            stream.write(f"SMS to {message.e164}\n{body}\n{'-' * 40}\n")
            stream.flush()
        return SendResult(sid="", fee=0, ext=message.ext)

    can_send_voice_code = True

    def send_voice_code(self, message: VoiceCodeMessage) -> SendResult:
        # For development, like the SMS above: the code is shown, as the call would read it.
        spoken = " ".join(message.code)
        stream = self.stream or sys.stdout
        with self._lock:
            stream.write(
                f"Voice call to {message.e164} (read {message.playtimes}x)\n"
                f"Your verification code is {spoken}\n{'-' * 40}\n"
            )
            stream.flush()
        return SendResult(sid="", fee=None, ext=message.ext)
