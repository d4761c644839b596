"""A local emulator of Tencent's legacy SMS API (and of API 3.0's ``SendSms``), for development
and tests.

No Django here: ``python -m django_tencent_sms.sandbox`` runs without settings.
"""

from __future__ import annotations

from .core import Sandbox
from .limits import FrequencyLimits
from .records import ReceivedRequest, SandboxMessage

__all__ = ["FrequencyLimits", "ReceivedRequest", "Sandbox", "SandboxMessage"]
