"""Send SMS through Tencent Cloud from Django."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0.dev0"

__all__ = ["__version__", "asend_bulk", "asend_sms", "outbox", "send_bulk", "send_sms"]

#: Messages sent through the locmem backend, like ``django.core.mail.outbox``.
#: The shipped pytest plugin and ``SmsTestMixin`` reset it before every test. Voice-code calls
#: (``send_code(channel="voice")``) are kept here too, as ``VoiceCodeMessage``.
outbox: list[SmsMessage | VoiceCodeMessage] = []

if TYPE_CHECKING:
    from django_tencent_sms.message import SmsMessage
    from django_tencent_sms.sending.aio import asend_bulk, asend_sms
    from django_tencent_sms.sending.api import send_sms
    from django_tencent_sms.sending.bulk import send_bulk
    from django_tencent_sms.voice_message import VoiceCodeMessage


def __getattr__(name: str) -> Any:
    # The public API is imported lazily so that ``import django_tencent_sms`` stays cheap and
    # safe before Django's app registry is ready (settings files, the emulator's CLI).
    if name == "send_sms":
        from django_tencent_sms.sending.api import send_sms

        return send_sms
    if name == "send_bulk":
        from django_tencent_sms.sending.bulk import send_bulk

        return send_bulk
    if name in ("asend_sms", "asend_bulk"):
        from django_tencent_sms.sending import aio

        return getattr(aio, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
