"""Recording an answer Tencent accepted when the database refuses it: once more, then ``unknown``.

After an accepted send the row update must not be lost: a dropped connection or a database
restart between the insert and the update would leave the row ``pending``/``sending`` although
the message went out. ``record_accepted`` runs the update; if the database refuses it, it closes
the connection of the rows' database if that is broken (the next query opens a new one) and runs
it once more. Inside an ``atomic`` block a connection cannot be replaced without losing the caller's
transaction: there the update is run once more as it is (which a broken transaction refuses
again). If the second attempt fails too, a last minimal ``UPDATE`` marks the rows ``unknown``
(never resent) where the database takes it, and the caller writes the ERROR line an operator
repairs the rows from. Nothing here sends anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.db import connections, router

from django_tencent_sms.models import SmsLog

__all__ = ["UNRECORDED", "database_error", "mark_unrecorded", "reconnect", "record_accepted"]

logger = logging.getLogger("django_tencent_sms")

Status = SmsLog.Status

#: The errmsg of a row whose accepted answer could not be recorded (then ``unknown``).
UNRECORDED = (
    "Accepted by Tencent, but the answer could not be recorded: its sid and fee are in the "
    "ERROR log line with this row's id. Not sent again."
)

#: What ``report`` is called with when both attempts failed: the first and the second error as
#: ``database_error`` describes them (never their text) and whether the rows were marked
#: ``unknown``.
Report = Callable[[str, str, bool], None]


def record_accepted(write: Callable[[], object], rows: Sequence[SmsLog], report: Report) -> None:
    """Run ``write``, the update of the saved ``rows`` after Tencent accepted (some of) them.

    If the database refuses it, ``write`` runs once more on a fresh connection (see the module).
    If that fails too, the rows still ``pending`` or ``sending`` in the database are marked
    ``unknown`` (in memory too), ``report`` is called, and the first error is raised.
    """
    try:
        write()
        return
    except Exception as exc:
        first = exc
    using = rows[0]._state.db or router.db_for_write(SmsLog)
    logger.warning(
        "%d SMS accepted by Tencent could not be recorded (%s); trying once more",
        len(rows),
        database_error(first),
    )
    reconnect(using)
    try:
        write()
    except Exception as exc:
        second = exc
    else:
        logger.warning("%d SMS accepted by Tencent recorded on a second attempt", len(rows))
        return
    marked = mark_unrecorded(rows, using)
    report(database_error(first), database_error(second), marked)
    raise first


def reconnect(using: str) -> None:
    """Close the connection to ``using`` if it is broken, so that the next query opens a new one
    (Django's own test, as between requests); not inside an ``atomic`` block, whose transaction
    would be lost. A usable connection is kept: closing it would only add a reconnection to a
    database that is busy (SQLite's "database is locked")."""
    connection = connections[using]
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def mark_unrecorded(rows: Sequence[SmsLog], using: str) -> bool:
    """Mark those of ``rows`` still ``pending`` or ``sending`` ``unknown``, in one minimal
    ``UPDATE``; whether the database took it."""
    try:
        SmsLog.objects.using(using).filter(
            pk__in=[row.pk for row in rows], status__in=[Status.PENDING, Status.SENDING]
        ).update(status=Status.UNKNOWN, errmsg=UNRECORDED)
    except Exception:
        return False
    for row in rows:
        row.status, row.errmsg = Status.UNKNOWN, UNRECORDED
    return True


def database_error(exc: BaseException) -> str:
    """What a log line may say of a database error: its class and SQLSTATE, never its text,
    which can quote the values of the row (a number, the parameters)."""
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    name = type(exc).__name__
    return f"{name}, SQLSTATE {state}" if state else name
