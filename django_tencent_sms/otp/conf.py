"""The verification-code settings, ``TENCENT_SMS["OTP"]``: their defaults and their rules.

``otp_settings()`` is the dict the service works with: the site's values merged over
``OTP_DEFAULTS``, refused with a ``ConfigurationError`` when a rule is broken.
``otp_settings_problems()`` says what is wrong without raising (the system checks report each
problem as ``tencent_sms.E012``). ``usable_limit()`` is for pages that show a setting and must not
fail over a bad one. The values are read through ``conf.sms_settings``, so they follow
``override_settings``; importing this module needs neither the models nor the app registry.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import phonenumbers

from django_tencent_sms.conf import OTP_SECRET_KEYS, SETTING_NAME, sms_settings
from django_tencent_sms.exceptions import ConfigurationError

__all__ = [
    "OTP_DEFAULTS",
    "OTP_SECRET_KEYS",
    "merged_otp_settings",
    "otp_settings",
    "otp_settings_problems",
    "usable_limit",
]

#: The name the messages give the setting.
OTP_SETTING = f"{SETTING_NAME}['OTP']"

#: What ``NUMBER_TYPES`` may name.
NUMBER_TYPE_NAMES = frozenset(name for name in vars(phonenumbers.PhoneNumberType) if name.isupper())

#: Digits a code may have.
MIN_LENGTH, MAX_LENGTH = 4, 10

#: Defaults of ``TENCENT_SMS["OTP"]``; a site's dict is merged over these.
OTP_DEFAULTS: dict[str, Any] = {
    # The verification template: an SmsTemplate name, or a Tencent template ID (int).
    "TEMPLATE": None,
    # The template's parameters, in order; "{code}" and "{minutes}" are filled in.
    "PARAMS": ("{code}", "{minutes}"),
    # Digits per code (4 to 10).
    "LENGTH": 6,
    # Seconds a code stays valid.
    "TTL": 300,
    # Tries per code, the right one included; then the code is dead.
    "MAX_ATTEMPTS": 5,
    # Seconds before the same number may ask again for the same purpose.
    "RESEND_INTERVAL": 60,
    # Codes per number (all purposes) per rolling hour and day. Tencent's console allows only
    # 2 messages per number per calendar day by default (the carriers 10): raise it there to
    # match, or lower these, or Tencent refuses the third code of a day (1025/1026).
    "PHONE_HOURLY_LIMIT": 5,
    "PHONE_DAILY_LIMIT": 10,
    # Codes per client IP per rolling hour and day, when send_code() is given the request.
    "IP_HOURLY_LIMIT": 20,
    "IP_DAILY_LIMIT": 100,
    # Refused requests per client IP per rolling hour; past it, the IP's requests are refused
    # at once (no code, no SMS) until the hour has room: probing the limits is not free.
    "IP_REFUSAL_LIMIT": 30,
    # Region codes ("CN", "HK", …) whose numbers may receive codes; None allows all.
    "ALLOWED_REGIONS": None,
    # The kinds of number that may receive codes (phonenumbers.PhoneNumberType names); the
    # others (premium-rate, toll-free, VoIP, pager, …: where SMS pumping pays) are refused.
    "NUMBER_TYPES": ("MOBILE", "FIXED_LINE_OR_MOBILE"),
    # IPv6 clients are counted by their network of this many bits (one /64 is one
    # subscriber's); IPv4 clients by their address.
    "IPV6_PREFIX": 64,
    # Codes per local calendar day across the whole site; None for no budget.
    "DAILY_LIMIT": None,
    # Codes per local calendar day to the numbers of each region: {"CN": None, "*": 50} lets
    # China's go uncapped and caps every other region at 50 a day (each region its own 50).
    # None for no such caps.
    "REGION_DAILY_LIMITS": None,
    # code_conversion_low fires when, over the last CONVERSION_WINDOW seconds, codes verified
    # / codes sent falls below CONVERSION_MIN_RATE (checked each CONVERSION_MIN_CODES codes
    # sent). None turns it off.
    "CONVERSION_MIN_RATE": None,
    "CONVERSION_WINDOW": 3600,
    "CONVERSION_MIN_CODES": 20,
    # Dotted path of a function(request) -> IP text, for sites behind a proxy; None reads
    # REMOTE_ADDR.
    "CLIENT_IP": None,
    # How PhoneCodeBackend finds the user: the name of a user-model field holding the number,
    # or the dotted path of a function(phone: PhoneNumber) -> user or None.
    "USER_PHONE_FIELD": "phone",
    "USER_LOOKUP": None,
    # The user-model BooleanField that says the number was verified (django-allauth's
    # PhoneAdapterMixin sets and reads it; see README "django-allauth").
    "USER_PHONE_VERIFIED_FIELD": "phone_verified",
    # The site's sign-up page, offered when a right code finds no account: a URL name or a
    # path of this site (otp.signup_link); None offers none.
    "SIGNUP_URL": None,
    # Purposes whose codes go only to numbers with an account (found as PhoneCodeBackend finds
    # users, when it is in AUTHENTICATION_BACKENDS). A number without one gets the very same
    # answer and no SMS; () sends to every number.
    "ACCOUNT_PURPOSES": ("login",),
    # Voice codes: True lets send_code(channel="voice") have Tencent call the number and read
    # the code out (mainland China numbers only), and shows "call me instead" on the shipped
    # pages. The API 3.0 backend also needs TENCENT_SMS["VOICE_SDK_APP_ID"]. Times the code is
    # read in one call: 1 to 3.
    "VOICE": False,
    "VOICE_PLAYTIMES": 2,
    # Numbers that always get the same code and no SMS (app-store review, QA), as
    # {"+8613800000000": "246810"}; every limit applies to them as to any number.
    "TEST_NUMBERS": {},
    # Dotted path of a function(request, phone, purpose) -> bool asked before a code is sent
    # (a captcha: "django_tencent_sms.otp.captcha.verify" is Tencent Captcha's); None: none.
    "CHALLENGE": None,
    # None: the challenge is asked before every code; a number N: only once N codes were sent
    # to the number, or from the client's network, in the last hour (then a passed challenge
    # lifts the number's own caps, so a spent number does not lock its owner out).
    "CHALLENGE_AFTER": None,
    # Tencent Captcha (otp.captcha): the CaptchaAppId (int) and its AppSecretKey from the
    # captcha console, and the endpoint; the API 3.0 SECRET_ID/SECRET_KEY sign the requests.
    "CAPTCHA_APP_ID": None,
    "CAPTCHA_APP_SECRET_KEY": "",
    "CAPTCHA_ENDPOINT": "captcha.tencentcloudapi.com",
}

#: The caps that may be None (no cap).
OPTIONAL_LIMITS = (
    "PHONE_HOURLY_LIMIT",
    "PHONE_DAILY_LIMIT",
    "IP_HOURLY_LIMIT",
    "IP_DAILY_LIMIT",
    "IP_REFUSAL_LIMIT",
    "DAILY_LIMIT",
)


def merged_otp_settings() -> Any:
    """``TENCENT_SMS["OTP"]`` over the defaults when it is a dict; anything else as it is."""
    conf = sms_settings.OTP
    return {**OTP_DEFAULTS, **conf} if isinstance(conf, dict) else conf


#: The last good settings checked: (``TENCENT_SMS["OTP"]``, a copy of it, the merged dict).
_checked: tuple[Any, dict[str, Any], dict[str, Any]] | None = None


def otp_settings() -> dict[str, Any]:
    """``TENCENT_SMS["OTP"]`` merged over the defaults, checked; ``ConfigurationError`` if bad.

    Every send and check asks, and checking takes longer than the rest of a check's Python: the
    result is kept while the setting is the same dict with the same items (a copy is returned).
    """
    global _checked
    source = sms_settings.OTP
    last = _checked
    if last is not None and last[0] is source and last[1] == source:
        return dict(last[2])
    conf = merged_otp_settings()
    if not isinstance(conf, dict):
        raise ConfigurationError(f"{OTP_SETTING} must be a dict.")
    problems = otp_settings_problems(conf)
    if problems:
        raise ConfigurationError(problems[0])
    if isinstance(source, dict):
        _checked = (source, dict(source), conf)
    return dict(conf)


def whole_number(value: Any, minimum: int = 1) -> bool:
    """Whether ``value`` is an int (not a bool) of at least ``minimum``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def usable_limit(key: str) -> int | None:
    """``OTP[key]`` when it is a whole number ≥ 1, else None.

    For a page that shows a setting (the admin's tries column, the budget banner): a bad value
    is the system checks' to report and ``send_code``'s to refuse, not the page's to fail over.
    """
    conf = merged_otp_settings()
    found = conf.get(key) if isinstance(conf, dict) else None
    return found if whole_number(found) else None


