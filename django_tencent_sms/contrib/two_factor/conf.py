"""``settings.TENCENT_SMS_TWO_FACTOR``: the template, parameters and purpose of two_factor's
tokens, with defaults, and what is wrong with it (for the system checks)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from django_tencent_sms.otp.service import PURPOSE_RE

SETTING = "TENCENT_SMS_TWO_FACTOR"

DEFAULTS: dict[str, Any] = {
    # The template of the token SMS: an SmsTemplate name or a Tencent template ID; None uses
    # TENCENT_SMS["OTP"]["TEMPLATE"].
    "TEMPLATE": None,
    # Its parameters, in order, "{code}" and "{minutes}" filled in; None uses OTP["PARAMS"].
    "PARAMS": None,
    # What the tokens are counted under: the cooldown is per number and purpose, the per-number
    # and per-IP caps and the daily budgets are shared with every other code.
    "PURPOSE": "two_factor",
}

#: Seconds a token of two_factor's phone devices is surely accepted: its check takes the
#: 30-second TOTP step it was made in and the five before, so between 150 and 180 seconds.
TOKEN_TTL = 150

#: Paths of the gateway and the middleware, as a site's settings name them.
GATEWAY_PATH = "django_tencent_sms.contrib.two_factor.TencentSmsGateway"
MIDDLEWARE_PATH = "django_tencent_sms.contrib.two_factor.GatewayRequestMiddleware"


def raw_setting() -> Any:
    return getattr(settings, SETTING, None)


def two_factor_settings() -> dict[str, Any]:
    """The setting over its defaults (a broken one is reported by E060, and read as {})."""
    value = raw_setting()
    if not isinstance(value, dict):
        return dict(DEFAULTS)
    return {**DEFAULTS, **{k: v for k, v in value.items() if k in DEFAULTS}}


def setting_problems() -> list[str]:
    """One sentence per mistake in the setting; [] when it is absent or right."""
    value = raw_setting()
    if value is None:
        return []
    if not isinstance(value, dict):
        return [f"settings.{SETTING} must be a dict, not {type(value).__name__}."]
    problems = [
        f"settings.{SETTING} has an unknown key {key!r}." for key in value if key not in DEFAULTS
    ]
    template = value.get("TEMPLATE")
    if template is not None and (
        isinstance(template, bool)
        or not isinstance(template, (str, int))
        or (isinstance(template, str) and not template.strip())
    ):
        problems.append(
            f"settings.{SETTING}['TEMPLATE'] must be an SmsTemplate name or a Tencent template "
            "ID, or None."
        )
    params = value.get("PARAMS")
    if params is not None and (
        not isinstance(params, (list, tuple))
        or not all(isinstance(p, str) for p in params)
        or not any("{code}" in p for p in params)
    ):
        problems.append(
            f"settings.{SETTING}['PARAMS'] must be a list of texts, one holding {{code}}, or None."
        )
    purpose = value.get("PURPOSE", DEFAULTS["PURPOSE"])
    if not isinstance(purpose, str) or not PURPOSE_RE.match(purpose):
        problems.append(f"settings.{SETTING}['PURPOSE'] must be 1 to 32 of a-z, 0-9, _ and -.")
    return problems
