"""The tasks behind ``send_sms(background=True)`` and ``send_bulk(background=True)``.

On Django's task framework: ``django.tasks`` on Django 6; on Django 5.2 its backport, the
``django-tasks`` package (``pip install "django-tencent-sms[tasks]"``, with ``"django_tasks"``
in ``INSTALLED_APPS``).
The tasks run on whatever backend the site's ``TASKS`` setting names. Their only arguments are
``SmsLog`` ids, which every backend can store; the worker bodies do the rest
(``sending.background.send_queued``, ``sending.batch.send_batch``). The dispatch side
(``sending.api``, ``sending.bulk``) imports this module when it enqueues; nothing here imports it.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import router, transaction
from django.utils import timezone

from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.background import send_queued
from django_tencent_sms.sending.batch import send_batch
from django_tencent_sms.sending.recover import NowAndThen

if TYPE_CHECKING:
    # Checked against Django 6's stubs; the backport's decorator is the same.
    from django.tasks import task
    from django.tasks.backends.immediate import ImmediateBackend
else:
    try:
        from django.tasks import task  # Django 6.0+
        from django.tasks.backends.immediate import ImmediateBackend
    except ImportError:
        try:
            from django_tasks import task  # the backport, for Django 5.2
            from django_tasks.backends.immediate import ImmediateBackend
        except ImportError:
            raise ConfigurationError(
                "send_sms(background=True) needs Django's task framework: Django 6, or on "
                "Django 5.2 the django-tasks package (pip install 'django-tencent-sms[tasks]', "
                "and add 'django_tasks' to INSTALLED_APPS)."
            ) from None

__all__ = [
    "enqueue_batch_on_commit",
    "enqueue_on_commit",
    "requeue",
    "requeue_batch",
    "send_queued_batch",
    "send_queued_sms",
]

logger = logging.getLogger("django_tencent_sms")


@task
def send_queued_sms(log_id: int) -> str:
    """Send the ``queued`` ``SmsLog`` ``log_id``; return its status afterwards.

    Running it twice for one id sends at most once (see ``sending.background.send_queued``).
    Now and then (once per ``STALE_AFTER`` in each worker process) it also recovers stuck
    rows, as ``manage.py tencent_sms_recover`` does.
    """
    status = send_queued(log_id)
    _recover_now_and_then(send_queued_sms)
    return status


@task
def send_queued_batch(log_ids: list[int], include_opted_out: bool = False) -> dict[str, int]:
    """Send one batch of ``queued`` bulk rows (``sending.batch.send_batch``) in one request;
    return the batch's counts. Running it twice for the same ids sends at most once."""
    summary = send_batch(log_ids, include_opted_out=include_opted_out)
    _recover_now_and_then(send_queued_batch)
    return {
        "sent": summary.sent,
        "failed": summary.failed,
        "unknown": summary.unknown,
        "opted_out": summary.opted_out,
        "fee": summary.fee,
    }


def enqueue_batch_on_commit(
    log_ids: list[int], *, using: str | None = None, include_opted_out: bool = False
) -> None:
    """Enqueue ``send_queued_batch(log_ids)`` once the transaction that wrote the rows commits.
    ``include_opted_out`` is handed to the task (a batch enqueued again by ``requeue_batch``
    skips opted-out numbers whatever it was).

    When the task backend refuses the task, the batch's rows become ``failed`` (nothing was
    sent) and the error is logged (raised too when no transaction was open)."""
    using = using or router.db_for_write(SmsLog)
    at_once = not transaction.get_connection(using).in_atomic_block
    transaction.on_commit(
        partial(
            _enqueue_batch,
            list(log_ids),
            using=using,
            reraise=at_once,
            include_opted_out=include_opted_out,
        ),
        using=using,
    )


def _enqueue_batch(
    log_ids: list[int], *, using: str, reraise: bool, include_opted_out: bool = False
) -> None:
    try:
        if include_opted_out:
            send_queued_batch.enqueue(log_ids, include_opted_out=True)
        else:  # the arguments of every other batch, as before
            send_queued_batch.enqueue(log_ids)
    except Exception as exc:
        SmsLog.objects.using(using).filter(pk__in=log_ids, status=SmsLog.Status.QUEUED).update(
            status=SmsLog.Status.FAILED,
            errmsg=f"Could not be queued ({type(exc).__name__}: {exc}); nothing was sent.",
            finished_at=timezone.now(),
        )
        logger.exception("A bulk batch of %d could not be queued; marked failed", len(log_ids))
        if reraise:
            raise


def enqueue_on_commit(log: SmsLog) -> bool:
    """Enqueue ``send_queued_sms(log.pk)`` once the transaction that wrote ``log`` commits.

    A worker then always finds the row. Returns whether it was enqueued at once (no transaction
    was open). When the task backend refuses the task, the log becomes ``failed`` (nothing was
    sent) and the error is raised if enqueued at once; at a commit it is logged instead, since
    raising there would reach whoever committed, after their data was saved.
    """
    using = log._state.db or router.db_for_write(SmsLog)
    at_once = not transaction.get_connection(using).in_atomic_block
    transaction.on_commit(partial(_enqueue, log.pk, using=using, reraise=at_once), using=using)
    return at_once


def _enqueue(log_id: int, *, using: str, reraise: bool) -> None:
    try:
        send_queued_sms.enqueue(log_id)
    except Exception as exc:
        SmsLog.objects.using(using).filter(pk=log_id, status=SmsLog.Status.QUEUED).update(
            status=SmsLog.Status.FAILED,
            errmsg=f"Could not be queued ({type(exc).__name__}: {exc}); nothing was sent.",
            finished_at=timezone.now(),
        )
        logger.exception("SMS #%s could not be queued; marked failed, nothing was sent", log_id)
        if reraise:
            raise


#: What the workers run now and then: ``sending.recover.recover``, once per STALE_AFTER.
recover_stuck = NowAndThen()


def _recover_now_and_then(task: Any) -> None:
    """``recover_stuck`` in a worker; not where the immediate backend runs the task (in the
    request that enqueued it: nobody should wait for that)."""
    if not isinstance(task.get_backend(), ImmediateBackend):
        recover_stuck(requeue=requeue, requeue_batch=requeue_batch)


def requeue(log_id: int) -> bool:
    """Enqueue the task of the ``queued`` row ``log_id`` again (its first was lost); whether
    the task backend took it (a refusal is logged and leaves the row ``failed``)."""
    try:
        enqueue_on_commit(SmsLog(pk=log_id))
    except Exception:
        return False
    return True


def requeue_batch(log_ids: list[int]) -> bool:
    """``requeue`` for one batch of a bulk send (``send_queued_batch``)."""
    try:
        enqueue_batch_on_commit(log_ids)
    except Exception:
        return False
    return True
