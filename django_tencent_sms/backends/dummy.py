"""Accepts every message and does nothing with it."""

from __future__ import annotations

from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.message import SendResult, SmsMessage


class DummyBackend(BaseBackend):
    def send(self, message: SmsMessage) -> SendResult:
        return SendResult(sid="", fee=0, ext=message.ext)