def otp_settings_problems(conf: dict[str, Any]) -> list[str]:
    """What is wrong with a merged OTP settings dict, one sentence per problem."""
    problems = [
        *template_problems(conf.get("TEMPLATE")),
        *length_problems(conf.get("LENGTH")),
    ]
    for key, minimum, optional in (
        ("TTL", 1, False),
        ("MAX_ATTEMPTS", 1, False),
        ("RESEND_INTERVAL", 0, False),
        *((limit, 1, True) for limit in OPTIONAL_LIMITS),
    ):
        value = conf.get(key)
        if not (optional and value is None) and not whole_number(value, minimum):
            problems.append(
                f"{OTP_SETTING}['{key}'] must be a whole number ≥ {minimum}, not {value!r}."
            )
    problems += params_problems(conf.get("PARAMS"))
    problems += regions_problems(conf.get("ALLOWED_REGIONS"))
    problems += number_types_problems(conf.get("NUMBER_TYPES"))
    problems += region_limits_problems(conf.get("REGION_DAILY_LIMITS"))
    problems += conversion_problems(conf)
    purposes = conf.get("ACCOUNT_PURPOSES")
    if not isinstance(purposes, (list, tuple, set, frozenset)) or not all(
        isinstance(p, str) for p in purposes
    ):
        problems.append(f"{OTP_SETTING}['ACCOUNT_PURPOSES'] must be a list of purposes.")
    signup = conf.get("SIGNUP_URL")
    if signup is not None and not isinstance(signup, str):
        problems.append(
            f"{OTP_SETTING}['SIGNUP_URL'] must be a URL name, a path or None, not {signup!r}."
        )
    if not isinstance(conf.get("VOICE"), bool):
        problems.append(f"{OTP_SETTING}['VOICE'] must be True or False, not {conf.get('VOICE')!r}.")
    playtimes: Any = conf.get("VOICE_PLAYTIMES")
    if not whole_number(playtimes, 1) or playtimes > 3:
        problems.append(f"{OTP_SETTING}['VOICE_PLAYTIMES'] must be 1 to 3, not {playtimes!r}.")
    verified = conf.get("USER_PHONE_VERIFIED_FIELD")
    if not isinstance(verified, str) or not verified.isidentifier():
        problems.append(
            f"{OTP_SETTING}['USER_PHONE_VERIFIED_FIELD'] must be a field name, not {verified!r}."
        )
    prefix: Any = conf.get("IPV6_PREFIX")
    if not whole_number(prefix, 1) or prefix > 128:
        problems.append(f"{OTP_SETTING}['IPV6_PREFIX'] must be 1 to 128, not {prefix!r}.")
    return problems


