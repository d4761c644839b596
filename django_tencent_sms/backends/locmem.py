"""Keeps sent messages in ``django_tencent_sms.outbox`` (for tests)."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import django_tencent_sms

from ..billing import count_parts
from ..message import SendResult, SmsMessage
from .base import BaseBackend

_serial = itertools.count(1)
_lock = threading.Lock()


class LocmemBackend(BaseBackend):
    """Appends each message to ``django_tencent_sms.outbox`` and answers like Tencent would,
    with a unique ``sid`` and the ``fee`` Tencent would bill for the rendered text."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def send(self, message: SmsMessage) -> SendResult:
        with _lock:
            django_tencent_sms.outbox.append(message)
            sid = f"locmem:{next(_serial)}"
        text = f"【{message.sign}】{message.text}" if message.text is not None else ""
        fee = count_parts(text, domestic=message.nationcode == "86") if text else 1
        return SendResult(sid=sid, fee=fee, ext=message.ext)
