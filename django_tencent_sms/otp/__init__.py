"""Verification codes by SMS and signing in with them.

``send_code``, ``send_given_code``, ``check_code`` and ``verify_code`` (with ``Reason`` and
``VerificationResult``), and the async twins ``asend_code``, ``acheck_code`` and
``averify_code`` (``otp.aio``), are imported from here; they live in
:mod:`django_tencent_sms.otp.service`, and ``otp_settings`` in :mod:`django_tencent_sms.otp.conf`.
They are loaded on first use, so importing ``django_tencent_sms.otp.conf`` or ``.urls`` does
not need the models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

#: The async twins (``otp.aio``), exported beside the sync ones.
ASYNC = ("acheck_code", "asend_code", "averify_code")
__all__ = [
    "Reason",
    "VerificationResult",
    "acheck_code",
    "asend_code",
    "averify_code",
    "check_code",
    "otp_settings",
    "send_code",
    "send_given_code",
    "verify_code",
]

if TYPE_CHECKING:
    from django_tencent_sms.otp.aio import acheck_code, asend_code, averify_code
    from django_tencent_sms.otp.conf import otp_settings
    from django_tencent_sms.otp.service import (
        Reason,
        VerificationResult,
        check_code,
        send_code,
        send_given_code,
        verify_code,
    )


def __getattr__(name: str) -> Any:
    if name == "otp_settings":
        from django_tencent_sms.otp.conf import otp_settings

        return otp_settings
    if name in ASYNC:
        from django_tencent_sms.otp import aio

        return getattr(aio, name)
    if name in __all__:
        from django_tencent_sms.otp import service

        return getattr(service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
