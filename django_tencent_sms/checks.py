"""System checks for ``settings.TENCENT_SMS`` (ids ``tencent_sms.E0xx`` / ``W0xx``).

``check_settings`` runs one small function per concern: the backend and its credentials, the
transport (timeout, retries, CA bundle), numbers, retention, the template cache, the callbacks,
and the verification codes (``otp.checks``). ``check_callback_urls`` looks at the URLconf."""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from django.core import checks

from django_tencent_sms.conf import DEFAULTS, SETTING_NAME, sms_settings
from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.otp.checks import check_otp_settings

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
#: Tencent Cloud region names: "ap-guangzhou", "na-siliconvalley", "eu-frankfurt", …
_REGION = re.compile(r"[a-z]+(-[a-z0-9]+)+")


def _error(msg: str, id: str, hint: str | None = None) -> checks.CheckMessage:
    return checks.Error(msg, hint=hint, id=f"tencent_sms.{id}")


@checks.register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every check of ``settings.TENCENT_SMS``, one small function per concern."""
    try:
        sms_settings.user_settings  # noqa: B018 - raises when the setting is not a dict
    except ConfigurationError as exc:
        return [_error(str(exc), "E001")]
    found: list[checks.CheckMessage] = []
    for concern in (
        _check_known_keys,
        _check_backend,
        _check_timeout,
        _check_default_region,
        _check_connect_retries,
        _check_log_retention,
        _check_template_cache,
        _check_callbacks,
        _check_ca_bundle,
        check_otp_settings,
    ):
        found += concern()
    return found


def _check_known_keys() -> list[checks.CheckMessage]:
    """W002: keys this version does not know (a typo, or a key of another app)."""
    unknown = sorted(set(sms_settings.user_settings) - set(DEFAULTS))
    if not unknown:
        return []
    return [
        checks.Warning(
            f"Unknown {SETTING_NAME} keys: {', '.join(unknown)}.",
            hint=f"Known keys: {', '.join(DEFAULTS)}.",
            id="tencent_sms.W002",
        )
    ]


def _check_backend() -> list[checks.CheckMessage]:
    """E002: the backend loads; then the settings of the backend chosen (E003 to E007, W001 for
    the legacy API; E003, E004, E014 to E018, W004 for API 3.0)."""
    from django_tencent_sms.backends import load_backend_class
    from django_tencent_sms.backends.tencent import TencentBackend
    from django_tencent_sms.backends.tencentcloud import TencentCloudBackend

    try:
        backend_class = load_backend_class(sms_settings.BACKEND)
    except ConfigurationError as exc:
        return [_error(str(exc), "E002")]
    found: list[checks.CheckMessage] = []
    if issubclass(backend_class, TencentCloudBackend):
        found += _check_sdk_app_id()
        found += _check_cloud_settings()
    if issubclass(backend_class, TencentBackend):
        found += _check_sdk_app_id()
        found += _check_legacy_settings()
    return found


def _check_legacy_settings() -> list[checks.CheckMessage]:
    """The legacy API's key and URL (E005 to E007, W001)."""
    found: list[checks.CheckMessage] = []
    app_key = sms_settings.APP_KEY
    if not app_key:
        found.append(
            _error(
                f"{SETTING_NAME}['APP_KEY'] is not set.",
                "E005",
                hint="Read it from the environment, not from a committed file.",
            )
        )
    elif not isinstance(app_key, str) or any(ch.isspace() for ch in app_key):
        found.append(_error(f"{SETTING_NAME}['APP_KEY'] contains whitespace.", "E006"))
    url = sms_settings.API_URL
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        parts and parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        found.append(_error(f"{SETTING_NAME}['API_URL'] is not an http(s) URL.", "E007"))
    elif parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        found.append(
            checks.Warning(
                f"{SETTING_NAME}['API_URL'] does not use HTTPS.",
                hint="Plain HTTP exposes the signed request; only the local emulator "
                "(on localhost) should be reached without TLS.",
                id="tencent_sms.W001",
            )
        )
    return found


def _check_timeout() -> list[checks.CheckMessage]:
    """E008: a timeout the backends accept (bounded, never 60 s)."""
    from django_tencent_sms.backends.http import normalize_timeout

    try:
        normalize_timeout(sms_settings.TIMEOUT)
    except ConfigurationError as exc:
        return [_error(str(exc), "E008")]
    return []


def _check_default_region() -> list[checks.CheckMessage]:
    """E009: the region numbers without a country code are read in."""
    region = sms_settings.DEFAULT_REGION
    if region in phonenumbers.SUPPORTED_REGIONS:
        return []
    return [_error(f"{SETTING_NAME}['DEFAULT_REGION'] {region!r} is not a region code.", "E009")]


def _check_connect_retries() -> list[checks.CheckMessage]:
    """E010: how often a request that never reached Tencent is tried again."""
    from django_tencent_sms.backends.http import normalize_connect_retries

    try:
        normalize_connect_retries(sms_settings.CONNECT_RETRIES)
    except ConfigurationError as exc:
        return [_error(str(exc), "E010")]
    return []


def _check_log_retention() -> list[checks.CheckMessage]:
    """E011: the days ``purge_sms_logs`` keeps by default."""
    retention = sms_settings.LOG_RETENTION_DAYS
    if retention is None or (
        isinstance(retention, int) and not isinstance(retention, bool) and retention >= 1
    ):
        return []
    return [
        _error(
            f"{SETTING_NAME}['LOG_RETENTION_DAYS'] must be a whole number of days (1 or "
            f"more) or None, not {retention!r}.",
            "E011",
        )
    ]


