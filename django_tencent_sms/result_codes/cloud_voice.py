"""API 3.0 error codes of voice-code calls (VMS ``SendCodeVoice``, version 2020-09-02).

Only the codes whose category the first part of the name would get wrong, or that need advice.
Source: the voice SDK's ``errorcodes.py`` (``tencentcloud-sdk-python-vms``) and Tencent's VMS
error-code page (see ``docs/tencent-api/voice-codes.md``).
"""

from __future__ import annotations

from django_tencent_sms.result_codes.cloud_send import cloud_entry
from django_tencent_sms.result_codes.kinds import Category, CloudCode, gettext_noop

__all__ = ["VOICE_CODES"]

_VOICE_APP = gettext_noop(
    "Check TENCENT_SMS['VOICE_SDK_APP_ID'] (the voice console's application, not SMS's)."
)

VOICE_CODES: dict[str, CloudCode] = dict(
    [
        cloud_entry(
            "UnauthorizedOperation.VoiceSdkAppidVerifyFail",
            Category.ACCOUNT,
            gettext_noop("The VoiceSdkAppid was refused"),
            _VOICE_APP,
        ),
        cloud_entry(
            "InvalidParameterValue.SdkAppidNotExist",
            Category.ACCOUNT,
            gettext_noop("The voice SDK AppID does not exist"),
            _VOICE_APP,
        ),
        cloud_entry(
            "FailedOperation.InsufficientBalanceInVoicePackage",
            Category.ACCOUNT,
            gettext_noop("The voice package balance is insufficient"),
            gettext_noop("Top up the voice package in Tencent's console."),
        ),
        cloud_entry(
            "InvalidParameterValue.CalledNumberVerifyFail",
            Category.INPUT,
            gettext_noop("The called number is not a mainland China mobile number"),
            person=True,
        ),
        # The call may have been placed before the upstream timed out: never placed again.
        cloud_entry(
            "FailedOperation.AccessUpstreamTimeout",
            Category.UNKNOWN_OUTCOME,
            gettext_noop(
                "An upstream service of Tencent's timed out: the call may have been placed"
            ),
        ),
    ]
)
