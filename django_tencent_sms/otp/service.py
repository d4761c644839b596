"""Verification codes by SMS: send one, check what the person typed.

    record = send_code("+8613812345678", "login", request=request)   # or CodeRequestRefused
    if verify_code("+8613812345678", typed, "login"): ...
    result = check_code(...)   # .ok, .reason (Reason), .attempts_left

How it holds up:

- Codes come from ``secrets``; only an HMAC of (purpose, number, code) keyed from
  ``SECRET_KEY`` is stored, compared in constant time (and on PostgreSQL by the statement that
  counts the try: ``otp.check_queries``). The SMS log keeps the code redacted.
- Only the newest delivered code of a number and purpose counts; it is single use, expires after
  ``TTL`` seconds, and dies after ``MAX_ATTEMPTS`` tries (the right one included).
- Checking is race-free without locks: every try is one conditional ``UPDATE`` that counts the
  try only while tries remain, and marks the code used only while it is unused. So concurrent
  right answers succeed once, and concurrent guesses never get more than ``MAX_ATTEMPTS`` tries.
- Sending is guarded by a per-purpose cooldown, per-number and per-IP caps and a site-wide daily
  budget (``otp.limits``). The new code's row is written first and the limits are counted with
  it included, so two racing requests cannot both slip under a limit (both may be refused;
  neither is sent). This relies on autocommit: call ``send_code`` outside
  ``transaction.atomic`` (the shipped views are ``non_atomic_requests``).
- ``verify_code`` runs the same queries and the same HMAC whether the number has a code or not.
- ``OTP["CHALLENGE"]`` (``otp.challenge``) is asked before anything is written; a test number
  (``otp.test_numbers``) gets its fixed code through a backend that sends nothing.
"""

from __future__ import annotations

import dataclasses
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
from django.views.decorators.debug import sensitive_variables
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.backends import get_backend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import (
    CodeRequestRefused,
    ConfigurationError,
    InvalidMessage,
    SmsError,
)
from django_tencent_sms.models import SmsLog, VerificationCode
from django_tencent_sms.otp.accounts import pause_like_a_send, withheld
from django_tencent_sms.otp.challenge import require_challenge
from django_tencent_sms.otp.check_queries import NO_CODE_HASH
from django_tencent_sms.otp.conf import OTP_SETTING, otp_settings
from django_tencent_sms.otp.conversion import watch_conversion
from django_tencent_sms.otp.delivery import WatchedBackend
from django_tencent_sms.otp.limits import enforce_limits
from django_tencent_sms.otp.numbers import allowed_number, counted_ip
from django_tencent_sms.otp.queries import CodeQueries
from django_tencent_sms.otp.refusals import check_refusals, note_refusal
from django_tencent_sms.otp.regions import enforce_region_limit
from django_tencent_sms.otp.results import Reason, VerificationResult
from django_tencent_sms.otp.test_numbers import TestNumberBackend, test_code_for
from django_tencent_sms.otp.voice import VOICE, check_voice_number, ensure_voice, normalize_channel
from django_tencent_sms.sending.api import send_sms
from django_tencent_sms.sending.content import resolve_template
from django_tencent_sms.sending.validation import normalize_phone
from django_tencent_sms.sending.voice import call_with_code
from django_tencent_sms.signals import (
    code_failed,
    code_sent,
    code_verified,
    notify,
)

__all__ = [
    "Reason",
    "VerificationResult",
    "check_code",
    "send_code",
    "send_given_code",
    "verify_code",
]

#: Replaced in tests to control time; everything here reads the clock through it.
clock = timezone.now

PURPOSE_RE = re.compile(r"^[a-z0-9_-]{1,32}$")
HASH_SALT = "django_tencent_sms.otp.code"  # fixed: stored digests depend on it

#: The code's row is inserted, and its limits counted, with SQL built once per database.
queries = CodeQueries()


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
    """The client's address: ``OTP["CLIENT_IP"]``'s function, else ``REMOTE_ADDR``."""
    resolver = conf.get("CLIENT_IP")
    if resolver:
        func = import_string(resolver) if isinstance(resolver, str) else resolver
        return func(request) or None
    return request.META.get("REMOTE_ADDR") or None


# Sending -------------------------------------------------------------------------------------


