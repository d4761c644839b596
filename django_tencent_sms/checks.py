"""System checks for ``settings.TENCENT_SMS`` (ids ``tencent_sms.E0xx`` / ``W0xx``)."""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from django.core import checks

from django_tencent_sms.conf import DEFAULTS, SETTING_NAME, sms_settings
from django_tencent_sms.exceptions import ConfigurationError

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
#: Tencent Cloud region names: "ap-guangzhou", "na-siliconvalley", "eu-frankfurt", …
_REGION = re.compile(r"[a-z]+(-[a-z0-9]+)+")


def _error(msg: str, id: str, hint: str | None = None) -> checks.CheckMessage:
    return checks.Error(msg, hint=hint, id=f"tencent_sms.{id}")


@checks.register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from django_tencent_sms.backends import load_backend_class
    from django_tencent_sms.backends.http import normalize_connect_retries, normalize_timeout
    from django_tencent_sms.backends.tencent import TencentBackend
    from django_tencent_sms.backends.tencentcloud import TencentCloudBackend

    try:
        user = sms_settings.user_settings
    except ConfigurationError as exc:
        return [_error(str(exc), "E001")]
    errors: list[checks.CheckMessage] = []
    unknown = sorted(set(user) - set(DEFAULTS))
    if unknown:
        errors.append(
            checks.Warning(
                f"Unknown {SETTING_NAME} keys: {', '.join(unknown)}.",
                hint=f"Known keys: {', '.join(DEFAULTS)}.",
                id="tencent_sms.W002",
            )
        )
    try:
        backend_class = load_backend_class(sms_settings.BACKEND)
    except ConfigurationError as exc:
        errors.append(_error(str(exc), "E002"))
        backend_class = None

    if backend_class is not None and issubclass(backend_class, TencentCloudBackend):
        errors.extend(_check_sdk_app_id())
        errors.extend(_check_cloud_settings())
    if backend_class is not None and issubclass(backend_class, TencentBackend):
        errors.extend(_check_sdk_app_id())
        app_key = sms_settings.APP_KEY
        if not app_key:
            errors.append(
                _error(
                    f"{SETTING_NAME}['APP_KEY'] is not set.",
                    "E005",
                    hint="Read it from the environment, not from a committed file.",
                )
            )
        elif not isinstance(app_key, str) or any(ch.isspace() for ch in app_key):
            errors.append(_error(f"{SETTING_NAME}['APP_KEY'] contains whitespace.", "E006"))
        url = sms_settings.API_URL
        try:
            parts = urlsplit(url) if isinstance(url, str) else None
            parts and parts.port  # noqa: B018 - raises ValueError for a malformed port
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            errors.append(_error(f"{SETTING_NAME}['API_URL'] is not an http(s) URL.", "E007"))
        elif parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
            errors.append(
                checks.Warning(
                    f"{SETTING_NAME}['API_URL'] does not use HTTPS.",
                    hint="Plain HTTP exposes the signed request; only the local emulator "
                    "(on localhost) should be reached without TLS.",
                    id="tencent_sms.W001",
                )
            )
    try:
        normalize_timeout(sms_settings.TIMEOUT)
    except ConfigurationError as exc:
        errors.append(_error(str(exc), "E008"))
    region = sms_settings.DEFAULT_REGION
    if region not in phonenumbers.SUPPORTED_REGIONS:
        errors.append(
            _error(f"{SETTING_NAME}['DEFAULT_REGION'] {region!r} is not a region code.", "E009")
        )
    try:
        normalize_connect_retries(sms_settings.CONNECT_RETRIES)
    except ConfigurationError as exc:
        errors.append(_error(str(exc), "E010"))
    retention = sms_settings.LOG_RETENTION_DAYS
    if retention is not None and (
        not isinstance(retention, int) or isinstance(retention, bool) or retention < 1
    ):
        errors.append(
            _error(
                f"{SETTING_NAME}['LOG_RETENTION_DAYS'] must be a whole number of days (1 or "
                f"more) or None, not {retention!r}.",
                "E011",
            )
        )
    cache_timeout = sms_settings.TEMPLATE_CACHE_TIMEOUT
    if (
        not isinstance(cache_timeout, (int, float))
        or isinstance(cache_timeout, bool)
        or cache_timeout < 0
    ):
        errors.append(
            _error(
                f"{SETTING_NAME}['TEMPLATE_CACHE_TIMEOUT'] must be a number of seconds (0 turns "
                f"the cache off), not {cache_timeout!r}.",
                "E019",
            )
        )
    errors.extend(_check_callbacks())
    ca_bundle = sms_settings.CA_BUNDLE
    if ca_bundle is not None and not (isinstance(ca_bundle, str) and os.path.isfile(ca_bundle)):
        errors.append(
            _error(
                f"{SETTING_NAME}['CA_BUNDLE'] must be the path of a CA bundle file, or None; "
                f"{ca_bundle!r} is not a file.",
                "E020",
            )
        )
    errors.extend(_check_otp())
    return errors


def _check_sdk_app_id() -> list[checks.CheckMessage]:
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


def _check_otp() -> list[checks.CheckMessage]:
    from django_tencent_sms.conf import OTP_DEFAULTS
    from django_tencent_sms.otp.service import otp_settings_problems

    conf = sms_settings.OTP
    if not isinstance(conf, dict):
        return [_error(f"{SETTING_NAME}['OTP'] must be a dict.", "E012")]
    found: list[checks.CheckMessage] = [
        _error(problem, "E012") for problem in otp_settings_problems(conf)
    ]
    found.extend(_check_phone_backend())
    unknown = sorted(set(conf) - set(OTP_DEFAULTS))
    if unknown:
        found.append(
            checks.Warning(
                f"Unknown {SETTING_NAME}['OTP'] keys: {', '.join(unknown)}.",
                hint=f"Known keys: {', '.join(OTP_DEFAULTS)}.",
                id="tencent_sms.W003",
            )
        )
    return found


def _check_phone_backend() -> list[checks.CheckMessage]:
    """With PhoneCodeBackend in use, the way it finds users must work before the first login."""
    from django.conf import settings

    from django_tencent_sms.otp.auth import PhoneCodeBackend

    backends = getattr(settings, "AUTHENTICATION_BACKENDS", [])
    if not any(path.endswith(".PhoneCodeBackend") for path in backends):
        return []
    try:
        PhoneCodeBackend().user_finder()
    except ConfigurationError as exc:
        return [_error(str(exc), "E013")]
    return []


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
