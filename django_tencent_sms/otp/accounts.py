"""Sign-in codes only for numbers with an account: whether a code's SMS is withheld.

Signing in with a number nobody registered used to send a real, billed code, and only then say
"No account can be found". For the purposes in ``OTP["ACCOUNT_PURPOSES"]`` (``login`` by
default), a number no account uses gets no SMS; its code is stored as ``withheld`` and counts
against every limit, and checking it fails as a wrong code does, so the requester sees exactly
what a registered number would show. Users are found the way the authentication backends that
sign in with codes find them (``PhoneCodeBackend.user_finder``): without one, nothing is
withheld. The lookup runs for every number, and a withheld code's answer waits as long as
recent sends took (``pause_like_a_send``), so the answer's timing tells nothing either.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_backends
from django.db import router
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.models import SmsLog

__all__ = ["pause_like_a_send", "send_duration", "withheld"]

#: How a withheld code's answer waits; replaced in tests, which never sleep.
pause = time.sleep
#: The longest wait, in seconds: a slow hour at Tencent's does not slow these answers further.
MAX_PAUSE = 3.0
#: How many of the newest sends ``send_duration`` looks at.
SAMPLE = 5


def user_finders() -> list[Callable[[PhoneNumber], Any]]:
    """How each configured backend that signs in with codes finds a number's user."""
    finders = (getattr(backend, "user_finder", None) for backend in get_backends())
    return [finder() for finder in finders if callable(finder)]


def withheld(number: PhoneNumber, purpose: str, conf: dict[str, Any]) -> bool:
    """Whether ``number``'s code for ``purpose`` is not to be sent: the purpose needs an
    account, and no backend finds one for the number."""
    if purpose not in conf["ACCOUNT_PURPOSES"]:
        return False
    finders = user_finders()
    return bool(finders) and all(find(number) is None for find in finders)


def send_duration() -> float:
    """Seconds a send takes: the median of the newest sent messages' durations (0.0 with none),
    at most ``MAX_PAUSE``. One query over the log's status index."""
    durations = (
        SmsLog.objects.using(router.db_for_read(SmsLog))
        .filter(status=SmsLog.Status.SENT, duration__isnull=False)
        .order_by("-created_at")
        .values_list("duration", flat=True)[:SAMPLE]
    )
    seconds = [d.total_seconds() for d in durations if d is not None]
    return min(MAX_PAUSE, statistics.median(seconds)) if seconds else 0.0


def pause_like_a_send() -> None:
    """Wait as long as sending the SMS would have taken."""
    wait = send_duration()
    if wait > 0:
        pause(wait)