# No local of these, nor of any frame below them, is shown in error reports: the code.
@sensitive_variables()
def send_code(
    phone: Any,
    purpose: str = "login",
    *,
    request: HttpRequest | None = None,
    channel: str = "sms",
) -> VerificationCode:
    """Send a new code to ``phone`` for ``purpose``; the saved ``VerificationCode`` (no code).

    Raises ``InvalidMessage`` for a bad number, ``CodeRequestRefused`` when a limit says no
    (nothing sent), and what ``send_sms`` raises when sending fails. A send whose outcome is
    unknown raises too, but its code stays valid: it may have arrived. A sign-in code for a
    number without an account (``ACCOUNT_PURPOSES``) is returned ``withheld``: no SMS went out.

    ``channel="voice"`` has Tencent call the number and read the code out instead (``otp.voice``:
    the same limits, counted together with SMS codes); ``CodeRequestRefused`` when voice codes
    are off (``voice_unavailable``) or the number is outside mainland China (``voice_region``).
    """
    channel = normalize_channel(channel)
    return _send(phone, purpose, request, Delivery(None, None, None, None), channel)


@sensitive_variables()
def send_given_code(
    phone: Any,
    code: str,
    purpose: str = "external",
    *,
    request: HttpRequest | None = None,
    template: Any = None,
    params: Any = None,
    ttl: int | None = None,
    channel: str = "sms",
) -> VerificationCode:
    """Send ``code``, made by someone else (django-allauth, a 2FA app), under the same rules.

    The number is normalised and checked, and the request counted against the cooldown of
    ``purpose``, the per-number and per-IP caps, ``NUMBER_TYPES``, ``ALLOWED_REGIONS`` and the
    daily budgets exactly as ``send_code``'s codes are; it raises what ``send_code`` raises
    (``channel="voice"``: a call reads it out, as there). ``template`` and ``params`` default to
    ``OTP["TEMPLATE"]`` and ``OTP["PARAMS"]`` (``{code}``, ``{minutes}`` filled in; ``ttl``, in
    seconds, gives the minutes and expiry, else ``OTP["TTL"]``). Only the code's HMAC is stored,
    the log keeps every parameter holding it redacted; ``check_code`` takes it like one of ours.
    """
    if not isinstance(code, str) or not 1 <= len(code) <= 64 or not code.isprintable():
        raise ValueError("code must be 1 to 64 printable characters")
    return _send(phone, purpose, request, Delivery(code, template, params, ttl), channel)


@dataclasses.dataclass(frozen=True)
class Delivery:
    """What a send uses where the settings would otherwise say: the code, template, parameters
    and lifetime (None for each: the settings' own, and a new code)."""

    code: str | None = dataclasses.field(repr=False)
    template: Any
    params: Any
    ttl: int | None


def _send(
    phone: Any,
    purpose: str,
    request: HttpRequest | None,
    delivery: Delivery,
    channel: str = "sms",
) -> VerificationCode:
    conf = otp_settings()
    template = conf["TEMPLATE"] if delivery.template is None else delivery.template
    if template is None:
        raise ConfigurationError(f"{OTP_SETTING}['TEMPLATE'] is not set.")
    if not isinstance(purpose, str) or not PURPOSE_RE.match(purpose):
        raise ValueError(f"purpose must be 1-32 of a-z, 0-9, _ and -; not {purpose!r}")
    conf = {
        **conf,
        "TEMPLATE": template,
        "PARAMS": conf["PARAMS"] if delivery.params is None else tuple(delivery.params),
        "TTL": conf["TTL"] if delivery.ttl is None else delivery.ttl,
    }
    if normalize_channel(channel) == VOICE:  # ValueError for another word
        ensure_voice(conf)
    now = clock()
    ip = counted_ip(client_ip(request, conf), conf) if request is not None else None
    check_refusals(ip, conf, now)
    try:
        return _send_code(phone, purpose, conf, now, ip, request, delivery.code, channel)
    except (CodeRequestRefused, InvalidMessage) as exc:
        if isinstance(exc, CodeRequestRefused) or exc.code == "invalid_phone":
            note_refusal(ip, conf, now)
        raise


def _send_code(
    phone: Any,
    purpose: str,
    conf: dict[str, Any],
    now: datetime,
    ip: str | None,
    request: HttpRequest | None,
    given: str | None,
    channel: str = "sms",
) -> VerificationCode:
    number = allowed_number(phone, conf)
    if channel == VOICE:
        check_voice_number(number)
    else:
        # A template Tencent has not approved refuses every number alike, before any row is written
        # (and before an account is looked up, so the answer says nothing about the number).
        resolve_template(conf["TEMPLATE"])
    # OTP["CHALLENGE"] (a captcha), before anything is written; passed past CHALLENGE_AFTER,
    # it stands in for the number's own caps.
    challenged = require_challenge(request, number.as_e164, purpose, conf, ip=ip, now=now)
    # Looked up for every number, known or not: both take the same path until the SMS.
    withhold = withheld(number, purpose, conf)
    e164 = number.as_e164
    # A test number: its code and no SMS (nor call); a code made elsewhere is that code.
    fixed = test_code_for(number, conf) if given is None else None
    code = given if given is not None else fixed or new_code(conf["LENGTH"])
    record = VerificationCode(
        phone=number,  # already parsed: not parsed again
        purpose=purpose,
        code_hash=code_digest(e164, purpose, code),
        state=VerificationCode.State.PENDING,
        created_at=now,
        expires_at=now + timedelta(seconds=conf["TTL"]),
        ip=ip,
        region=phonenumbers.region_code_for_number(number) or "",
        channel=channel,
    )
    try:
        # Inserts the code's row, then counts the limits with it included.
        enforce_limits(
            record,
            conf,
            now,
            queries=queries,
            request=request,
            number_caps=not (challenged and conf["CHALLENGE_AFTER"] is not None),
        )
        enforce_region_limit(record, conf, now)
    except BaseException:
        if record.pk is not None:
            record.delete()
        raise
    if withhold:
        # No account for a sign-in code: the same answer, as late as a send's, and no SMS.
        _finish(record, VerificationCode.State.WITHHELD, None)
        pause_like_a_send()
        return record
    _deliver(record, number, code, conf, test=fixed is not None)
    notify(code_sent, VerificationCode, record=record, request=request)
    watch_conversion(record, conf, now)
    return record


