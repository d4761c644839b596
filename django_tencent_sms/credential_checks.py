"""The system checks of the credentials: the SDK AppID, the legacy app key and URL, the API 3.0
key pair, region and endpoint (``checks.check_settings`` runs them for the backend in use).

No message ever shows a secret: a bad character in a key is named, never the key around it."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from django.core import checks

from django_tencent_sms.conf import SETTING_NAME, sms_settings

__all__ = ["LOOPBACK_HOSTS", "check_cloud_settings", "check_legacy_settings", "check_sdk_app_id"]

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
#: Tencent Cloud region names: "ap-guangzhou", "na-siliconvalley", "eu-frankfurt", …
_REGION = re.compile(r"[a-z]+(-[a-z0-9]+)+")
#: What a key or an ID from Tencent's consoles is made of: printable ASCII, no space.
_KEY_CHARACTER = re.compile(r"[!-~]")
_KEEP_SAFE = "read it from the environment, not from a committed file."


def _error(msg: str, id: str, hint: str | None = None) -> checks.CheckMessage:
    return checks.Error(msg, hint=hint, id=f"tencent_sms.{id}")


def key_problem(value: str) -> str | None:
    """Why ``value`` cannot be a key or an ID copied from a console, naming the first bad
    character only when it is invisible (whitespace, zero-width, control); else None."""
    for character in value:
        if _KEY_CHARACTER.fullmatch(character):
            continue
        if character.isspace() or unicodedata.category(character) in ("Cc", "Cf", "Zs"):
            name = unicodedata.name(character, "a control character")
            return f"contains whitespace or an invisible character (U+{ord(character):04X} {name})"
        return "contains a character that is not printable ASCII"
    return None


def check_sdk_app_id() -> list[checks.CheckMessage]:
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
    if not (app_id.isascii() and app_id.isdigit()):
        return [_error(f"{SETTING_NAME}['SDK_APP_ID'] must be digits (like 1400006666).", "E004")]
    return []


def check_legacy_settings() -> list[checks.CheckMessage]:
    """The legacy API's key and URL (E005 to E007, W001)."""
    found: list[checks.CheckMessage] = []
    app_key = sms_settings.APP_KEY
    problem = key_problem(app_key) if isinstance(app_key, str) else "must be a string"
    if not app_key:
        found.append(
            _error(f"{SETTING_NAME}['APP_KEY'] is not set.", "E005", hint=_KEEP_SAFE.capitalize())
        )
    elif problem:
        found.append(
            _error(
                f"{SETTING_NAME}['APP_KEY'] {problem}.",
                "E006",
                hint="Copy the App Key again from Tencent's SMS console; " + _KEEP_SAFE,
            )
        )
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


def check_cloud_settings() -> list[checks.CheckMessage]:
    """The API 3.0 backend's credentials, region and endpoint (E014 to E018, W004)."""
    from django_tencent_sms.protocol.tc3.action import parse_endpoint

    found: list[checks.CheckMessage] = []
    for name, id in (("SECRET_ID", "E014"), ("SECRET_KEY", "E015")):
        value = getattr(sms_settings, name)
        if not value or not isinstance(value, str):
            found.append(
                _error(
                    f"{SETTING_NAME}[{name!r}] is not set"
                    + (" (it must be a string)." if value else "."),
                    id,
                    hint="Create an API key in Tencent Cloud's access management (CAM) console; "
                    + _KEEP_SAFE,
                )
            )
        elif problem := key_problem(value):
            found.append(
                _error(
                    f"{SETTING_NAME}[{name!r}] {problem}.",
                    "E018",
                    hint="Copy the key again from Tencent Cloud's CAM console; " + _KEEP_SAFE,
                )
            )
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
