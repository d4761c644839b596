"""Verification codes by SMS: send one, check what the person typed.

    record = send_code("+8613812345678", "login", request=request)   # or CodeRequestRefused
    if verify_code("+8613812345678", typed, "login"): ...
    result = check_code(...)   # .ok, .reason (Reason), .attempts_left

How it holds up:

- Codes come from ``secrets``; only an HMAC of (purpose, number, code) keyed from
  ``SECRET_KEY`` is stored, compared in constant time. The SMS log keeps the code redacted.
- Only the newest delivered code of a number and purpose counts; it is single use, expires after
  ``TTL`` seconds, and dies after ``MAX_ATTEMPTS`` tries (the right one included).
- Checking is race-free without locks: every try is one conditional ``UPDATE`` that counts the
  try only while tries remain, and marks the code used only while it is unused. So concurrent
  right answers succeed once, and concurrent guesses never get more than ``MAX_ATTEMPTS`` tries.
- Sending is guarded by a per-purpose cooldown, per-number and per-IP caps and a site-wide daily
  budget. The new code's row is written first and the limits are counted with it included, so
  two racing requests cannot both slip under a limit (both may be refused; neither is sent).
  This relies on autocommit: call ``send_code`` outside ``transaction.atomic`` (the shipped
  views are ``non_atomic_requests``).
- ``verify_code`` runs the same queries and the same HMAC whether the number has a code or not.
"""

from __future__ import annotations

import dataclasses
import enum
import hmac
import math
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from django_tencent_sms.conf import SETTING_NAME, sms_settings
from django_tencent_sms.exceptions import (
    CodeRequestRefused,
    ConfigurationError,
    InvalidMessage,
    SmsError,
)
from django_tencent_sms.models import SmsLog, VerificationCode
from django_tencent_sms.otp.queries import CodeQueries, Window
from django_tencent_sms.rows import RowWriter
from django_tencent_sms.sending.api import send_sms
from django_tencent_sms.sending.validation import normalize_phone
from django_tencent_sms.signals import (
    code_failed,
    code_sent,
    code_verified,
    daily_limit_reached,
    notify,
)

__all__ = [
    "Reason",
    "VerificationResult",
    "check_code",
    "otp_settings",
    "send_code",
    "verify_code",
]

#: Replaced in tests to control time; everything here reads the clock through it.
clock = timezone.now

PURPOSE_RE = re.compile(r"^[a-z0-9_-]{1,32}$")
MIN_LENGTH, MAX_LENGTH = 4, 10
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
HASH_SALT = "django_tencent_sms.otp.code"  # fixed: stored digests depend on it
#: Compared against when the number has no code, so both paths do the same work.
_NO_CODE_HASH = "0" * 64

#: The code's row is inserted, and its limits counted, with SQL built once per database.
code_rows = RowWriter(VerificationCode)
queries = CodeQueries()


class Reason(str, enum.Enum):
    """Why a check passed or failed; a value a view can branch on."""

    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NONE_ISSUED = "none_issued"

    @property
    def message(self) -> str:
        return str(REASON_MESSAGES[self])


REASON_MESSAGES = {
    Reason.OK: _("The code is correct."),
    Reason.WRONG: _("The code is not correct."),
    Reason.EXPIRED: _("The code has expired. Request a new one."),
    Reason.USED: _("The code has already been used. Request a new one."),
    Reason.TOO_MANY_ATTEMPTS: _("Too many wrong tries. Request a new code."),
    Reason.NONE_ISSUED: _("No code was sent to this number. Request one first."),
}


@dataclasses.dataclass(frozen=True)
class VerificationResult:
    """The outcome of ``check_code``; true only when the code was accepted."""

    reason: Reason
    attempts_left: int = 0
    record: VerificationCode | None = dataclasses.field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.reason is Reason.OK

    @property
    def message(self) -> str:
        return self.reason.message

    def __bool__(self) -> bool:
        return self.ok


# Settings ------------------------------------------------------------------------------------


