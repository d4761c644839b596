"""Delivering one message: its saved log row → the backend → the row updated → signals.

The row is written before ``deliver`` is called, so a crash, a timeout or a killed worker
leaves a row saying so. Nothing here retries a message that may have reached Tencent.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.utils import timezone

from django_tencent_sms.backends import BaseBackend
from django_tencent_sms.exceptions import SmsError
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.message import SmsMessage
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.outcome import DELIVERED_FIELDS, Outcome
from django_tencent_sms.sending.records import log_rows
from django_tencent_sms.signals import notify, sms_failed, sms_sent

__all__ = ["database_error", "deliver"]

logger = logging.getLogger("django_tencent_sms")


def deliver(log: SmsLog, message: SmsMessage, backend: BaseBackend) -> SmsLog:
    """Hand ``message`` to ``backend`` and record the outcome on ``log`` (already saved).

    Returns ``log``, ``sent``. Whatever the backend raises is raised again once it is recorded
    (``unknown`` when the message may have reached Tencent, else ``failed``); an ``SmsError``
    then carries ``log`` as ``exc.log``. ``sms_sent``/``sms_failed`` fire once the row is saved.
    """
    started = time.monotonic()
    try:
        result = backend.send(message)
    except BaseException as exc:
        Outcome.raised(exc).apply_to(
            log, finished_at=timezone.now(), duration=timedelta(seconds=time.monotonic() - started)
        )
        log_rows.update(log, DELIVERED_FIELDS)
        logger.warning(
            "SMS #%s to %s %s: %s", log.pk, mask_phone(message.e164), log.status, log.errmsg
        )
        if isinstance(exc, SmsError):
            exc.log = log
            notify(sms_failed, SmsLog, log=log, exception=exc)
        raise
    Outcome.accepted(result).apply_to(
        log, finished_at=timezone.now(), duration=timedelta(seconds=time.monotonic() - started)
    )
    try:
        log_rows.update(log, DELIVERED_FIELDS)
    except Exception as exc:
        # Tencent accepted the message: say so where an operator will look before the database
        # error reaches the caller, so nobody resends it believing it failed. Not the error's
        # text: a database quotes the row it refused ("Failing row contains …": the number, the
        # parameters).
        logger.error(
            "SMS #%s to %s was SENT (sid=%s, fee=%s) but the log row could not be updated (%s)",
            log.pk,
            mask_phone(message.e164),
            log.sid,
            log.fee,
            database_error(exc),
        )
        raise
    if logger.isEnabledFor(logging.INFO):  # masking costs more than the rest of the line
        logger.info(
            "SMS #%s to %s sent, sid=%s fee=%s", log.pk, mask_phone(message.e164), log.sid, log.fee
        )
    notify(sms_sent, SmsLog, log=log, result=result)
    return log


def database_error(exc: BaseException) -> str:
    """What a log line may say of a database error: its class and SQLSTATE, never its text,
    which can quote the values of the row (a number, the parameters)."""
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    name = type(exc).__name__
    return f"{name}, SQLSTATE {state}" if state else name
