"""A bench-only backend: the real ``TencentBackend``, which also remembers the last code sent to
each number, so ``bench/otp.py`` can type the right code back (the emulator is in another
process; asking it over HTTP would add work that is not the app's)."""

from __future__ import annotations

from django_tencent_sms.backends.tencent import TencentBackend
from django_tencent_sms.message import SendResult, SmsMessage

#: E.164 number → the first parameter of the last message sent to it (the code).
sent_codes: dict[str, str] = {}


class RecordingTencentBackend(TencentBackend):
    def send(self, message: SmsMessage) -> SendResult:
        result = super().send(message)
        sent_codes[message.e164] = message.params[0]
        return result
