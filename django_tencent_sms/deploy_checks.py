"""The checks ``manage.py check --deploy`` adds for this app (``tencent_sms.W053``, ``W054``).

W053: a Tencent URL still points at this machine (the emulator's development settings went to
production: no message would reach a phone). W054: verification codes are limited to some
regions but have no daily ceiling. W020 (``otp.checks``) covers codes with neither.
Like every check here, they report and never raise, whatever the settings hold.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.core import checks

from django_tencent_sms.conf import SETTING_NAME, sms_settings
from django_tencent_sms.otp.conf import OTP_SETTING, merged_otp_settings

__all__ = ["check_deploy", "local_host"]

#: The settings naming where requests go: a URL (legacy API) or a host/URL (API 3.0).
URL_SETTINGS = ("API_URL", "VOICE_API_URL", "ENDPOINT", "VOICE_ENDPOINT")


def local_host(value: Any) -> str | None:
    """The host of ``value`` (a URL, or a bare host as ``ENDPOINT`` takes) when it is this
    machine: ``localhost``, a loopback or unspecified address. None otherwise, and for anything
    that is not a readable URL (the settings checks report those)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        host = urlsplit(text if "://" in text else "https://" + text).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return host
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    if address.is_loopback or address.is_unspecified:
        return host
    mapped = getattr(address, "ipv4_mapped", None)
    return host if mapped is not None and mapped.is_loopback else None


def _emulator_urls() -> list[checks.CheckMessage]:
    """W053: a URL setting that sends to this machine, as the emulator's settings do."""
    found: list[checks.CheckMessage] = []
    for name in URL_SETTINGS:
        host = local_host(getattr(sms_settings, name, None))
        if host is None:
            continue
        found.append(
            checks.Warning(
                f"{SETTING_NAME}[{name!r}] points at this machine ({host}): the local emulator's "
                "development setting. No message would reach a phone.",
                hint=f"Remove {name} in production settings: the default is Tencent's, over HTTPS.",
                id="tencent_sms.W053",
            )
        )
    return found


def _daily_limit() -> list[checks.CheckMessage]:
    """W054: codes limited to ``ALLOWED_REGIONS`` but without ``DAILY_LIMIT``."""
    conf = merged_otp_settings()
    if not isinstance(conf, dict) or conf.get("TEMPLATE") is None:
        return []  # codes not in use (or a broken setting, which E012 reports)
    if conf.get("ALLOWED_REGIONS") is None or conf.get("DAILY_LIMIT") is not None:
        return []  # W020 reports neither being set
    return [
        checks.Warning(
            f"{OTP_SETTING} sets no DAILY_LIMIT: the number of codes sent a day, and the bill, "
            "have no ceiling (SMS pumping to numbers in the allowed regions).",
            hint="Set DAILY_LIMIT to a few times your busiest day's codes.",
            id="tencent_sms.W054",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_deploy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """W053 and W054; nothing when ``TENCENT_SMS`` is not a dict (E001 says so)."""
    from django.conf import settings

    if not isinstance(getattr(settings, SETTING_NAME, None), (dict, type(None))):
        return []
    found: list[checks.CheckMessage] = []
    for concern in (_emulator_urls, _daily_limit):
        try:
            found += concern()
        except Exception:  # noqa: S112 - a value no check foresaw: never crash `check`
            continue
    return found
