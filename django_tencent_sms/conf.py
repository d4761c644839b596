"""One settings object over ``settings.TENCENT_SMS``.

Values are read from Django's settings when first used and re-read after
``override_settings``/``setting_changed``, so tests and reloads see the current dict.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

from django_tencent_sms.exceptions import ConfigurationError

__all__ = ["DEFAULTS", "sms_settings"]

SETTING_NAME = "TENCENT_SMS"

DEFAULT_API_URL = "https://yun.tim.qq.com/v5/tlssmssvr"

DEFAULTS: dict[str, Any] = {
    # Credentials of the SDK AppID, from Tencent's SMS console.
    "SDK_APP_ID": "",
    "APP_KEY": "",
    # Signature text (without 【】) used when neither the call nor the template names one.
    "SIGN": "",
    # Dotted path of the backend class.
    "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
    # Base URL of the legacy API; the endpoint name ("sendsms") is appended.
    "API_URL": DEFAULT_API_URL,
    # Seconds: a number, or a (connect, read) pair. Never unbounded.
    "TIMEOUT": (3.05, 10.0),
    # Path of a CA bundle to verify the API's TLS certificate with (a private CA in front of
    # the emulator, a corporate TLS proxy); None trusts what requests trusts (certifi, or
    # REQUESTS_CA_BUNDLE). Verification itself cannot be turned off.
    "CA_BUNDLE": None,
    # How often a request that provably never reached Tencent (refused, DNS, connect timeout)
    # is tried again. Nothing that may have reached Tencent is ever retried.
    "CONNECT_RETRIES": 2,
    # Keep-alive connections kept open per backend (urllib3's pool_maxsize): at least the
    # number of threads that send at once (request threads, task workers, BULK_CONCURRENCY), or
    # the excess opens a new TLS connection for each message and closes it after.
    "POOL_SIZE": 64,
    # Batches of one send_bulk whose requests are out at once (each batch's rows are written
    # before its request leaves). Tencent allows SendSms 3000 requests a second per account.
    "BULK_CONCURRENCY": 4,
    # Region for numbers written without a country code.
    "DEFAULT_REGION": "CN",
    # Tencent Cloud API 3.0, for the backend
    # "django_tencent_sms.backends.tencentcloud.TencentCloudBackend" (which also uses SDK_APP_ID,
    # SIGN, TIMEOUT and CONNECT_RETRIES). An API key (SecretId and SecretKey) from Tencent
    # Cloud's access management (CAM) console:
    "SECRET_ID": "",
    "SECRET_KEY": "",
    # The region named in every request (X-TC-Region):
    "REGION": "ap-guangzhou",
    # Where requests go: a host name (HTTPS), or a URL with its scheme, such as
    # "http://127.0.0.1:8765" for the local emulator. API 3.0 has one path, "/".
    "ENDPOINT": "sms.tencentcloudapi.com",
    # Tencent refuses template parameters longer than 12 characters (result 1036) unless the
    # account is enterprise-verified and exempt; None switches the check off.
    "MAX_PARAM_LENGTH": 12,
    # Days of send history kept by `manage.py purge_sms_logs` when run without --older-than;
    # None means the command deletes nothing unless told a cut-off.
    "LOG_RETENTION_DAYS": 365,
    # Seconds a template looked up by name is remembered in each process (0: never): a send by
    # name then costs no lookup query. Saving a template clears it in that process at once.
    "TEMPLATE_CACHE_TIMEOUT": 60,
    # The verification-code service (django_tencent_sms.otp): a dict whose keys and defaults
    # are django_tencent_sms.otp.conf.OTP_DEFAULTS, merged over them there.
    "OTP": {},
    # Delivery reports and replies pushed by Tencent (include "django_tencent_sms.reports.urls").
    # Tencent does not sign its callbacks: the secret in their URL is what proves them. 16 or
    # more URL-safe characters, e.g. secrets.token_urlsafe(32); empty refuses every callback.
    "CALLBACK_TOKEN": "",
    # Seconds after which a message still "queued", "sending" or "pending" counts as stuck: the
    # admin marks it, and `manage.py tencent_sms_recover` (and, now and then, the task workers)
    # marks it "unknown" (never sent again) or queues it again when its task was lost.
    "STALE_AFTER": 600,
    # Networks callbacks may come from, e.g. ["203.0.113.0/24", "2001:db8::/32"]; None: any.
    "CALLBACK_ALLOWED_IPS": None,
    # Dotted path of a function(request) -> IP text, for sites behind a proxy; None uses
    # OTP["CLIENT_IP"] when that is set, else REMOTE_ADDR.
    "CALLBACK_CLIENT_IP": None,
    # Days a delivery report for a sid no log has is kept, so that a log that learns its sid
    # later (a send whose answer was lost, reconciled from Tencent's per-number records) still
    # gets it; 0 drops such reports at once. Purged by the pull and recovery commands.
    "UNMATCHED_REPORT_DAYS": 7,
    # Tencent's side of the account (django_tencent_sms.account): statistics and balance.
    # A difference between Tencent's figures and the log's larger than this fraction of the
    # larger figure is marked on the dashboard (0: every difference).
    "STATS_TOLERANCE": 0.02,
    # Units left across unexpired packages below which `manage.py tencent_sms_balance` exits
    # with status 2 and sends signals.low_balance; None: never.
    "LOW_BALANCE": None,
    # Voice codes (send_code(channel="voice"); off unless OTP["VOICE"] is True). The legacy
    # backend calls through the SMS app's SDK_APP_ID and APP_KEY at VOICE_API_URL ("sendcvoice"
    # is appended); the API 3.0 backend needs the voice console's own application ID
    # (VoiceSdkAppid) and posts to VOICE_ENDPOINT (a host name, or a URL for the emulator).
    "VOICE_API_URL": "https://cloud.tim.qq.com/v5/tlsvoicesvr",
    "VOICE_SDK_APP_ID": "",
    "VOICE_ENDPOINT": "vms.tencentcloudapi.com",
    # Replies that put their number on the opt-out list (account.optouts): the whole reply,
    # normalised (NFKC, case-folded, spaces and punctuation around it trimmed), is one of these.
    "OPT_OUT_KEYWORDS": ("退订", "TD", "T", "N", "STOP", "UNSUBSCRIBE"),
}

# Keys whose values must never be shown.
SECRET_KEYS = frozenset({"APP_KEY", "SECRET_KEY", "CALLBACK_TOKEN"})
# Keys of OTP whose values must never be shown: the fixed test codes, the captcha's key.
OTP_SECRET_KEYS = frozenset({"TEST_NUMBERS", "CAPTCHA_APP_SECRET_KEY"})


class SmsSettings:
    """Attribute access to ``settings.TENCENT_SMS`` with defaults.

    >>> sms_settings.TIMEOUT
    (3.05, 10.0)
    """

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    @property
    def user_settings(self) -> dict[str, Any]:
        value = getattr(settings, SETTING_NAME, None)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ConfigurationError(f"settings.{SETTING_NAME} must be a dict.")
        return value

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Invalid {SETTING_NAME} setting: {name!r}")
        try:
            return self._cache[name]
        except KeyError:
            pass
        value = self.user_settings.get(name, DEFAULTS[name])
        if name in ("APP_KEY", "SECRET_ID", "SECRET_KEY", "CALLBACK_TOKEN") and isinstance(
            value, str
        ):
            # A trailing space copied from the console is the most common cause of error 1001.
            value = value.strip()
        elif name in ("SDK_APP_ID", "VOICE_SDK_APP_ID") and value is not None:
            value = str(value).strip()
        elif name in ("API_URL", "VOICE_API_URL") and isinstance(value, str):
            value = value.rstrip("/")
        self._cache[name] = value
        return value

    def require(self, name: str) -> Any:
        """The value of ``name``; a ``ConfigurationError`` naming the key when it is empty."""
        value = getattr(self, name)
        if value in (None, ""):
            raise ConfigurationError(f"{SETTING_NAME}[{name!r}] is not set.")
        return value

    def reload(self) -> None:
        self._cache.clear()

    def __repr__(self) -> str:
        shown = {
            key: ("********" if key in SECRET_KEYS and value else value)
            for key, value in ((key, getattr(self, key)) for key in DEFAULTS)
        }
        otp = shown.get("OTP")
        if isinstance(otp, dict):
            # The fixed test codes and the captcha's secret key are secrets too.
            shown["OTP"] = {
                key: ("********" if key in OTP_SECRET_KEYS and value else value)
                for key, value in otp.items()
            }
        return f"<SmsSettings {shown!r}>"


sms_settings = SmsSettings()


def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING_NAME:
        sms_settings.reload()


setting_changed.connect(_reload)
