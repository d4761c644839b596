"""System checks for ``settings.TENCENT_SMS`` (ids ``tencent_sms.E0xx`` / ``W0xx``).

``check_settings`` runs one small function per concern: the backend and its credentials
(``credential_checks``), the transport (timeout, retries, CA bundle), numbers, retention, the
template cache, stuck rows, the callbacks, the signature, and the verification codes
(``otp.checks``).
Whatever the setting holds, it reports and never raises (E027 for what no check foresaw).
``check_callback_urls`` looks at the URLconf."""

from __future__ import annotations

import math
import os
import re
from typing import Any

from django.conf import settings
from django.core import checks

from django_tencent_sms.conf import DEFAULTS, SETTING_NAME, sms_settings
from django_tencent_sms.credential_checks import (
    check_cloud_settings,
    check_legacy_settings,
    check_sdk_app_id,
)
from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.otp.checks import check_otp_settings
from django_tencent_sms.setting_values import REGION_HINT, is_region_code, unknown_keys


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
        _check_pool_size,
        _check_bulk_concurrency,
        _check_log_retention,
        _check_template_cache,
        _check_stale_after,
        _check_callbacks,
        _check_ca_bundle,
        _check_sign,
        _check_max_param_length,
        _check_unmatched_report_days,
        _check_opt_out_keywords,
        check_otp_settings,
    ):
        try:
            found += concern()
        except Exception as exc:  # a value no check foresaw: say so, never crash `check`
            found.append(
                _error(
                    f"A {SETTING_NAME} value could not be checked ({concern.__name__} failed "
                    f"with {type(exc).__name__}).",
                    "E027",
                    hint="Compare each value with the settings table in README.",
                )
            )
    return found


