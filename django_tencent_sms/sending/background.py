"""Queued single messages, sent by task workers: each row claimed once, rebuilt, then delivered.

The worker side of ``send_sms(background=True)``: ``tasks.send_queued_sms`` calls
``send_queued``. The enqueueing side is ``api``'s; nothing here imports it or ``tasks``.
"""

from __future__ import annotations

import contextlib
import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from django_tencent_sms.account.optouts import OptOutFilter, mark_opted_out
from django_tencent_sms.backends import get_backend
from django_tencent_sms.exceptions import InvalidMessage, SmsError
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.message import SmsMessage
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.content import REDACTED, prepare_message, template_of
from django_tencent_sms.sending.outcome import STUCK
from django_tencent_sms.sending.single import deliver
from django_tencent_sms.signals import notify, sms_failed

__all__ = ["send_queued"]

logger = logging.getLogger("django_tencent_sms")

Status = SmsLog.Status


def send_queued(log_id: int) -> str:
    """Send the message of the ``queued`` log ``log_id``; the body of the background task.

    Safe under at-least-once task delivery: the row is taken with a conditional UPDATE
    (``queued`` → ``sending``), so only one call ever sends it. A call that finds the row
    ``sending`` marks it ``unknown`` (a worker may have died mid-request; nothing is resent) with
    a conditional UPDATE too; if that worker is in fact alive, its outcome replaces ``unknown``
    when it arrives. The message is rebuilt from the row and validated again: a template
    deactivated or changed since makes the log ``failed`` with the reason, and a marketing
    message to a number that opted out since makes it ``opted_out``. Outcomes are
    recorded, logged and signalled by ``deliver`` as for ``send_sms``.

    Returns the log's status after the call (``"missing"`` when the row is gone).
    """
    log = SmsLog.objects.select_related("template").filter(pk=log_id).first()
    if log is None:
        logger.warning("SMS #%s was not found: it was deleted before a worker got to it", log_id)
        return "missing"
    backend = get_backend()  # a ConfigurationError leaves the row queued, for a later try
    claimed_at = timezone.now()  # what "stuck" counts from: not when it was queued
    taken = SmsLog.objects.filter(pk=log_id, status=Status.QUEUED).update(
        status=Status.SENDING, backend=backend.name, claimed_at=claimed_at
    )
    if not taken:
        return _already_taken(log_id)
    log.status = Status.SENDING
    log.backend = backend.name
    log.claimed_at = claimed_at
    try:
        message = _rebuild(log)
    except InvalidMessage as exc:
        _record_invalid(log, exc)
        return str(log.status)
    # A marketing message to a number that opted out after it was queued: not sent.
    if OptOutFilter(log.template, bulk=False).split([log])[1]:
        mark_opted_out([log])
        return str(log.status)
    with contextlib.suppress(SmsError):  # recorded, logged and signalled by deliver()
        deliver(log, message, backend)
    return str(log.status)


def _rebuild(log: SmsLog) -> SmsMessage:
    """The message of ``log``, validated again as ``send_sms`` validated it."""
    if REDACTED in log.params:
        raise InvalidMessage(
            _("SMS #%(id)s had secret parameters, which were not stored: it cannot be sent."),
            code="secret_params",
            params={"id": log.pk},
        )
    message, _template = prepare_message(
        log.phone,
        template_of(log),
        log.params,
        sign=log.sign or None,
        ext=log.ext,
        extend=log.extend,
    )
    return message


def _record_invalid(log: SmsLog, exc: InvalidMessage) -> None:
    """The claimed ``log`` cannot be sent as it stands: ``failed``, saying why; signalled."""
    log.status = Status.FAILED
    log.errmsg = str(exc)
    log.finished_at = timezone.now()
    log.save(update_fields=["status", "errmsg", "finished_at"])
    logger.warning("SMS #%s to %s failed: %s", log.pk, mask_phone(log.phone), log.errmsg)
    exc.log = log
    notify(sms_failed, SmsLog, log=log, exception=exc)


def _already_taken(log_id: int) -> str:
    """What a second delivery of the task does: never send; mark a stuck ``sending`` unknown."""
    status = SmsLog.objects.filter(pk=log_id).values_list("status", flat=True).first()
    if status == Status.SENDING:
        marked = SmsLog.objects.filter(pk=log_id, status=Status.SENDING).update(
            status=Status.UNKNOWN, errmsg=STUCK, finished_at=timezone.now()
        )
        if marked:
            logger.warning(
                "SMS #%s was found in status sending by a second delivery of its task; marked "
                "unknown and not sent again (a worker that is still sending it will record its "
                "outcome over this)",
                log_id,
            )
            return str(Status.UNKNOWN)
        status = SmsLog.objects.filter(pk=log_id).values_list("status", flat=True).first()
    logger.info("SMS #%s is %s, not queued: this run of its task sends nothing", log_id, status)
    return str(status) if status is not None else "missing"
