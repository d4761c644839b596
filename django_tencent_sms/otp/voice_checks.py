"""System checks of voice codes: ``OTP["VOICE"]`` on without a way to call, or the reverse.

``tencent_sms.E044``: voice codes are on but cannot go out (a backend that cannot call, or the
API 3.0 backend without ``VOICE_SDK_APP_ID``); ``W044``: a voice application is configured
while voice codes are off, so the "call me instead" link never shows.
"""

from __future__ import annotations

from typing import Any

from django.core import checks

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.otp.voice import voice_problem

__all__ = ["check_voice"]


def check_voice(conf: dict[str, Any]) -> list[checks.CheckMessage]:
    """E044/W044 for the merged OTP settings ``conf`` (a bad ``VOICE`` value is E012's)."""
    voice = conf.get("VOICE")
    try:
        app = sms_settings.VOICE_SDK_APP_ID
    except ConfigurationError:
        return []
    if voice is True:
        problem = voice_problem(conf)
        if problem is not None:
            return [
                checks.Error(
                    f"Voice codes are on (TENCENT_SMS['OTP']['VOICE']) but cannot be sent: "
                    f"{problem}",
                    hint="Set what is missing, or turn voice codes off.",
                    id="tencent_sms.E044",
                )
            ]
    elif app and voice is False:
        return [
            checks.Warning(
                "TENCENT_SMS['VOICE_SDK_APP_ID'] is set but voice codes are off.",
                hint="Set TENCENT_SMS['OTP']['VOICE'] = True to offer codes by phone call.",
                id="tencent_sms.W044",
            )
        ]
    return []
