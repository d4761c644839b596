"""What a code flow keeps in the session: where the code went, and which number was proved.

Step one (``RequestCodeView``, ``RequestCodeAPIView``) calls ``remember_code_request``; step two
reads ``pending_phone`` and ``resend_countdown``, calls ``note_code_dead`` when the code can no
longer be used (then ``code_is_dead``, and no countdown), and, once the code was right, calls
``forget_code_request`` and, for a purpose other than login, ``mark_phone_verified``. A view of
the site then reads the number back with ``verified_phone(request, purpose)`` (``consume=True``
when the account is created). Every time here is read through ``otp.service.clock``.
"""

from __future__ import annotations

import math

from django.http import HttpRequest
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.otp import service as otp

__all__ = [
    "VERIFIED_MAX_AGE",
    "code_is_dead",
    "forget_code_request",
    "mark_phone_verified",
    "note_code_dead",
    "pending_phone",
    "remember_code_request",
    "resend_countdown",
    "verified_phone",
]

#: Seconds a number marked verified by ``mark_phone_verified`` stays usable by ``verified_phone``.
VERIFIED_MAX_AGE = 15 * 60


def flow_key(purpose: str) -> str:
    """The session key of a code request for ``purpose``."""
    return f"tencent_sms.flow.{purpose}"


def verified_key(purpose: str) -> str:
    """The session key of the number proved for ``purpose``."""
    return f"tencent_sms.verified.{purpose}"


def now() -> float:
    return otp.clock().timestamp()


def remember_code_request(
    request: HttpRequest, purpose: str, phone: PhoneNumber, retry_after: int | None
) -> None:
    """Note in the session where the code went and when another may be asked for."""
    request.session[flow_key(purpose)] = {
        "phone": phone.as_e164,
        "resend_at": now() + (retry_after or 0),
    }


def forget_code_request(request: HttpRequest, purpose: str) -> None:
    """Drop what ``remember_code_request`` noted: the code was used."""
    request.session.pop(flow_key(purpose), None)


def note_code_dead(request: HttpRequest, purpose: str) -> None:
    """Note that the code of this session's request for ``purpose`` can no longer be used
    (its tries are spent, it expired or was used): a new one may be asked for at once."""
    state = request.session.get(flow_key(purpose))
    if isinstance(state, dict):
        request.session[flow_key(purpose)] = {**state, "resend_at": now(), "dead": True}


def code_is_dead(request: HttpRequest, purpose: str) -> bool:
    """Whether ``note_code_dead`` was called since the last ``remember_code_request``."""
    state = request.session.get(flow_key(purpose))
    return isinstance(state, dict) and state.get("dead") is True


def pending_phone(request: HttpRequest, purpose: str) -> str | None:
    """The number a code was last sent to in this session for ``purpose`` (E.164), if any."""
    state = request.session.get(flow_key(purpose))
    return state.get("phone") if isinstance(state, dict) else None


def resend_countdown(request: HttpRequest, purpose: str) -> int:
    """Seconds until this session may ask for another code for ``purpose``; 0 when it may."""
    state = request.session.get(flow_key(purpose))
    if not isinstance(state, dict) or not isinstance(state.get("resend_at"), (int, float)):
        return 0
    return max(0, math.ceil(state["resend_at"] - now()))


def mark_phone_verified(request: HttpRequest, purpose: str, phone: PhoneNumber) -> None:
    """Record in the session that its owner proved they hold ``phone`` (for ``purpose``).

    The session key is rotated first, so a session id planted before the proof is worthless.
    """
    request.session.cycle_key()
    request.session[verified_key(purpose)] = {"phone": phone.as_e164, "at": now()}


def verified_phone(
    request: HttpRequest,
    purpose: str,
    *,
    max_age: int = VERIFIED_MAX_AGE,
    consume: bool = False,
) -> PhoneNumber | None:
    """The number this session proved it holds for ``purpose`` in the last ``max_age``
    seconds, or None; ``consume=True`` forgets it (use it when the account is created)."""
    key = verified_key(purpose)
    state = request.session.get(key)
    if consume:
        request.session.pop(key, None)
    if not isinstance(state, dict) or not isinstance(state.get("at"), (int, float)):
        return None
    if not 0 <= now() - state["at"] <= max_age:
        return None
    return PhoneNumber.from_string(state["phone"])
