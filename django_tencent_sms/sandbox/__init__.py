"""A local emulator of Tencent's legacy SMS API (and of API 3.0's ``SendSms``), for development
and tests.

No Django here: ``python -m django_tencent_sms.sandbox`` runs without settings.
"""

from __future__ import annotations

from django_tencent_sms.sandbox.core import Sandbox
from django_tencent_sms.sandbox.limits import FrequencyLimits
from django_tencent_sms.sandbox.records import ReceivedRequest, SandboxMessage

__all__ = ["FrequencyLimits", "ReceivedRequest", "Sandbox", "SandboxMessage"]
