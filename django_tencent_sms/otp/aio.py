"""Verification codes from async code: ``asend_code``, ``acheck_code`` and ``averify_code``.

Each runs its sync twin of ``otp.service`` in the pool of ``sending.aio`` (one database
connection per call, in autocommit, as ``send_code`` needs to count racing requests), so the
limits, the single use and the hashing are the same. A code whose SMS had started when the
awaiting task was cancelled is sent and recorded to the end; its row says what became of it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp.service import VerificationResult, check_code, send_code, verify_code
from django_tencent_sms.sending.aio import in_thread

__all__ = ["acheck_code", "asend_code", "averify_code"]


# No local of these, nor of any frame below them, is shown in error reports: the code.
@sensitive_variables()
async def asend_code(
    phone: Any,
    purpose: str = "login",
    *,
    request: HttpRequest | None = None,
    channel: str = "sms",
) -> VerificationCode:
    """``send_code`` for async code: the same arguments, result and exceptions."""
    return await in_thread(send_code, phone, purpose, request=request, channel=channel)


@sensitive_variables()
async def acheck_code(
    phone: Any, code: Any, purpose: str = "login", *, request: HttpRequest | None = None
) -> VerificationResult:
    """``check_code`` for async code: the same arguments and ``VerificationResult``."""
    return await in_thread(check_code, phone, code, purpose, request=request)


@sensitive_variables()
async def averify_code(
    phone: Any, code: Any, purpose: str = "login", *, request: HttpRequest | None = None
) -> bool:
    """``verify_code`` for async code: true only for the newest unexpired, unused code."""
    return await in_thread(verify_code, phone, code, purpose, request=request)