def _deliver(
    record: VerificationCode,
    number: PhoneNumber,
    code: str,
    conf: dict[str, Any],
    *,
    test: bool = False,
) -> None:
    """Send ``code`` by SMS and write into ``record`` what came of it; raise what ``send_sms``
    raised. A code refused before sending leaves no row; one whose SMS definitely never left,
    or that Tencent refused, is dead at once; only one that may have arrived stays usable."""
    minutes = math.ceil(conf["TTL"] / 60)
    params = [p.format(code=code, minutes=minutes) for p in conf["PARAMS"]]
    secret = [i for i, p in enumerate(conf["PARAMS"]) if "{code}" in p]
    backend: WatchedBackend | None = None
    try:
        backend = WatchedBackend(TestNumberBackend() if test else get_backend())
        if record.channel == VOICE and not test:
            playtimes = conf["VOICE_PLAYTIMES"]
            log = call_with_code(number, code, backend=backend, playtimes=playtimes)
        else:
            log = send_sms(number, conf["TEMPLATE"], params, secret_params=secret, backend=backend)
    except InvalidMessage:
        record.delete()  # refused before sending (a template problem): nothing left
        raise
    except SmsError as exc:
        unknown = exc.log is not None and exc.log.status == SmsLog.Status.UNKNOWN
        _finish(
            record,
            VerificationCode.State.UNKNOWN if unknown else VerificationCode.State.FAILED,
            exc.log,
        )
        raise
    except BaseException as exc:
        if backend is None or not backend.started or isinstance(exc, ConfigurationError):
            # Nothing left (no backend, the log row not written, a request that could not be
            # built): the code can never arrive.
            state = VerificationCode.State.FAILED
        elif backend.accepted:
            state = VerificationCode.State.SENT  # Tencent has it; the error came after
        else:
            state = VerificationCode.State.UNKNOWN  # interrupted mid-request: it may arrive
        _finish(record, state, None)
        raise
    _finish(record, VerificationCode.State.SENT, log)


def _finish(record: VerificationCode, state: str, log: SmsLog | None) -> None:
    # Unless it failed, the new code may be in the person's hands: older ones stop counting.
    queries.finish(record, state, log, clock())


# Checking ------------------------------------------------------------------------------------


@sensitive_variables()
def verify_code(
    phone: Any, code: Any, purpose: str = "login", *, request: HttpRequest | None = None
) -> bool:
    """True only for the newest unexpired, unused code of ``phone`` and ``purpose``; it is
    used up by this call. ``check_code`` says why not."""
    return check_code(phone, code, purpose, request=request).ok


@sensitive_variables()
def check_code(
    phone: Any, code: Any, purpose: str = "login", *, request: HttpRequest | None = None
) -> VerificationResult:
    """Check ``code`` and count the try; a ``VerificationResult`` with the reason."""
    conf = otp_settings()
    try:
        number: PhoneNumber | None = normalize_phone(phone, sms_settings.DEFAULT_REGION)
    except (InvalidMessage, TypeError):
        number = None  # matches no row: the same queries run, and NONE_ISSUED comes out
    e164 = number.as_e164 if number is not None else ""
    typed = re.sub(r"\s", "", str(code or ""))
    now = clock()
    digest = code_digest(e164, purpose, typed)
    max_attempts = conf["MAX_ATTEMPTS"]
    # The newest code, and the try counted on it (only while tries remain) and, for the right
    # code, the code used up (only while unused): the database serialises racing calls.
    record, counted = queries.check(
        e164, purpose, digest, now=now, max_attempts=max_attempts, number=number
    )
    matches = hmac.compare_digest(digest, record.code_hash if record else NO_CODE_HASH) and (
        record is not None
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