def template_problems(template: Any) -> list[str]:
    if (
        template is None
        or whole_number(template)
        or (isinstance(template, str) and template.strip())
    ):
        return []
    return [f"{OTP_SETTING}['TEMPLATE'] must be an SmsTemplate name or a tpl_id (1 or more)."]


def length_problems(length: Any) -> list[str]:
    if whole_number(length, MIN_LENGTH) and length <= MAX_LENGTH:
        return []
    return [f"{OTP_SETTING}['LENGTH'] must be {MIN_LENGTH} to {MAX_LENGTH}, not {length!r}."]


def params_problems(params: Any) -> list[str]:
    """The parameters: strings, one holding ``{code}``, each using only ``{code}`` and
    ``{minutes}``."""
    if (
        not isinstance(params, (list, tuple))
        or not all(isinstance(p, str) for p in params)
        or not any("{code}" in p for p in params)
    ):
        return [f"{OTP_SETTING}['PARAMS'] must be a list of strings, one containing {{code}}."]
    problems = []
    for param in params:
        try:
            param.format(code="0", minutes=0)
        except (KeyError, IndexError, ValueError):
            problems.append(
                f"{OTP_SETTING}['PARAMS'] entry {param!r} may use only {{code}} and {{minutes}}."
            )
    return problems


def regions_problems(regions: Any) -> list[str]:
    if regions is None or (
        isinstance(regions, Iterable)
        and not isinstance(regions, str)
        and all(isinstance(r, str) for r in regions)
    ):
        return []
    return [f"{OTP_SETTING}['ALLOWED_REGIONS'] must be a list of region codes or None."]


def number_types_problems(types: Any) -> list[str]:
    """``NUMBER_TYPES``: a list of ``phonenumbers.PhoneNumberType`` names."""
    if (
        isinstance(types, (list, tuple, set, frozenset))
        and types
        and all(isinstance(t, str) and t in NUMBER_TYPE_NAMES for t in types)
    ):
        return []
    return [
        f"{OTP_SETTING}['NUMBER_TYPES'] must be a list of phonenumbers.PhoneNumberType names "
        f"({', '.join(sorted(NUMBER_TYPE_NAMES))}), not {types!r}."
    ]


def region_limits_problems(limits: Any) -> list[str]:
    """``REGION_DAILY_LIMITS``: None, or region codes (and ``"*"``) to a cap or None."""
    if limits is None:
        return []
    if isinstance(limits, dict) and all(
        isinstance(region, str)
        and (region == "*" or (len(region) == 2 and region.isalpha() and region.isupper()))
        and (cap is None or whole_number(cap))
        for region, cap in limits.items()
    ):
        return []
    return [
        f"{OTP_SETTING}['REGION_DAILY_LIMITS'] must be a dict of region codes (or \"*\") to a "
        f"whole number ≥ 1 or None, not {limits!r}."
    ]


def conversion_problems(conf: dict[str, Any]) -> list[str]:
    """``CONVERSION_MIN_RATE`` (None or a number from 0 to 1), its window and its sample."""
    problems = []
    rate = conf.get("CONVERSION_MIN_RATE")
    if rate is not None and (
        not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 < rate <= 1
    ):
        problems.append(
            f"{OTP_SETTING}['CONVERSION_MIN_RATE'] must be None or a number from 0 to 1, "
            f"not {rate!r}."
        )
    for key in ("CONVERSION_WINDOW", "CONVERSION_MIN_CODES"):
        if not whole_number(conf.get(key)):
            problems.append(
                f"{OTP_SETTING}['{key}'] must be a whole number ≥ 1, not {conf.get(key)!r}."
            )
    return problems
