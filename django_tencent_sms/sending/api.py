"""The entry points for one message: ``send_sms`` (now, or in the background) and ``resend``.

Each validates the message (``content``), writes its log row, then delivers it (``single``) or,
in the background, hands the row's id to the task framework (``tasks``, imported only here and
only then: its workers run ``background.send_queued``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import phonenumbers
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from django_tencent_sms.account.optouts import refuse_if_opted_out
from django_tencent_sms.backends import BaseBackend, get_backend
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.content import (
    REDACTED,
    TemplateRef,
    is_verification,
    prepare_content,
    template_of,
)
from django_tencent_sms.sending.records import log_rows
from django_tencent_sms.sending.single import deliver
from django_tencent_sms.sending.validation import normalize_phone

__all__ = ["resend", "send_sms"]


# Every frame below these shows no local in error reports: parameters may carry a
# verification code, and the backends sign with the credentials.
@sensitive_variables()
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

    With a template of type ``marketing``, a number on the opt-out list (``account.optouts``) is
    not sent to: the log is written ``opted_out`` and ``OptedOut`` (an ``InvalidMessage``, code
    ``opted_out``, with ``exc.log``) is raised. A queued one is checked again by the worker.
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


@sensitive_variables()
def resend(log: SmsLog, *, user: Any = None, backend: BaseBackend | None = None) -> SmsLog:
    """Send the message of ``log`` again, as a new ``SmsLog`` linked to it by ``resend_of``.

    The new message goes through the same validation and sending path as ``send_sms``, with the
    original's template (by ID when the template row is gone), parameters, signature, ``ext`` and
    ``extend``; ``user`` is recorded as ``resent_by``. Raises what ``send_sms`` raises.

    A verification code is never sent twice: for such a message this raises ``InvalidMessage``
    (code ``verification_code``) and sends nothing; the person must request a fresh code. A
    marketing message to a number that opted out since raises ``OptedOut``, as ``send_sms``.
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
        template_of(log),
        log.params,
        sign=log.sign or None,
        ext=log.ext,
        extend=log.extend,
        backend=backend,
        resend_of=log,
        resent_by=user,
    )


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
    """Validate, write the ``pending`` row, deliver: ``send_sms`` and ``resend``."""
    backend = backend if backend is not None else get_backend()
    number = normalize_phone(phone, sms_settings.DEFAULT_REGION)
    content = prepare_content(template, params, sign=sign, ext=ext, extend=extend)
    message = content.message(number)
    log = content.row(
        number,  # parsed already: no second parse
        hidden=secret_params,
        status=SmsLog.Status.PENDING,
        backend=backend.name,
        **log_fields,
    )
    refuse_if_opted_out(log, content.template)  # a marketing message to an opted-out number
    log_rows.insert(log)
    return deliver(log, message, backend)


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
    from django_tencent_sms.tasks import enqueue_on_commit

    if set(secret_params):
        raise InvalidMessage(
            _(
                "A message with secret parameters cannot be sent in the background: its log "
                "does not keep them, so a worker could not send it. Send it with "
                "background=False."
            ),
            code="secret_params",
        )
    number = normalize_phone(phone, sms_settings.DEFAULT_REGION)
    content = prepare_content(template, params, sign=sign, ext=ext, extend=extend)
    if content.secret:
        raise InvalidMessage(
            _(
                "The SMS template %(name)s sends verification codes, which are not stored, so "
                "it cannot be sent in the background. Send it with background=False: the "
                "person is waiting for the code and must learn at once if it failed."
            ),
            code="secret_params",
            params={"name": content.template_name},
        )
    backend = get_backend()  # a broken configuration fails here, not later in a worker
    log = SmsLog(
        phone=number.as_e164,
        template=content.template,
        tpl_id=content.tpl_id,
        params=list(content.params),
        sign=content.sign,
        ext=content.ext,
        extend=content.extend,
        status=SmsLog.Status.QUEUED,
        backend=backend.name,
    )
    refuse_if_opted_out(log, content.template)  # the worker checks again, at send time
    log.save(force_insert=True)
    if enqueue_on_commit(log):
        # Enqueued already (no transaction was open): with the immediate task backend the
        # message has been sent by now, so hand back the row as it is.
        log.refresh_from_db()
    return log
