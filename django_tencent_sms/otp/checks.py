"""The system checks of the verification-code settings, ``TENCENT_SMS["OTP"]``.

E012 (a broken rule), E013 (how ``PhoneCodeBackend`` finds users), E023 (codes in use without a
template), E024 (``CLIENT_IP``), E025 (``ALLOWED_REGIONS``), E026 (absurd ``TTL`` or
``MAX_ATTEMPTS``), W003 (unknown keys), W005 (codes easy to guess), E050 (``TEST_NUMBERS``),
E051 (``CHALLENGE``, ``CHALLENGE_AFTER``), E052 (Tencent Captcha's settings, when it is the
challenge) and W051 (a soft limit above the number's cap); ``checks.check_settings`` runs them
with the others. With ``--deploy``, W020: codes are sent with neither ``ALLOWED_REGIONS`` nor
``DAILY_LIMIT``, so SMS pumping has no ceiling; W050: test numbers are configured."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core import checks

from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.otp import signup_link  # noqa: F401 - registers W090
from django_tencent_sms.otp.conf import (
    OTP_DEFAULTS,
    OTP_SETTING,
    length_problems,
    merged_otp_settings,
    otp_settings_problems,
    whole_number,
)
from django_tencent_sms.otp.test_numbers import test_numbers_problems
from django_tencent_sms.otp.voice_checks import check_voice
from django_tencent_sms.setting_values import REGION_HINT, is_region_code, unknown_keys

__all__ = ["check_otp_deploy", "check_otp_settings"]

#: Seconds a code may live: SMS can take a while to arrive, and a code is a password meanwhile.
TTL_RANGE = (30, 86400)
#: Tries per code beyond which every code is a lottery ticket with good odds.
MAX_SANE_ATTEMPTS = 10
#: The chance of guessing a code within its tries above which W005 warns.
GUESS_CHANCE = 1 / 10_000
#: The URL names of the pages and endpoints of ``django_tencent_sms.otp.urls``.
OTP_URL_NAMES = ("request-code", "verify-code", "api-request-code", "api-verify-code")


def _error(msg: str, id: str, hint: str | None = None) -> checks.CheckMessage:
    return checks.Error(msg, hint=hint, id=f"tencent_sms.{id}")


def check_otp_settings() -> list[checks.CheckMessage]:
    """Every problem of the OTP settings, as check messages."""
    conf = merged_otp_settings()
    if not isinstance(conf, dict):
        return [_error(f"{OTP_SETTING} must be a dict.", "E012")]
    found: list[checks.CheckMessage] = [
        _error(problem, "E012") for problem in otp_settings_problems(conf)
    ]
    found += check_phone_backend()
    found += check_template_in_use(conf)
    found += check_client_ip(conf.get("CLIENT_IP"))
    found += check_allowed_regions(conf.get("ALLOWED_REGIONS"))
    found += check_sane_values(conf)
    found += check_voice(conf)
    found += [
        _error(problem, "E050", hint='As {"+8613800000000": "246810"}: E.164 numbers to codes.')
        for problem in test_numbers_problems(conf.get("TEST_NUMBERS"), conf.get("LENGTH"))
    ]
    found += check_challenge(conf)
    unknown = unknown_keys(conf, OTP_DEFAULTS)
    if unknown:
        found.append(
            checks.Warning(
                f"Unknown {OTP_SETTING} keys: {unknown}.",
                hint=f"Known keys: {', '.join(OTP_DEFAULTS)}.",
                id="tencent_sms.W003",
            )
        )
    return found


def phone_backend_in_use() -> bool:
    backends = getattr(settings, "AUTHENTICATION_BACKENDS", None)
    if not isinstance(backends, (list, tuple)):
        return False
    return any(isinstance(path, str) and path.endswith(".PhoneCodeBackend") for path in backends)


def check_phone_backend() -> list[checks.CheckMessage]:
    """With PhoneCodeBackend in use, the way it finds users must work before the first login."""
    from django_tencent_sms.otp.auth import PhoneCodeBackend  # needs the app registry

    if not phone_backend_in_use():
        return []
    try:
        PhoneCodeBackend().user_finder()
    except ConfigurationError as exc:
        return [
            _error(
                str(exc),
                "E013",
                hint="With Django's own auth.User, keep the number in a profile model and set "
                "USER_LOOKUP: README, 'Signing in with a code'.",
            )
        ]
    return []


def otp_urls_mounted() -> bool:
    """Whether the URLconf serves the sign-in pages or the JSON endpoints."""
    from django.urls import NoReverseMatch, reverse

    for name in OTP_URL_NAMES:
        try:
            reverse(f"tencent_sms:{name}")
        except NoReverseMatch:
            continue
        except Exception:  # a broken URLconf is reported by Django's own URL checks
            return False
        return True
    return False


def check_template_in_use(conf: dict[str, Any]) -> list[checks.CheckMessage]:
    """E023: codes are asked for (the URLs are mounted, or PhoneCodeBackend signs people in),
    but no template says what the SMS is: every request would fail."""
    if conf.get("TEMPLATE") is not None or not (phone_backend_in_use() or otp_urls_mounted()):
        return []
    return [
        _error(
            f"Verification codes are in use (django_tencent_sms.otp.urls is mounted, or "
            f"PhoneCodeBackend is in AUTHENTICATION_BACKENDS), but {OTP_SETTING}['TEMPLATE'] "
            "is not set: every code request would fail.",
            "E023",
            hint="Name the approved verification template: an SmsTemplate name or its tpl_id.",
        )
    ]


def check_client_ip(resolver: Any) -> list[checks.CheckMessage]:
    """E024: ``CLIENT_IP`` is the dotted path of a function, and it imports."""
    from django.utils.module_loading import import_string

    if resolver is None:
        return []
    try:
        func = import_string(resolver) if isinstance(resolver, str) else resolver
    except Exception as exc:  # ImportError, or whatever importing the module raised
        problem = f"it cannot be imported ({type(exc).__name__}: {exc})"
    else:
        problem = "" if callable(func) else "it is not a function or its dotted path"
    if not problem:
        return []
    return [
        _error(
            f"{OTP_SETTING}['CLIENT_IP'] is not usable: {problem}.",
            "E024",
            hint="The dotted path of a function(request) -> IP text, or None to read REMOTE_ADDR.",
        )
    ]


def check_allowed_regions(regions: Any) -> list[checks.CheckMessage]:
    """E025: every entry of ``ALLOWED_REGIONS`` is a region code (a lower-case one never
    matches a number, so it would refuse everyone)."""
    if regions is None or isinstance(regions, (str, bytes)) or not isinstance(regions, Iterable):
        return []  # E012 reports a value that is no list
    bad = [region for region in regions if isinstance(region, str) and not is_region_code(region)]
    if not bad:
        return []
    return [
        _error(
            f"{OTP_SETTING}['ALLOWED_REGIONS'] holds {', '.join(map(repr, bad))}, which "
            "is not a region code.",
            "E025",
            hint=REGION_HINT,
        )
    ]


def check_sane_values(conf: dict[str, Any]) -> list[checks.CheckMessage]:
    """E026: ``TTL`` and ``MAX_ATTEMPTS`` within reason; W005: a code not easy to guess."""
    found: list[checks.CheckMessage] = []
    ttl: Any = conf.get("TTL")
    attempts: Any = conf.get("MAX_ATTEMPTS")
    length: Any = conf.get("LENGTH")
    low, high = TTL_RANGE
    if whole_number(ttl) and not low <= ttl <= high:
        found.append(
            _error(
                f"{OTP_SETTING}['TTL'] is {ttl} seconds; a code must live {low} seconds to "
                f"{high // 3600} hours.",
                "E026",
                hint="TTL is in seconds (300 is five minutes): a shorter code may expire "
                "before the SMS arrives, a longer one is a password sent in clear text.",
            )
        )
    if whole_number(attempts) and attempts > MAX_SANE_ATTEMPTS:
        found.append(
            _error(
                f"{OTP_SETTING}['MAX_ATTEMPTS'] is {attempts}; at most {MAX_SANE_ATTEMPTS} "
                "tries per code make sense.",
                "E026",
                hint="Each wrong try is a free guess at the code.",
            )
        )
    elif (
        whole_number(attempts)
        and not length_problems(length)
        and attempts / 10**length > GUESS_CHANCE
    ):
        found.append(
            checks.Warning(
                f"With {OTP_SETTING}['LENGTH'] {length} and ['MAX_ATTEMPTS'] {attempts}, one "
                f"code in {10**length // attempts} can be guessed.",
                hint="Use longer codes or fewer tries (the defaults, 6 digits and 5 tries, "
                "give one in 200,000).",
                id="tencent_sms.W005",
            )
        )
    return found


@checks.register(checks.Tags.security, deploy=True)
def check_otp_deploy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """W020: verification codes in use with no ceiling on what SMS pumping can cost; W050: test
    numbers configured."""
    conf = merged_otp_settings()
    if not isinstance(conf, dict):
        return []  # a broken setting, which E012 reports
    found = check_test_numbers_deploy(conf.get("TEST_NUMBERS"))
    if conf.get("TEMPLATE") is None:
        return found  # codes not in use
    if conf.get("ALLOWED_REGIONS") is not None or conf.get("DAILY_LIMIT") is not None:
        return found
    return [
        *found,
        checks.Warning(
            f"{OTP_SETTING} sets neither ALLOWED_REGIONS nor DAILY_LIMIT: anyone can have codes "
            "sent to any country, without a daily ceiling (SMS pumping, toll fraud).",
            hint=(
                'Set ALLOWED_REGIONS to the regions your users are in (e.g. ["CN"]), and '
                "DAILY_LIMIT to a few times your busiest day's codes."
            ),
            id="tencent_sms.W020",
        ),
    ]


def check_test_numbers_deploy(numbers: Any) -> list[checks.CheckMessage]:
    """W050: ``TEST_NUMBERS`` is set: whoever learns a fixed code signs in as that number."""
    if not numbers:
        return []
    count = len(numbers) if isinstance(numbers, dict) else 0
    return [
        checks.Warning(
            f"{OTP_SETTING}['TEST_NUMBERS'] is set ({count} number(s)): they get a fixed code "
            "and no SMS, so whoever learns a code can sign in as that number.",
            hint="Remove them once the app-store review or the QA round is over; read them "
            "from the environment meanwhile, never from a committed file.",
            id="tencent_sms.W050",
        )
    ]


def check_challenge(conf: dict[str, Any]) -> list[checks.CheckMessage]:
    """E051: ``CHALLENGE`` imports and ``CHALLENGE_AFTER`` is a count; E052: Tencent Captcha,
    when it is the challenge, has its app id, its key, an endpoint and the API 3.0 key pair."""
    from django_tencent_sms.otp.captcha import VERIFIER, captcha_problems  # needs the models
    from django_tencent_sms.otp.challenge import challenge_problems

    found = [
        _error(
            problem,
            "E051",
            hint='E.g. "django_tencent_sms.otp.captcha.verify" (Tencent Captcha), or None.',
        )
        for problem in challenge_problems(conf)
    ]
    after: Any = conf.get("CHALLENGE_AFTER")
    limits: tuple[Any, ...] = (conf.get("PHONE_HOURLY_LIMIT"), conf.get("PHONE_DAILY_LIMIT"))
    caps: list[int] = [cap for cap in limits if whole_number(cap)]
    if conf.get("CHALLENGE") is not None and whole_number(after, 0) and caps and after > min(caps):
        found.append(
            checks.Warning(
                f"{OTP_SETTING}['CHALLENGE_AFTER'] is {after}, above the number's cap of "
                f"{min(caps)} codes: a spent number is refused before any challenge is asked, "
                "so its owner stays locked out.",
                hint="Set CHALLENGE_AFTER to at most PHONE_HOURLY_LIMIT and PHONE_DAILY_LIMIT.",
                id="tencent_sms.W051",
            )
        )
    if conf.get("CHALLENGE") == VERIFIER:
        found += [
            _error(problem, "E052", hint="See the captcha console: 验证管理 → 基础配置.")
            for problem in captcha_problems(conf)
        ]
    return found
