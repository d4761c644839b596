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
from django_tencent_sms.sending.recording import database_error, record_accepted
from django_tencent_sms.sending.records import log_rows
from django_tencent_sms.signals import notify, sms_failed, sms_sent
from django_tencent_sms.voice_message import VoiceCodeMessage

__all__ = ["database_error", "deliver"]

logger = logging.getLogger("django_tencent_sms")


def deliver(log: SmsLog, message: SmsMessage | VoiceCodeMessage, backend: BaseBackend) -> SmsLog:
    """Hand ``message`` to ``backend`` and record the outcome on ``log`` (already saved).

    Returns ``log``, ``sent``. Whatever the backend raises is raised again once it is recorded
    (``unknown`` when the message may have reached Tencent, else ``failed``); an ``SmsError``
    then carries ``log`` as ``exc.log``. ``sms_sent``/``sms_failed`` fire once the row is saved.

    Once Tencent has accepted the message it is never sent again: if the row update fails it
    is retried once on a fresh connection (``sending.recording``), and ``log`` is returned,
    ``sent``, when that succeeds. If it fails too, an ERROR line gives the row's id, sid and fee
    (the number masked), the row is marked ``unknown`` where the database takes it, and the
    first database error is raised (no ``sms_sent``): a database error, not an ``SmsError``,
    so nothing that retries failed sends retries it.
    """
    started = time.monotonic()
    try:
        if isinstance(message, VoiceCodeMessage):  # a code read out by a call (channel voice)
            result = backend.send_voice_code(message)
        else:
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

    def report(first: str, second: str, marked: bool) -> None:
        # Tencent accepted the message: say so where an operator will look before the database
        # error reaches the caller, so nobody resends it believing it failed. Not the errors'
        # text: a database quotes the row it refused ("Failing row contains …": the number, the
        # parameters).
        logger.error(
            "SMS #%s to %s was SENT (sid=%s, fee=%s) but the log row could not be updated (%s), "
            "nor on a second attempt (%s); %s",
            log.pk,
            mask_phone(message.e164),
            log.sid,
            log.fee,
            first,
            second,
            "marked unknown" if marked else "could not be marked unknown either",
        )

    record_accepted(lambda: log_rows.update(log, DELIVERED_FIELDS), [log], report)
    if logger.isEnabledFor(logging.INFO):  # masking costs more than the rest of the line
        logger.info(
            "SMS #%s to %s sent, sid=%s fee=%s", log.pk, mask_phone(message.e164), log.sid, log.fee
        )
    notify(sms_sent, SmsLog, log=log, result=result)
    return log