def _check_template_cache() -> list[checks.CheckMessage]:
    """E019: the seconds a template looked up by name is remembered."""
    timeout = sms_settings.TEMPLATE_CACHE_TIMEOUT
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and not timeout < 0:
        return []
    return [
        _error(
            f"{SETTING_NAME}['TEMPLATE_CACHE_TIMEOUT'] must be a number of seconds (0 turns "
            f"the cache off), not {timeout!r}.",
            "E019",
        )
    ]


def _check_ca_bundle() -> list[checks.CheckMessage]:
    """E020: the CA bundle the API's certificate is verified with, when one is named."""
    ca_bundle = sms_settings.CA_BUNDLE
    if ca_bundle is None or (isinstance(ca_bundle, str) and os.path.isfile(ca_bundle)):
        return []
    return [
        _error(
            f"{SETTING_NAME}['CA_BUNDLE'] must be the path of a CA bundle file, or None; "
            f"{ca_bundle!r} is not a file.",
            "E020",
        )
    ]


def _check_sdk_app_id() -> list[checks.CheckMessage]:
    """E003, E004: the SDK AppID both backends sign with."""
    app_id = sms_settings.SDK_APP_ID
    if not app_id:
        return [
            _error(
                f"{SETTING_NAME}['SDK_APP_ID'] is not set.",
                "E003",
                hint="Copy the SDK AppID from Tencent's SMS console.",
            )
        ]
    if not app_id.isdigit():
        return [_error(f"{SETTING_NAME}['SDK_APP_ID'] must be digits (like 1400006666).", "E004")]
    return []


def _check_cloud_settings() -> list[checks.CheckMessage]:
    """The API 3.0 backend's credentials, region and endpoint (E014 to E018, W004)."""
    from django_tencent_sms.protocol.tc3.action import parse_endpoint

    found: list[checks.CheckMessage] = []
    for name, id in (("SECRET_ID", "E014"), ("SECRET_KEY", "E015")):
        value = getattr(sms_settings, name)
        if not value or not isinstance(value, str):
            found.append(
                _error(
                    f"{SETTING_NAME}[{name!r}] is not set.",
                    id,
                    hint="Create an API key in Tencent Cloud's access management (CAM) console; "
                    "read it from the environment, not from a committed file.",
                )
            )
        elif any(ch.isspace() for ch in value):
            found.append(_error(f"{SETTING_NAME}[{name!r}] contains whitespace.", "E018"))
    try:
        endpoint = parse_endpoint(sms_settings.ENDPOINT)
    except ValueError as exc:
        found.append(
            _error(
                f"{SETTING_NAME}['ENDPOINT'] is not usable: {exc}.",
                "E016",
                hint="A host name such as 'sms.tencentcloudapi.com' (HTTPS), or a URL with its "
                "scheme such as 'http://127.0.0.1:8765' for the local emulator.",
            )
        )
    else:
        if not endpoint.is_https and endpoint.hostname not in LOOPBACK_HOSTS:
            found.append(
                checks.Warning(
                    f"{SETTING_NAME}['ENDPOINT'] does not use HTTPS.",
                    hint="Plain HTTP exposes the signed request; only the local emulator "
                    "(on localhost) should be reached without TLS.",
                    id="tencent_sms.W004",
                )
            )
    region = sms_settings.REGION
    if not isinstance(region, str) or not _REGION.fullmatch(region):
        found.append(
            _error(
                f"{SETTING_NAME}['REGION'] must be a Tencent Cloud region such as "
                f"'ap-guangzhou', not {region!r}.",
                "E017",
            )
        )
    return found


#: What a callback token may hold: it is a path segment of the URL given to Tencent.
_TOKEN = re.compile(r"[A-Za-z0-9_\-.~]{16,}")


def _check_callbacks() -> list[checks.CheckMessage]:
    """The callback settings (E030 to E032); W030, about the URLs, is ``check_callback_urls``."""
    from django.utils.module_loading import import_string

    from django_tencent_sms.reports.callbacks import parse_networks

    found: list[checks.CheckMessage] = []
    token = sms_settings.CALLBACK_TOKEN
    if token and (not isinstance(token, str) or not _TOKEN.fullmatch(token)):
        found.append(
            _error(
                f"{SETTING_NAME}['CALLBACK_TOKEN'] must be 16 or more URL-safe characters "
                "(letters, digits, - _ . ~).",
                "E030",
                hint='Make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"',
            )
        )
    try:
        parse_networks(sms_settings.CALLBACK_ALLOWED_IPS)
    except ValueError as exc:
        found.append(_error(f"{SETTING_NAME}['CALLBACK_ALLOWED_IPS'] {exc}.", "E031"))
    resolver = sms_settings.CALLBACK_CLIENT_IP
    if resolver is not None:
        try:
            func = import_string(resolver) if isinstance(resolver, str) else resolver
        except ImportError as exc:
            func, problem = None, str(exc)
        else:
            problem = "it is not callable"
        if not callable(func):
            found.append(
                _error(f"{SETTING_NAME}['CALLBACK_CLIENT_IP'] is not usable: {problem}.", "E032")
            )
    return found


@checks.register(checks.Tags.urls)
def check_callback_urls(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """W030: the callback URLs are mounted, but no ``CALLBACK_TOKEN`` opens them."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("tencent_sms_callbacks:status", kwargs={"token": "x"})
    except NoReverseMatch:
        return []
    except Exception:  # a broken URLconf is reported by Django's own URL checks
        return []
    if sms_settings.CALLBACK_TOKEN:
        return []
    return [
        checks.Warning(
            f"The delivery-report and reply callbacks are mounted, but {SETTING_NAME}"
            "['CALLBACK_TOKEN'] is not set: they refuse every request.",
            hint="Set it to a long random secret (secrets.token_urlsafe(32)) and give Tencent's "
            "console the URLs with the token in them.",
            id="tencent_sms.W030",
        )
    ]
