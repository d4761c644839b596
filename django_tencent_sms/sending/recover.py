"""Rows a dead process or a lost task left behind: found stuck, marked ``unknown``, or queued again.

A row still ``pending`` or ``sending`` after ``TENCENT_SMS["STALE_AFTER"]`` seconds belongs to a
process that died mid-send: its request may have reached Tencent, so it becomes ``unknown`` and
is never sent again. A ``sending`` row counts from when a worker took it (``claimed_at``), not
from when it was queued; a ``pending`` row (written just before its request) from its
creation. A row still ``queued`` was never taken by a worker (taking it is what moves it to
``sending``), so nothing of it left: its task is enqueued again, once; if it is
still ``queued`` as long after that, it becomes ``failed`` (nothing was sent). Run by
``manage.py tencent_sms_recover`` and, now and then, by the task workers; the enqueueing is
handed in by them (this module does not import ``tasks``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.batch import BATCH_SIZE, DOMESTIC

__all__ = [
    "LOST",
    "MAX_OLDER_THAN",
    "MAX_STALE_AFTER",
    "MAY_HAVE_LEFT",
    "NowAndThen",
    "Recovery",
    "is_stale",
    "recover",
    "stale_after",
    "stale_after_problem",
    "stale_condition",
]

logger = logging.getLogger("django_tencent_sms")

Status = SmsLog.Status

#: The errmsg of a row marked ``unknown`` here.
MAY_HAVE_LEFT = (
    "Stuck in status {status} for more than {seconds} s: the process sending it may have died "
    "mid-request, so it may have reached Tencent. Not sent again."
)
#: The errmsg of a queued row whose task was lost twice.
LOST = "Its task was lost, and again after it was queued again: never sent."

#: ``STALE_AFTER``'s default.
DEFAULT_STALE_AFTER = 600

#: The statuses a row leaves on its own unless its process dies or its task is lost.
IN_PROGRESS = (Status.QUEUED, Status.SENDING, Status.PENDING)


#: The longest ``STALE_AFTER``: a week. A row stuck longer than that has been forgotten, and
#: a larger number would overflow the dates it is subtracted from.
MAX_STALE_AFTER = 7 * 24 * 3600

#: The longest ``--older-than``: a century, whatever is older is in it too.
MAX_OLDER_THAN = 100 * 365 * 24 * 3600


def stale_after_problem(value: Any) -> str | None:
    """Why ``value`` is not a usable ``STALE_AFTER`` (a whole number of seconds from 1 to
    ``MAX_STALE_AFTER``), or ``None``. Never raises, whatever ``value`` is."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_STALE_AFTER:
        return None
    try:
        shown = repr(value)[:80]
    except Exception:  # a repr that raises: say what it is instead
        shown = f"a {type(value).__name__}"
    return (
        f"TENCENT_SMS['STALE_AFTER'] must be a whole number of seconds from 1 to "
        f"{MAX_STALE_AFTER} (a week), not {shown}."
    )


def stale_after() -> int:
    """``TENCENT_SMS["STALE_AFTER"]``: seconds, a positive int; ``ConfigurationError`` (never
    another exception) when the setting holds anything else."""
    value = sms_settings.STALE_AFTER
    problem = stale_after_problem(value)
    if problem is not None:
        raise ConfigurationError(problem)
    return int(value)


def since_before(cutoff: datetime) -> Q:
    """Rows in their current state since before ``cutoff``: taken by a worker before it, or
    (never taken) queued again before it, or (neither) created before it."""
    return (
        Q(claimed_at__lt=cutoff)
        | Q(claimed_at__isnull=True, requeued_at__lt=cutoff)
        | Q(claimed_at__isnull=True, requeued_at__isnull=True, created_at__lt=cutoff)
    )


def stale_condition(cutoff: datetime) -> Q:
    """The rows stuck since before ``cutoff``: in progress, and in that state since before it
    (``since_before``)."""
    return Q(since_before(cutoff), status__in=IN_PROGRESS)


def is_stale(log: SmsLog, now: datetime, seconds: int) -> bool:
    """Whether ``log`` is stuck at ``now``, ``seconds`` after it should have moved on."""
    if log.status not in IN_PROGRESS:
        return False
    since = log.claimed_at or log.requeued_at or log.created_at
    return since < now - timedelta(seconds=seconds)


@dataclass
class Recovery:
    """What ``recover`` did (or, dry, would do): the ids of the rows, by what became of them."""

    unknown: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.unknown or self.requeued or self.failed)


