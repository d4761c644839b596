"""The system checks of the verification-code settings, ``TENCENT_SMS["OTP"]``.

E012 (a broken rule), E013 (how ``PhoneCodeBackend`` finds users) and W003 (unknown keys);
``checks.check_settings`` runs them with the others. With ``--deploy``, W020: codes are sent
with neither ``ALLOWED_REGIONS`` nor ``DAILY_LIMIT``, so SMS pumping has no ceiling."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.otp.conf import (
    OTP_DEFAULTS,
    OTP_SETTING,
    merged_otp_settings,
    otp_settings_problems,
)

__all__ = ["check_otp_deploy", "check_otp_settings"]


def check_otp_settings() -> list[checks.CheckMessage]:
    """Every problem of the OTP settings, as check messages."""
    conf = merged_otp_settings()
    if not isinstance(conf, dict):
        return [checks.Error(f"{OTP_SETTING} must be a dict.", id="tencent_sms.E012")]
    found: list[checks.CheckMessage] = [
        checks.Error(problem, id="tencent_sms.E012") for problem in otp_settings_problems(conf)
    ]
    found += check_phone_backend()
    unknown = sorted(set(conf) - set(OTP_DEFAULTS))
    if unknown:
        found.append(
            checks.Warning(
                f"Unknown {OTP_SETTING} keys: {', '.join(unknown)}.",
                hint=f"Known keys: {', '.join(OTP_DEFAULTS)}.",
                id="tencent_sms.W003",
            )
        )
    return found


def check_phone_backend() -> list[checks.CheckMessage]:
    """With PhoneCodeBackend in use, the way it finds users must work before the first login."""
    from django_tencent_sms.otp.auth import PhoneCodeBackend  # needs the app registry

    backends = getattr(settings, "AUTHENTICATION_BACKENDS", [])
    if not any(path.endswith(".PhoneCodeBackend") for path in backends):
        return []
    try:
        PhoneCodeBackend().user_finder()
    except ConfigurationError as exc:
        return [checks.Error(str(exc), id="tencent_sms.E013")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_otp_deploy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """W020: verification codes in use with no ceiling on what SMS pumping can cost."""
    conf = merged_otp_settings()
    if not isinstance(conf, dict) or conf.get("TEMPLATE") is None:
        return []  # codes not in use (or a broken setting, which E012 reports)
    if conf.get("ALLOWED_REGIONS") is not None or conf.get("DAILY_LIMIT") is not None:
        return []
    return [
        checks.Warning(
            f"{OTP_SETTING} sets neither ALLOWED_REGIONS nor DAILY_LIMIT: anyone can have codes "
            "sent to any country, without a daily ceiling (SMS pumping, toll fraud).",
            hint=(
                'Set ALLOWED_REGIONS to the regions your users are in (e.g. ["CN"]), and '
                "DAILY_LIMIT to a few times your busiest day's codes."
            ),
            id="tencent_sms.W020",
        )
    ]
