"""System checks of the two_factor gateway, run only when a setting names it: E060 (the
``TENCENT_SMS_TWO_FACTOR`` setting), E061 (no template), W060 (the middleware missing) and
W061 (the call gateway without voice codes)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from django_tencent_sms.contrib.two_factor.conf import (
    MIDDLEWARE_PATH,
    SETTING,
    setting_problems,
    two_factor_settings,
)
from django_tencent_sms.otp.conf import otp_settings
from django_tencent_sms.otp.voice import voice_problem


def loaded(path: str) -> Any:
    """What ``path`` names, or None when it does not load: another package's module, whose
    mistakes Django or that package reports."""
    try:
        return import_string(path)
    except Exception:
        return None


def names_our_gateway(setting: str) -> bool:
    """Whether ``settings.<setting>`` is ``TencentSmsGateway`` or a subclass of it."""
    path = getattr(settings, setting, None)
    if not isinstance(path, str) or "." not in path:
        return False
    gateway = loaded(path)
    from django_tencent_sms.contrib.two_factor.gateway import TencentSmsGateway

    return isinstance(gateway, type) and issubclass(gateway, TencentSmsGateway)


def middleware_installed() -> bool:
    from django_tencent_sms.contrib.two_factor.middleware import GatewayRequestMiddleware

    for path in getattr(settings, "MIDDLEWARE", None) or ():
        if path == MIDDLEWARE_PATH:
            return True
        found = loaded(path)
        if isinstance(found, type) and issubclass(found, GatewayRequestMiddleware):
            return True
    return False


@checks.register()
def check_two_factor(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    sms = names_our_gateway("TWO_FACTOR_SMS_GATEWAY")
    call = names_our_gateway("TWO_FACTOR_CALL_GATEWAY")
    if not (sms or call or getattr(settings, SETTING, None) is not None):
        return []
    found: list[checks.CheckMessage] = [
        checks.Error(problem, id="tencent_sms.E060") for problem in setting_problems()
    ]
    if not (sms or call):
        return found
    try:
        otp_template = otp_settings()["TEMPLATE"]
    except Exception:  # a broken OTP setting: its own checks say so
        otp_template = None
    if sms and two_factor_settings()["TEMPLATE"] is None and otp_template is None:
        found.append(
            checks.Error(
                "TWO_FACTOR_SMS_GATEWAY is TencentSmsGateway, but no template is set for its "
                "tokens.",
                hint=f"Set settings.{SETTING}['TEMPLATE'] or TENCENT_SMS['OTP']['TEMPLATE'] "
                "to a verification template (an SmsTemplate name or a Tencent ID).",
                id="tencent_sms.E061",
            )
        )
    if not middleware_installed():
        found.append(
            checks.Warning(
                "TencentSmsGateway is used without GatewayRequestMiddleware: a refused token is "
                "not shown on the page, and the client's IP is not counted against the per-IP "
                "caps.",
                hint=f"Add {MIDDLEWARE_PATH!r} to MIDDLEWARE, after MessageMiddleware.",
                id="tencent_sms.W060",
            )
        )
    if call:
        try:
            problem = voice_problem(otp_settings())
        except Exception:
            problem = None
        if problem is not None:
            found.append(
                checks.Warning(
                    "TWO_FACTOR_CALL_GATEWAY is TencentSmsGateway, but voice codes cannot be "
                    f"sent: {problem} Every call will be refused (with a message saying so).",
                    hint="Turn on TENCENT_SMS['OTP']['VOICE'] with a backend that can call, or "
                    "leave TWO_FACTOR_CALL_GATEWAY unset so two_factor offers no phone calls.",
                    id="tencent_sms.W061",
                )
            )
    return found
