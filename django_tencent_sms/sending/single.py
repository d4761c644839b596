"""The sending service: validate → log → backend → update the log → signals.

The ``SmsLog`` row is written before the request leaves, so a crash, a timeout or a killed
worker leaves a row saying so. Nothing here retries a message that may have reached Tencent.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import phonenumbers
from django.utils import timezone
from django.utils.translation import gettext as _

from django_tencent_sms.backends import BaseBackend, get_backend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import (
    ConfigurationError,
    InvalidMessage,
    SmsError,
    TencentSmsError,
)
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.message import SmsMessage
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.rows import RowWriter
from django_tencent_sms.sending.template_cache import template_by_name
from django_tencent_sms.sending.validation import (
    check_extend,
    check_length,
    check_sign,
    normalize_params,
    normalize_phone,
)
from django_tencent_sms.signals import notify, sms_failed, sms_sent

__all__ = [
    "deliver",
    "is_verification",
    "prepare_message",
    "resend",
    "send_queued",
    "send_sms",
]

logger = logging.getLogger("django_tencent_sms")

TemplateRef = SmsTemplate | str | int

#: What the log stores in place of a secret parameter.
REDACTED = "******"

#: The log's two writes per message, with their SQL built once (see ``rows``).
log_rows = RowWriter(SmsLog)

#: What ``deliver`` writes on the log once the backend has answered (or failed).
DELIVERED_FIELDS = (
    "status",
    "result",
    "errmsg",
    "sid",
    "fee",
    "request_id",
    "finished_at",
    "duration",
)


def send_sms(
    phone: str | phonenumbers.PhoneNumber,
    template: TemplateRef,
    params: Iterable[Any] = (),
    *,
    sign: str | None = None,
    ext: str = "",
    extend: str = "",
    backend: BaseBackend | None = None,
    secret_params: Iterable[int] = (),
    background: bool = False,
) -> SmsLog:
    """Send one templated SMS and return its saved ``SmsLog``.

    ``phone``: E.164 text (``"+8613711112222"``), a ``PhoneNumber``, or a national number in
    ``TENCENT_SMS['DEFAULT_REGION']``. ``template``: an ``SmsTemplate``, its ``name``, or a
    Tencent template ID (``int``). ``params`` are converted to strings. ``secret_params``: the
    positions (from 0) of parameters that must not be stored: the log keeps ``REDACTED`` there
    (verification codes, one-time passwords). With a template of type ``verification`` no
    parameter is stored.

    Raises ``InvalidMessage`` (a ``ValidationError``) before any request and without writing a
    log for bad input; ``TencentSmsError`` when Tencent refuses; ``TransportError`` when no usable
    answer came back. Every raised ``SmsError`` but ``InvalidMessage`` carries the log as
    ``exc.log``.

    ``background=True`` validates the same way, then writes the log as ``queued`` and hands its
    id to the task framework (``TASKS``) once the current transaction commits; a worker sends it
    (``django_tencent_sms.tasks.send_queued_sms``). Only ``InvalidMessage`` is raised then: the
    outcome is recorded on the log, and signalled, by the worker. Messages with secret
    parameters (``secret_params``, verification templates) are refused with ``InvalidMessage``
    (code ``secret_params``): the log does not keep what a worker would need to send them.
    ``backend`` cannot be combined with it: the worker uses ``TENCENT_SMS['BACKEND']``.
    """
    if background:
        if backend is not None:
            raise TypeError(
                "send_sms(background=True) does not take a backend: "
                "the worker sends with TENCENT_SMS['BACKEND']."
            )
        return _queue(
            phone, template, params, sign=sign, ext=ext, extend=extend, secret_params=secret_params
        )
    return _send(
        phone,
        template,
        params,
        sign=sign,
        ext=ext,
        extend=extend,
        backend=backend,
        secret_params=secret_params,
    )


def resend(log: SmsLog, *, user: Any = None, backend: BaseBackend | None = None) -> SmsLog:
    """Send the message of ``log`` again, as a new ``SmsLog`` linked to it by ``resend_of``.

    The new message goes through the same validation and sending path as ``send_sms``, with the
    original's template (by ID when the template row is gone), parameters, signature, ``ext`` and
    ``extend``; ``user`` is recorded as ``resent_by``. Raises what ``send_sms`` raises.

    A verification code is never sent twice: for such a message this raises ``InvalidMessage``
    (code ``verification_code``) and sends nothing; the person must request a fresh code.
    """
    if is_verification(log):
        raise InvalidMessage(
            _(
                "SMS #%(id)s carries a verification code, and codes are never sent twice. "
                "Ask the person to request a new code instead."
            ),
            code="verification_code",
            params={"id": log.pk},
        )
    if REDACTED in log.params:
        raise InvalidMessage(
            _("SMS #%(id)s had secret parameters, which were not stored: it cannot be resent."),
            code="secret_params",
            params={"id": log.pk},
        )
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return _send(
        log.phone,
        log.template if log.template_id is not None else log.tpl_id,
        log.params,
        sign=log.sign or None,
        ext=log.ext,
        extend=log.extend,
        backend=backend,
        resend_of=log,
        resent_by=user,
    )


def is_verification(log: SmsLog) -> bool:
    """Whether ``log`` was sent with a verification-code template (by its row, or its ID)."""
    if log.template_id is not None:
        return log.template.type == SmsTemplate.Type.VERIFICATION
    return SmsTemplate.objects.filter(
        tpl_id=log.tpl_id, type=SmsTemplate.Type.VERIFICATION
    ).exists()


def _send(
    phone: Any,
    template: TemplateRef,
    params: Iterable[Any],
    *,
    sign: str | None,
    ext: str,
    extend: str,
    backend: BaseBackend | None,
    secret_params: Iterable[int] = (),
    **log_fields: Any,
) -> SmsLog:
    backend = backend if backend is not None else get_backend()
    message, template_obj = prepare_message(
        phone, template, params, sign=sign, ext=ext, extend=extend
    )
    hidden = set(secret_params)
    if template_obj is not None and template_obj.type == SmsTemplate.Type.VERIFICATION:
        # Decided now, from the template as it is when sending: a later edit or deletion of
        # the template must not expose a code stored in clear.
        hidden.update(range(len(message.params)))
    log = log_rows.insert(
        SmsLog(
            phone=message.phone,  # parsed already: no second parse
            template=template_obj,
            tpl_id=message.tpl_id,
            params=[REDACTED if i in hidden else p for i, p in enumerate(message.params)],
            sign=message.sign,
            ext=message.ext,
            extend=message.extend,
            status=SmsLog.Status.PENDING,
            backend=backend.name,
            **log_fields,
        )
    )
    return deliver(log, message, backend)


def resolve_template(template: TemplateRef) -> tuple[SmsTemplate | None, int]:
    if isinstance(template, SmsTemplate):
        obj = template
    elif isinstance(template, str):
        try:
            obj = template_by_name(template)
        except SmsTemplate.DoesNotExist:
            raise InvalidMessage(
                _("There is no SMS template named %(name)s."),
                code="unknown_template",
                params={"name": template},
            ) from None
    elif isinstance(template, int) and not isinstance(template, bool):
        # A bare Tencent ID: validate against the matching row when the site has one.
        return SmsTemplate.objects.filter(tpl_id=template).first(), template
    else:
        raise TypeError(
            f"template must be an SmsTemplate, its name or a tpl_id, not {type(template).__name__}"
        )
    if not obj.is_active:
        raise InvalidMessage(
            _("The SMS template %(name)s is not active."),
            code="inactive_template",
            params={"name": obj.name},
        )
    return obj, obj.tpl_id


def check_content(
    template: TemplateRef, params: Iterable[Any], *, sign: str | None, extend: str
) -> tuple[SmsTemplate | None, int, tuple[str, ...], str, str | None]:
    """Everything about a message but its number, checked: ``(template, tpl_id, params, sign,
    text)``; ``InvalidMessage`` when something is bad. Shared by single and bulk sends."""
    template_obj, tpl_id = resolve_template(template)
    values = normalize_params(
        params,
        expected=template_obj.param_count if template_obj is not None else None,
        max_length=sms_settings.MAX_PARAM_LENGTH,
    )
    if sign is None:
        sign = (template_obj.sign if template_obj is not None else "") or sms_settings.SIGN
    sign = sign.strip()
    check_sign(sign)
    check_extend(extend)
    text = None
    if template_obj is not None:
        text = template_obj.render(values)
        check_length(text, sign)
    return template_obj, tpl_id, values, sign, text


def prepare_message(
    phone: Any,
    template: TemplateRef,
    params: Iterable[Any] = (),
    *,
    sign: str | None = None,
    ext: str = "",
    extend: str = "",
) -> tuple[SmsMessage, SmsTemplate | None]:
    """Validate the input and build the ``SmsMessage``; raise ``InvalidMessage`` if it is bad."""
    number = normalize_phone(phone, sms_settings.DEFAULT_REGION)
    template_obj, tpl_id, values, sign, text = check_content(
        template, params, sign=sign, extend=extend
    )
    message = SmsMessage(
        phone=number,
        tpl_id=tpl_id,
        params=values,
        sign=sign,
        ext=str(ext),
        extend=str(extend),
        text=text,
        template_name=template_obj.name if template_obj is not None else None,
    )
    return message, template_obj


def deliver(log: SmsLog, message: SmsMessage, backend: BaseBackend) -> SmsLog:
    """Hand ``message`` to ``backend`` and record the outcome on ``log`` (already saved)."""
    started = time.monotonic()
    try:
        result = backend.send(message)
    except BaseException as exc:
        log.finished_at = timezone.now()
        log.duration = timedelta(seconds=time.monotonic() - started)
        if isinstance(exc, ConfigurationError):
            # Raised while preparing the request (e.g. an unusable API_URL): nothing left.
            log.status = SmsLog.Status.FAILED
            log.errmsg = str(exc)
        elif isinstance(exc, TencentSmsError):
            log.status = SmsLog.Status.FAILED
            log.result = exc.result
            log.errmsg = exc.errmsg or exc.meaning
            log.request_id = exc.request_id
        elif isinstance(exc, SmsError):
            log.status = (
                SmsLog.Status.UNKNOWN if exc.may_have_reached_tencent else SmsLog.Status.FAILED
            )
            log.errmsg = str(exc)
        else:
            # A bug, or the process being interrupted mid-request: Tencent may have the message.
            log.status = SmsLog.Status.UNKNOWN
            log.errmsg = f"Interrupted by {type(exc).__name__}"
        log_rows.update(log, DELIVERED_FIELDS)
        logger.warning(
            "SMS #%s to %s %s: %s", log.pk, mask_phone(message.e164), log.status, log.errmsg
        )
        if isinstance(exc, SmsError):
            exc.log = log
            notify(sms_failed, SmsLog, log=log, exception=exc)
        raise
    log.status = SmsLog.Status.SENT
    log.result = 0
    log.errmsg = result.errmsg
    log.sid = result.sid
    log.fee = result.fee
    log.request_id = result.request_id
    log.finished_at = timezone.now()
    log.duration = timedelta(seconds=time.monotonic() - started)
    try:
        log_rows.update(log, DELIVERED_FIELDS)
    except Exception:
        # Tencent accepted the message: say so where an operator will look before the database
        # error reaches the caller, so nobody resends it believing it failed.
        logger.exception(
            "SMS #%s was SENT (sid=%s, fee=%s) but the log row could not be updated",
            log.pk,
            log.sid,
            log.fee,
        )
        raise
    if logger.isEnabledFor(logging.INFO):  # masking costs more than the rest of the line
        logger.info(
            "SMS #%s to %s sent, sid=%s fee=%s", log.pk, mask_phone(message.e164), log.sid, log.fee
        )
    notify(sms_sent, SmsLog, log=log, result=result)
    return log


def _queue(
    phone: Any,
    template: TemplateRef,
    params: Iterable[Any],
    *,
    sign: str | None,
    ext: str,
    extend: str,
    secret_params: Iterable[int],
) -> SmsLog:
    """``send_sms(background=True)``: validate, write the log as ``queued``, enqueue its id."""
    # The task framework; ConfigurationError when there is none.
    from django_tencent_sms import tasks

    if set(secret_params):
        raise InvalidMessage(
            _(
                "A message with secret parameters cannot be sent in the background: its log "
                "does not keep them, so a worker could not send it. Send it with "
                "background=False."
            ),
            code="secret_params",
        )
    message, template_obj = prepare_message(
        phone, template, params, sign=sign, ext=ext, extend=extend
    )
    if template_obj is not None and template_obj.type == SmsTemplate.Type.VERIFICATION:
        raise InvalidMessage(
            _(
                "The SMS template %(name)s sends verification codes, which are not stored, so "
                "it cannot be sent in the background. Send it with background=False: the "
                "person is waiting for the code and must learn at once if it failed."
            ),
            code="secret_params",
            params={"name": template_obj.name},
        )
    backend = get_backend()  # a broken configuration fails here, not later in a worker
    log = SmsLog.objects.create(
        phone=message.e164,
        template=template_obj,
        tpl_id=message.tpl_id,
        params=list(message.params),
        sign=message.sign,
        ext=message.ext,
        extend=message.extend,
        status=SmsLog.Status.QUEUED,
        backend=backend.name,
    )
    if tasks.enqueue_on_commit(log):
        # Enqueued already (no transaction was open): with the immediate task backend the
        # message has been sent by now, so hand back the row as it is.
        log.refresh_from_db()
    return log


def send_queued(log_id: int) -> str:
    """Send the message of the ``queued`` log ``log_id``; the body of the background task.

    Safe under at-least-once task delivery: the row is taken with a conditional UPDATE
    (``queued`` → ``sending``), so only one call ever sends it. A call that finds the row
    ``sending`` marks it ``unknown`` (a worker may have died mid-request; nothing is resent) with
    a conditional UPDATE too; if that worker is in fact alive, its outcome replaces ``unknown``
    when it arrives. The message is rebuilt from the row and validated again: a template
    deactivated or changed since makes the log ``failed`` with the reason. Outcomes are
    recorded, logged and signalled by ``deliver`` as for ``send_sms``.

    Returns the log's status after the call (``"missing"`` when the row is gone).
    """
    log = SmsLog.objects.select_related("template").filter(pk=log_id).first()
    if log is None:
        logger.warning("SMS #%s was not found: it was deleted before a worker got to it", log_id)
        return "missing"
    backend = get_backend()  # a ConfigurationError leaves the row queued, for a later try
    taken = SmsLog.objects.filter(pk=log_id, status=SmsLog.Status.QUEUED).update(
        status=SmsLog.Status.SENDING, backend=backend.name
    )
    if not taken:
        return _already_taken(log_id)
    log.status = SmsLog.Status.SENDING
    log.backend = backend.name
    try:
        message = _rebuild(log)
    except InvalidMessage as exc:
        log.status = SmsLog.Status.FAILED
        log.errmsg = str(exc)
        log.finished_at = timezone.now()
        log.save(update_fields=["status", "errmsg", "finished_at"])
        logger.warning("SMS #%s to %s failed: %s", log.pk, mask_phone(log.phone), log.errmsg)
        exc.log = log
        notify(sms_failed, SmsLog, log=log, exception=exc)
        return str(log.status)
    with contextlib.suppress(SmsError):  # recorded, logged and signalled by deliver()
        deliver(log, message, backend)
    return str(log.status)


def _rebuild(log: SmsLog) -> SmsMessage:
    if REDACTED in log.params:
        raise InvalidMessage(
            _("SMS #%(id)s had secret parameters, which were not stored: it cannot be sent."),
            code="secret_params",
            params={"id": log.pk},
        )
    return prepare_message(
        log.phone,
        log.template if log.template_id is not None else log.tpl_id,
        log.params,
        sign=log.sign or None,
        ext=log.ext,
        extend=log.extend,
    )[0]


def _already_taken(log_id: int) -> str:
    """What a second delivery of the task does: never send; mark a stuck ``sending`` unknown."""
    status = SmsLog.objects.filter(pk=log_id).values_list("status", flat=True).first()
    if status == SmsLog.Status.SENDING:
        marked = SmsLog.objects.filter(pk=log_id, status=SmsLog.Status.SENDING).update(
            status=SmsLog.Status.UNKNOWN,
            errmsg=(
                "Found being sent by another delivery of its task: that worker may have died "
                "mid-request. Not sent again."
            ),
            finished_at=timezone.now(),
        )
        if marked:
            logger.warning(
                "SMS #%s was found in status sending by a second delivery of its task; marked "
                "unknown and not sent again (a worker that is still sending it will record its "
                "outcome over this)",
                log_id,
            )
            return str(SmsLog.Status.UNKNOWN)
        status = SmsLog.objects.filter(pk=log_id).values_list("status", flat=True).first()
    logger.info("SMS #%s is %s, not queued: this run of its task sends nothing", log_id, status)
    return str(status) if status is not None else "missing"