def otp_settings() -> dict[str, Any]:
    """``TENCENT_SMS["OTP"]`` merged over the defaults, checked; ``ConfigurationError`` if bad."""
    conf = sms_settings.OTP
    if not isinstance(conf, dict):
        raise ConfigurationError(f"{SETTING_NAME}['OTP'] must be a dict.")
    problems = otp_settings_problems(conf)
    if problems:
        raise ConfigurationError(problems[0])
    return conf


def otp_settings_problems(conf: dict[str, Any]) -> list[str]:
    """What is wrong with an OTP settings dict (also used by the system checks)."""
    name = f"{SETTING_NAME}['OTP']"
    problems = []

    def positive_int(key: str, *, optional: bool = False, minimum: int = 1) -> None:
        value = conf.get(key)
        if optional and value is None:
            return
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            problems.append(f"{name}['{key}'] must be a whole number ≥ {minimum}, not {value!r}.")

    template = conf.get("TEMPLATE")
    if (template is not None and not isinstance(template, (str, int))) or isinstance(
        template, bool
    ):
        problems.append(f"{name}['TEMPLATE'] must be an SmsTemplate name or a tpl_id.")
    length = conf.get("LENGTH")
    if (
        not isinstance(length, int)
        or isinstance(length, bool)
        or not (MIN_LENGTH <= length <= MAX_LENGTH)
    ):
        problems.append(f"{name}['LENGTH'] must be {MIN_LENGTH} to {MAX_LENGTH}, not {length!r}.")
    for key in ("TTL", "MAX_ATTEMPTS"):
        positive_int(key)
    positive_int("RESEND_INTERVAL", minimum=0)
    for key in (
        "PHONE_HOURLY_LIMIT",
        "PHONE_DAILY_LIMIT",
        "IP_HOURLY_LIMIT",
        "IP_DAILY_LIMIT",
        "DAILY_LIMIT",
    ):
        positive_int(key, optional=True)
    params = conf.get("PARAMS")
    if (
        not isinstance(params, (list, tuple))
        or not all(isinstance(p, str) for p in params)
        or not any("{code}" in p for p in params)
    ):
        problems.append(f"{name}['PARAMS'] must be a list of strings, one containing {{code}}.")
    else:
        for p in params:
            try:
                p.format(code="0", minutes=0)
            except (KeyError, IndexError, ValueError):
                problems.append(
                    f"{name}['PARAMS'] entry {p!r} may use only {{code}} and {{minutes}}."
                )
    regions = conf.get("ALLOWED_REGIONS")
    if regions is not None and (
        isinstance(regions, str) or not all(isinstance(r, str) for r in regions)
    ):
        problems.append(f"{name}['ALLOWED_REGIONS'] must be a list of region codes or None.")
    return problems


# Hashing -------------------------------------------------------------------------------------


def code_digest(phone_e164: str, purpose: str, code: str) -> str:
    """The stored form of a code: an HMAC keyed from ``SECRET_KEY``, bound to number and
    purpose, so a row copied to another number or purpose matches nothing."""
    return salted_hmac(
        HASH_SALT, f"{purpose}\n{phone_e164}\n{code}", algorithm="sha256"
    ).hexdigest()


def new_code(length: int) -> str:
    return f"{secrets.randbelow(10**length):0{length}d}"


def client_ip(request: HttpRequest, conf: dict[str, Any]) -> str | None:
    resolver = conf.get("CLIENT_IP")
    if resolver:
        func = import_string(resolver) if isinstance(resolver, str) else resolver
        return func(request) or None
    return request.META.get("REMOTE_ADDR") or None


# Sending -------------------------------------------------------------------------------------