def recover(
    *,
    requeue: Callable[[int], bool],
    requeue_batch: Callable[[list[int]], bool],
    older_than: int | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> Recovery:
    """Deal with the rows stuck for more than ``older_than`` seconds (``STALE_AFTER``).

    ``pending``/``sending`` → ``unknown``; ``queued`` never queued again → ``requeue(id)`` (a
    single message) or ``requeue_batch(ids)`` (at most 200 rows of one bulk send, all domestic
    or all international), each returning whether the task framework took it (a refused task
    leaves its rows ``failed``, as ``tasks`` does); ``queued`` queued again more than
    ``STALE_AFTER`` ago (however short ``older_than``) → ``failed``. A ``sending`` row is stuck
    that long after a worker took it, not after it was queued (``since_before``). Every change
    is a conditional UPDATE: a worker that gets to a row meanwhile wins. ``dry_run`` changes
    nothing and says what would change. An unusable ``STALE_AFTER`` or ``older_than`` raises
    ``ConfigurationError`` before anything is read.
    """
    setting = stale_after()
    if older_than is not None and (
        not isinstance(older_than, int)
        or isinstance(older_than, bool)
        or not 0 <= older_than <= MAX_OLDER_THAN
    ):
        raise ConfigurationError(
            f"The cut-off must be a whole number of seconds from 0 to {MAX_OLDER_THAN}."
        )
    seconds = setting if older_than is None else older_than
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=seconds)
    # A task queued again gets STALE_AFTER to be taken, whatever older_than says: a run with
    # a short cut-off right after the last must not fail what that one just queued.
    grace_cutoff = now - timedelta(seconds=max(seconds, setting))
    using = router.db_for_write(SmsLog)
    rows = SmsLog.objects.using(using)
    done = Recovery()

    may_have_left = rows.filter(since_before(cutoff), status__in=[Status.PENDING, Status.SENDING])
    lost_again = rows.filter(status=Status.QUEUED, requeued_at__lt=grace_cutoff)
    lost = rows.filter(status=Status.QUEUED, requeued_at__isnull=True, created_at__lt=cutoff)
    if dry_run:
        done.unknown = _ids(may_have_left)
        done.failed = _ids(lost_again)
        done.requeued = _ids(lost)
        return done

    for status in (Status.PENDING, Status.SENDING):
        ids = _ids(may_have_left.filter(status=status))
        if ids and rows.filter(pk__in=ids, status=status).update(
            status=Status.UNKNOWN,
            errmsg=MAY_HAVE_LEFT.format(status=status, seconds=seconds),
            finished_at=now,
        ):
            # Those a worker finished meanwhile are not ours to report.
            done.unknown += _ids(rows.filter(pk__in=ids, status=Status.UNKNOWN, finished_at=now))
    ids = _ids(lost_again)
    if ids and rows.filter(pk__in=ids, status=Status.QUEUED).update(
        status=Status.FAILED, errmsg=LOST, finished_at=now
    ):
        done.failed = _ids(rows.filter(pk__in=ids, status=Status.FAILED, finished_at=now))

    skip_locked = connections[using].features.has_select_for_update_skip_locked
    with transaction.atomic(using=using):
        # Locked, so that two runs at once do not both enqueue a row (where the database locks).
        taken = list(
            lost.select_for_update(skip_locked=skip_locked)
            .order_by("batch", "pk")
            .values_list("pk", "batch", "phone")
        )
        rows.filter(pk__in=[pk for pk, _, _ in taken], requeued_at__isnull=True).update(
            requeued_at=now
        )
    for batch, group in groupby(taken, key=lambda row: row[1]):
        members = list(group)
        if batch is None:
            for pk, _batch, _phone in members:
                (done.requeued if requeue(pk) else done.failed).append(pk)
            continue
        # As queue_bulk made them: domestic and international apart, at most 200 a request.
        for domestic in (True, False):
            kind = [pk for pk, _b, phone in members if _domestic(phone) == domestic]
            for start in range(0, len(kind), BATCH_SIZE):
                ids = kind[start : start + BATCH_SIZE]
                (done.requeued if requeue_batch(ids) else done.failed).extend(ids)
    done.requeued.sort()
    done.failed.sort()
    if done:
        logger.warning(
            "Stuck SMS rows recovered: %d marked unknown (ids %s), %d queued again (ids %s), "
            "%d marked failed (ids %s)",
            len(done.unknown),
            _listed(done.unknown),
            len(done.requeued),
            _listed(done.requeued),
            len(done.failed),
            _listed(done.failed),
        )
    return done


class NowAndThen:
    """``recover`` at most once per ``STALE_AFTER`` seconds in this process (the first call
    runs it): what the task workers call after each task. Its failures are logged, never
    raised into the task."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.next_run: float | None = None
        self.lock = threading.Lock()

    def __call__(self, **kwargs: Any) -> Recovery | None:
        now = self.clock()
        with self.lock:
            if self.next_run is not None and now < self.next_run:
                return None
            self.next_run = now + DEFAULT_STALE_AFTER
        try:
            self.next_run = now + stale_after()
            return recover(**kwargs)
        except ConfigurationError as exc:  # manage.py check says so too (E028)
            logger.error("Recovering stuck SMS rows failed: %s", exc)
            return None
        except Exception:
            logger.exception("Recovering stuck SMS rows failed; the next task tries again later")
            return None


def _ids(queryset: Any) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True))


def _domestic(phone: Any) -> bool:
    return getattr(phone, "country_code", None) == DOMESTIC


def _listed(ids: list[int], most: int = 50) -> str:
    shown = ", ".join(str(pk) for pk in ids[:most])
    return f"{shown}, …" if len(ids) > most else shown or "-"
