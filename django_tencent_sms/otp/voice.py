"""Voice codes: which channel a code request names, and whether a call may be placed.

``send_code(channel="voice")`` sends the code as a phone call that reads it out. A voice code
is a verification code like any other: the same row, hash, expiry, tries, and the same
cooldown, per-number and per-IP caps, number-type filter and daily budget, counted together
with SMS codes (one cooldown per number and purpose, whichever channel the last code took: a
call cannot be used to skip the wait after an SMS, nor the reverse).

Tencent places voice-code calls to mainland China mobile numbers only (cloud.tencent.com
document/api/1128/51568 "仅支持中国大陆地区手机号码"; the legacy page "sends voice
verification codes to domestic users"), so other numbers are refused before anything is
written or sent.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.backends import BaseBackend, get_backend
from django_tencent_sms.backends.tencent import TencentBackend
from django_tencent_sms.backends.tencentcloud import TencentCloudBackend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import CodeRequestRefused, ConfigurationError
from django_tencent_sms.models import SmsLog
from django_tencent_sms.protocol.tc3.action import parse_endpoint

__all__ = [
    "CHANNELS",
    "CHANNEL_MESSAGE",
    "SMS",
    "VOICE",
    "VOICE_REGION",
    "check_voice_number",
    "ensure_voice",
    "normalize_channel",
    "voice_available",
    "voice_problem",
]

#: The answer to a request naming another channel.
CHANNEL_MESSAGE = _("The channel must be sms or voice.")

SMS = SmsLog.Channel.SMS.value
VOICE = SmsLog.Channel.VOICE.value
CHANNELS = (SMS, VOICE)
_HTTP_URL = re.compile(r"^https?://[^/\s]+", re.IGNORECASE)
#: The only region Tencent places voice-code calls to.
VOICE_REGION = "CN"


def normalize_channel(channel: Any) -> str:
    """``"sms"`` or ``"voice"``; ``ValueError`` for anything else (wrong type, unknown,
    another case: a channel is a fixed word, not free text)."""
    if isinstance(channel, str) and channel in CHANNELS:
        return channel
    shown = repr(channel) if len(repr(channel)) <= 40 else f"{repr(channel)[:40]}…"
    raise ValueError(f"channel must be 'sms' or 'voice', not {shown}")


def voice_problem(conf: dict[str, Any], backend: BaseBackend | None = None) -> str | None:
    """Why voice codes cannot be sent now (a sentence for operators), or ``None``."""
    if conf.get("VOICE") is not True:
        return "TENCENT_SMS['OTP']['VOICE'] is not True."
    try:
        backend = backend if backend is not None else get_backend()
    except ConfigurationError as exc:
        return str(exc)
    if not backend.can_send_voice_code:
        return f"The backend {backend.name} cannot place voice-code calls."
    if isinstance(backend, TencentCloudBackend):
        if not sms_settings.VOICE_SDK_APP_ID:
            return "TENCENT_SMS['VOICE_SDK_APP_ID'] (the voice console's application) is not set."
        if not (
            sms_settings.VOICE_SDK_APP_ID.isascii() and sms_settings.VOICE_SDK_APP_ID.isdigit()
        ):
            return "TENCENT_SMS['VOICE_SDK_APP_ID'] must be digits (like 1400006666)."
        try:
            parse_endpoint(sms_settings.VOICE_ENDPOINT)
        except ValueError as exc:
            return f"TENCENT_SMS['VOICE_ENDPOINT'] is unusable: {exc}."
    if isinstance(backend, TencentBackend) and not _HTTP_URL.match(backend.voice_api_url):
        return "TENCENT_SMS['VOICE_API_URL'] is not an http(s) URL."
    return None


def voice_available(conf: dict[str, Any]) -> bool:
    """Whether a voice code may be offered: ``OTP["VOICE"]`` on and a backend able to call."""
    return voice_problem(conf) is None


def check_voice_number(number: phonenumbers.PhoneNumber) -> None:
    """``CodeRequestRefused`` (``voice_region``) unless Tencent calls numbers like ``number``."""
    if phonenumbers.region_code_for_number(number) != VOICE_REGION:
        raise CodeRequestRefused(
            _("Voice codes can only be sent to mobile numbers in mainland China."),
            code="voice_region",
        )


def ensure_voice(conf: dict[str, Any]) -> None:
    """``CodeRequestRefused`` (``voice_unavailable``) when voice codes are off or cannot go out."""
    if not voice_available(conf):
        raise CodeRequestRefused(
            _("Codes by phone call are not available. Ask for a code by SMS."),
            code="voice_unavailable",
        )
