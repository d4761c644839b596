"""A local emulator of Tencent's SMS API, both generations, for development and tests.

``core.Sandbox`` is the Python API. What it remembers is in ``state``; the legacy API is
``v5`` (its checks in ``v5_rules``), API 3.0 is ``tc3`` (``tc3_auth``, ``tc3_rules``), and the
checks both share are in ``rules``; voice codes (``sendcvoice``, VMS ``SendCodeVoice``) are
``voice``. ``control`` and ``inbox`` serve ``/_sandbox/``; ``reports``
and ``pushes`` deliver reports and replies; ``server`` is the HTTP plumbing; ``cli`` the command
line. No Django here: ``python -m django_tencent_sms.sandbox`` runs without settings.
"""

from __future__ import annotations

from django_tencent_sms.sandbox.core import Sandbox
from django_tencent_sms.sandbox.limits import FrequencyLimits
from django_tencent_sms.sandbox.records import ReceivedRequest, SandboxMessage
from django_tencent_sms.sandbox.voice import VoiceLimits

__all__ = ["FrequencyLimits", "ReceivedRequest", "Sandbox", "SandboxMessage", "VoiceLimits"]