def _check_known_keys() -> list[checks.CheckMessage]:
    """W002: keys this version does not know (a typo, or a key of another app)."""
    unknown = unknown_keys(sms_settings.user_settings, DEFAULTS)
    if not unknown:
        return []
    return [
        checks.Warning(
            f"Unknown {SETTING_NAME} keys: {unknown}.",
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

    path = sms_settings.BACKEND
    if not isinstance(path, str):
        return [_error(f"{SETTING_NAME}['BACKEND'] must be a dotted path, not {path!r}.", "E002")]
    try:
        backend_class = load_backend_class(path)
    except ConfigurationError as exc:
        return [_error(str(exc), "E002")]
    found: list[checks.CheckMessage] = []
    if issubclass(backend_class, TencentCloudBackend):
        found += check_sdk_app_id()
        found += check_cloud_settings()
    if issubclass(backend_class, TencentBackend):
        found += check_sdk_app_id()
        found += check_legacy_settings()
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
    if is_region_code(region):
        return []
    return [
        _error(
            f"{SETTING_NAME}['DEFAULT_REGION'] {region!r} is not a region code.",
            "E009",
            hint=REGION_HINT,
        )
    ]


def _check_connect_retries() -> list[checks.CheckMessage]:
    """E010: how often a request that never reached Tencent is tried again."""
    from django_tencent_sms.backends.http import normalize_connect_retries

    try:
        normalize_connect_retries(sms_settings.CONNECT_RETRIES)
    except ConfigurationError as exc:
        return [_error(str(exc), "E010")]
    return []


def _check_pool_size() -> list[checks.CheckMessage]:
    """E045: the keep-alive connections each backend keeps."""
    from django_tencent_sms.backends.pool import normalize_pool_size

    try:
        normalize_pool_size(sms_settings.POOL_SIZE)
    except ConfigurationError as exc:
        return [_error(str(exc), "E045")]
    return []


def _check_bulk_concurrency() -> list[checks.CheckMessage]:
    """E046: the batches of one bulk send in flight at once."""
    from django_tencent_sms.sending.pipeline import normalize_bulk_concurrency

    try:
        normalize_bulk_concurrency(sms_settings.BULK_CONCURRENCY)
    except ConfigurationError as exc:
        return [_error(str(exc), "E046")]
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


def _check_unmatched_report_days() -> list[checks.CheckMessage]:
    """E040: the days reports for unknown sids are kept (``reports.unmatched``)."""
    days = sms_settings.UNMATCHED_REPORT_DAYS
    if isinstance(days, int) and not isinstance(days, bool) and 0 <= days <= 3650:
        return []
    return [
        _error(
            f"{SETTING_NAME}['UNMATCHED_REPORT_DAYS'] must be a whole number of days (0 to "
            f"3650), not {days!r}.",
            "E040",
        )
    ]


def _check_template_cache() -> list[checks.CheckMessage]:
    """E019: the seconds a template looked up by name is remembered."""
    timeout = sms_settings.TEMPLATE_CACHE_TIMEOUT
    if (
        isinstance(timeout, (int, float))
        and not isinstance(timeout, bool)
        and math.isfinite(timeout)
        and timeout >= 0
    ):
        return []
    return [
        _error(
            f"{SETTING_NAME}['TEMPLATE_CACHE_TIMEOUT'] must be a number of seconds (0 turns "
            f"the cache off), not {timeout!r}.",
            "E019",
        )
    ]


def _check_stale_after() -> list[checks.CheckMessage]:
    """E028: the seconds after which a message in progress counts as stuck; E029: not longer
    than a send can take, so that a send still waiting for Tencent's answer would be marked
    stuck and ``unknown`` (and offered for a resend: a duplicate) while it is answered."""
    from django_tencent_sms.backends.http import (
        normalize_connect_retries,
        normalize_timeout,
        total_timeout,
    )
    from django_tencent_sms.sending.recover import stale_after_problem

    value = sms_settings.STALE_AFTER
    problem = stale_after_problem(value)
    if problem is not None:
        return [_error(problem, "E028", hint="The default is 600 (ten minutes).")]
    try:
        timeout = normalize_timeout(sms_settings.TIMEOUT)
        retries = normalize_connect_retries(sms_settings.CONNECT_RETRIES)
    except ConfigurationError:
        return []  # E008 or E010 says so
    connect = timeout[0] if isinstance(timeout, tuple) else timeout
    # A request: its connection tried again `retries` times, then the whole deadline. A bulk
    # batch's rows are written while the request before them is out: twice that.
    longest = 2 * (retries * connect + total_timeout(timeout))
    if value > longest:
        return []
    return [
        _error(
            f"{SETTING_NAME}['STALE_AFTER'] ({value} s) must be longer than the longest a send "
            f"can take under TIMEOUT and CONNECT_RETRIES ({longest:g} s): a message still "
            "waiting for Tencent's answer would be marked stuck and unknown.",
            "E029",
            hint="The default is 600; set it above the longest a task may wait in your queue too.",
        )
    ]


def _check_sign() -> list[checks.CheckMessage]:
    """E021: the default signature, as Tencent accepts one (2 to 12 characters, no 【】)."""
    from django_tencent_sms.sending.validation import MAX_SIGN_LENGTH

    sign = sms_settings.SIGN
    if sign in (None, "") or (
        isinstance(sign, str)
        and 2 <= len(sign) <= MAX_SIGN_LENGTH
        and not set(sign) & set("【】")
        and sign.strip() == sign
    ):
        return []
    return [
        _error(
            f"{SETTING_NAME}['SIGN'] must be the text of an approved signature, 2 to "
            f"{MAX_SIGN_LENGTH} characters without 【】 or surrounding spaces, not {sign!r}.",
            "E021",
            hint="Tencent refuses any other signature (result 1012); leave it empty to use the "
            "account's default signature.",
        )
    ]


def _check_max_param_length() -> list[checks.CheckMessage]:
    """E022: the longest template parameter sent (Tencent's limit is 12, result 1036)."""
    length = sms_settings.MAX_PARAM_LENGTH
    if length is None or (isinstance(length, int) and not isinstance(length, bool) and length >= 1):
        return []
    return [
        _error(
            f"{SETTING_NAME}['MAX_PARAM_LENGTH'] must be a whole number of characters (1 or "
            f"more) or None, not {length!r}.",
            "E022",
        )
    ]


def _check_opt_out_keywords() -> list[checks.CheckMessage]:
    """E033: the replies that opt a number out (``account.optout_keywords``)."""
    from django_tencent_sms.account.optout_keywords import keyword_problems

    problems = keyword_problems(sms_settings.OPT_OUT_KEYWORDS)
    if not problems:
        return []
    return [
        _error(
            f"{SETTING_NAME}['OPT_OUT_KEYWORDS'] {'; '.join(problems[:5])}"
            f"{' …' if len(problems) > 5 else ''}.",
            "E033",
            hint="A list of whole replies, such as ['退订', 'TD', 'STOP']; an empty list opts "
            "nobody out by reply. Until it is fixed, a value that is not a list is replaced by "
            "the default keywords.",
        )
    ]


def _check_ca_bundle() -> list[checks.CheckMessage]:
    """E020: the CA bundle the API's certificate is verified with, when one is named."""
    ca_bundle = sms_settings.CA_BUNDLE
    if ca_bundle is None or (
        isinstance(ca_bundle, str) and "\x00" not in ca_bundle and os.path.isfile(ca_bundle)
    ):
        return []
    return [
        _error(
            f"{SETTING_NAME}['CA_BUNDLE'] must be the path of a CA bundle file, or None; "
            f"{ca_bundle!r} is not a file.",
            "E020",
        )
    ]


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
        except Exception as exc:  # ImportError, or whatever importing the module raised
            func, problem = None, f"{type(exc).__name__}: {exc}"
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

    if not isinstance(getattr(settings, SETTING_NAME, None), (dict, type(None))):
        return []  # check_settings reports it (E001)
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


# Registered by importing them: the account's (E042, E043), `check --deploy`'s (W053 emulator
# URLs, W054 no daily ceiling on codes), where sign-in lands (W055).
from django_tencent_sms import deploy_checks  # noqa: E402, F401
from django_tencent_sms.account import checks as account_checks  # noqa: E402, F401
from django_tencent_sms.otp import redirect_check  # noqa: E402, F401