def send_code(
    phone: Any, purpose: str = "login", *, request: HttpRequest | None = None
) -> VerificationCode:
    """Send a new code to ``phone`` for ``purpose``; the saved ``VerificationCode`` (no code).

    Raises ``InvalidMessage`` for a bad number, ``CodeRequestRefused`` when a limit says no
    (nothing sent), and what ``send_sms`` raises when sending fails. A send whose outcome is
    unknown raises too, but its code stays valid: it may have arrived.
    """
    conf = otp_settings()
    if conf["TEMPLATE"] is None:
        raise ConfigurationError(f"{SETTING_NAME}['OTP']['TEMPLATE'] is not set.")
    if not isinstance(purpose, str) or not PURPOSE_RE.match(purpose):
        raise ValueError(f"purpose must be 1-32 of a-z, 0-9, _ and -; not {purpose!r}")
    number = normalize_phone(phone, sms_settings.DEFAULT_REGION)
    regions = conf["ALLOWED_REGIONS"]
    if regions is not None and phonenumbers.region_code_for_number(number) not in set(regions):
        raise CodeRequestRefused(
            _("Codes cannot be sent to numbers in this country or region."),
            code="region_not_allowed",
        )
    e164 = number.as_e164
    ip = client_ip(request, conf) if request is not None else None
    now = clock()
    code = new_code(conf["LENGTH"])
    record = code_rows.insert(
        VerificationCode(
            phone=e164,
            purpose=purpose,
            code_hash=code_digest(e164, purpose, code),
            state=VerificationCode.State.PENDING,
            created_at=now,
            expires_at=now + timedelta(seconds=conf["TTL"]),
            ip=ip,
        )
    )
    try:
        _enforce_limits(record, conf, now, request)
    except BaseException:
        record.delete()
        raise
    minutes = math.ceil(conf["TTL"] / 60)
    params = [p.format(code=code, minutes=minutes) for p in conf["PARAMS"]]
    secret = [i for i, p in enumerate(conf["PARAMS"]) if "{code}" in p]
    try:
        log = send_sms(number, conf["TEMPLATE"], params, secret_params=secret)
    except InvalidMessage:
        record.delete()  # refused before sending (a template problem): nothing left
        raise
    except SmsError as exc:
        log = exc.log
        unknown = log is not None and log.status == SmsLog.Status.UNKNOWN
        _finish(
            record,
            VerificationCode.State.UNKNOWN if unknown else VerificationCode.State.FAILED,
            log,
        )
        raise
    except BaseException:
        # Interrupted mid-request: the code may have arrived, so it stays usable.
        _finish(record, VerificationCode.State.UNKNOWN, None)
        raise
    _finish(record, VerificationCode.State.SENT, log)
    notify(code_sent, VerificationCode, record=record, request=request)
    return record


def _finish(record: VerificationCode, state: str, log: SmsLog | None) -> None:
    # Unless it failed, the new code may be in the person's hands: older ones stop counting.
    queries.finish(record, state, log, clock())


def _enforce_limits(
    record: VerificationCode, conf: dict[str, Any], now: datetime, request: HttpRequest | None
) -> None:
    """Count the recent codes, this one included, and refuse when one is over a limit."""
    interval = timedelta(seconds=conf["RESEND_INTERVAL"])
    budget = conf["DAILY_LIMIT"]
    midnight = day_start(now) if budget is not None else None
    counts = queries.limit_counts(
        record,
        Window(
            now=now,
            interval=interval,
            count_ip=bool(conf["IP_HOURLY_LIMIT"] or conf["IP_DAILY_LIMIT"]),
            budget=budget,
            midnight=midnight,
        ),
    )
    if interval and counts["cooldown"] > 1:
        since = queries.cooldown_since(record, now, interval)
        wait = _seconds(since + interval - now) if since else int(interval.total_seconds())
        raise CodeRequestRefused(
            ngettext_lazy(
                "Please wait %(seconds)d second before asking for another code.",
                "Please wait %(seconds)d seconds before asking for another code.",
                "seconds",
            ),
            code="cooldown",
            retry_after=wait,
            params={"seconds": wait},
        )
    for counted, by, window, code in (
        ("phone_hour", "phone", HOUR, "phone_hourly_limit"),
        ("phone_day", "phone", DAY, "phone_daily_limit"),
        ("ip_hour", "ip", HOUR, "ip_hourly_limit"),
        ("ip_day", "ip", DAY, "ip_daily_limit"),
    ):
        limit = conf[code.upper()]
        if limit is not None and counts[counted] > limit:
            # When the oldest counted code leaves the window, one fewer is counted.
            since = queries.oldest_since(record, by, now - window)
            raise CodeRequestRefused(
                CAP_MESSAGES[code],
                code=code,
                retry_after=_seconds(since + window - now) if since else None,
            )
    if budget is not None and counts["today"] > budget:
        notify(daily_limit_reached, VerificationCode, limit=budget, request=request)
        raise CodeRequestRefused(
            _("No more codes can be sent today. Please try again tomorrow."),
            code="daily_limit",
            retry_after=_seconds(day_start(now) + DAY - now),
        )


