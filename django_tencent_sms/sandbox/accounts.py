"""The emulated Tencent application: its SDK AppID, the keys it checks, its default signature.

The defaults are public, for local development only: a sandbox started without keys checks
signatures made with these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_SDK_APP_ID",
    "DEFAULT_VOICE_SDK_APP_ID",
    "DEVELOPMENT_APP_KEY",
    "DEVELOPMENT_SECRET_ID",
    "DEVELOPMENT_SECRET_KEY",
    "Account",
]

DEFAULT_SDK_APP_ID = "1400000000"
DEFAULT_VOICE_SDK_APP_ID = "1400000001"
#: The app key (legacy API) a sandbox checks when none is configured.
DEVELOPMENT_APP_KEY = "sandbox-app-key"
#: The API key pair (API 3.0) a sandbox checks when none is configured.
DEVELOPMENT_SECRET_ID = "AKIDsandboxDevelopmentSecretId"  # noqa: S105 - public on purpose
DEVELOPMENT_SECRET_KEY = "sandbox-secret-key"  # noqa: S105 - public on purpose


@dataclass(frozen=True)
class Account:
    """Who may send: the legacy API signs with ``app_key``, API 3.0 with the key pair.

    The two keys never show in ``repr()``.
    """

    sdk_app_id: str = DEFAULT_SDK_APP_ID
    app_key: str = field(default=DEVELOPMENT_APP_KEY, repr=False)
    #: The signature of a legacy request that names none.
    default_sign: str = ""
    secret_id: str = DEVELOPMENT_SECRET_ID
    secret_key: str = field(default=DEVELOPMENT_SECRET_KEY, repr=False)
    #: API 3.0 voice messages (VMS): the application of the voice console (``VoiceSdkAppid``).
    voice_sdk_app_id: str = DEFAULT_VOICE_SDK_APP_ID
