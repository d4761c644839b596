"""Accepts every message and does nothing with it."""

from __future__ import annotations

from ..message import SendResult, SmsMessage
from .base import BaseBackend


class DummyBackend(BaseBackend):
    def send(self, message: SmsMessage) -> SendResult:
        return SendResult(sid="", fee=0, ext=message.ext)