def day_start(now: datetime) -> datetime:
    """Midnight starting the budget's day: in the site's ``TIME_ZONE``, not the visitor's."""
    if timezone.is_aware(now):
        now = timezone.localtime(now, timezone.get_default_timezone())
    # A naive time (USE_TZ = False) is already the site's local time.
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


CAP_MESSAGES = {
    "phone_hourly_limit": _("Too many codes were sent to this number in the last hour."),
    "phone_daily_limit": _("Too many codes were sent to this number today."),
    "ip_hourly_limit": _("Too many codes were requested from your network in the last hour."),
    "ip_daily_limit": _("Too many codes were requested from your network today."),
}


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


# Checking ------------------------------------------------------------------------------------


def verify_code(
    phone: Any, code: Any, purpose: str = "login", *, request: HttpRequest | None = None
) -> bool:
    """True only for the newest unexpired, unused code of ``phone`` and ``purpose``; it is
    used up by this call. ``check_code`` says why not."""
    return check_code(phone, code, purpose, request=request).ok


def check_code(
    phone: Any, code: Any, purpose: str = "login", *, request: HttpRequest | None = None
) -> VerificationResult:
    """Check ``code`` and count the try; a ``VerificationResult`` with the reason."""
    conf = otp_settings()
    try:
        e164 = normalize_phone(phone, sms_settings.DEFAULT_REGION).as_e164
    except (InvalidMessage, TypeError):
        e164 = ""  # matches no row: the same queries run, and NONE_ISSUED comes out
    typed = re.sub(r"\s", "", str(code or ""))
    now = clock()
    record = queries.newest(e164, purpose)
    matches = (
        hmac.compare_digest(
            code_digest(e164, purpose, typed), record.code_hash if record else _NO_CODE_HASH
        )
        and record is not None
    )
    max_attempts = conf["MAX_ATTEMPTS"]
    # One conditional UPDATE counts the try (only while tries remain) and, for the right code,
    # uses it up (only while unused): the database serialises racing calls on the row.
    counted = queries.count_try(
        record.pk if record else 0, now=now, max_attempts=max_attempts, matches=matches
    )
    if record is None:
        reason = Reason.NONE_ISSUED
    elif counted and matches:
        reason = Reason.OK
    elif counted:
        reason = Reason.WRONG
    elif record.used_at is not None or (
        matches and record.attempts < max_attempts and record.expires_at > now
    ):
        reason = Reason.USED  # used earlier, or by a racing call just now
    elif record.expires_at <= now:
        reason = Reason.EXPIRED
    else:
        reason = Reason.TOO_MANY_ATTEMPTS
    attempts_left = max(0, max_attempts - record.attempts - 1) if record and counted else 0
    result = VerificationResult(reason, attempts_left if reason is Reason.WRONG else 0, record)
    if result.ok:
        notify(code_verified, VerificationCode, record=record, request=request)
    else:
        notify(
            code_failed,
            VerificationCode,
            phone=e164,
            purpose=purpose,
            reason=reason,
            record=record,
            request=request,
        )
    return result
