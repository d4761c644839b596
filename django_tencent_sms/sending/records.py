"""Writing the send log in few queries: a message's row by ``log_rows``, a batch's rows at once.

A single send writes its row with ``log_rows`` (``rows.RowWriter``: SQL built once). A batch's
rows are inserted with one statement (``RowWriter.insert_many``) and their outcomes written
with one more on PostgreSQL (``row_updates.update_fused``), elsewhere with one ``UPDATE`` for
the values they all share and one ``UPDATE … FROM (VALUES …)`` for those that differ (the
``sid``…): a few queries per batch, none per row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from django_tencent_sms.models import SmsLog
from django_tencent_sms.row_updates import update_fused
from django_tencent_sms.rows import RowWriter
from django_tencent_sms.sending.outcome import not_sent_errmsg
from django_tencent_sms.sending.recording import database_error
from django_tencent_sms.sending.summary import BulkSummary

__all__ = ["create_rows", "log_rows", "mark_not_sent", "save_rows"]

logger = logging.getLogger("django_tencent_sms")

#: The log's two writes per message, with their SQL built once (see ``rows``).
log_rows = RowWriter(SmsLog)


def create_rows(rows: list[SmsLog]) -> None:
    """Insert ``rows`` in one statement (a few on SQLite), with their primary keys set: as
    ``bulk_create`` would, with the values the rows share prepared once (``RowWriter``)."""
    using = router.db_for_write(SmsLog)
    if log_rows.insert_many(rows, using=using):
        return
    if connections[using].features.can_return_rows_from_bulk_insert:
        SmsLog.objects.using(using).bulk_create(rows)
    else:  # bulk_create would leave the pks unset, and save_rows needs them
        with transaction.atomic(using=using):
            for row in rows:
                row.save(using=using, force_insert=True)


def save_rows(rows: Sequence[SmsLog], fields: Sequence[str]) -> None:
    """Write ``fields`` of the saved ``rows``.

    On PostgreSQL, rows whose buckets the rollup knows (those ``create_rows`` inserted) are
    written with their buckets' move in one statement (``row_updates.update_fused``). Otherwise:
    one UPDATE for the values they all share, one ``UPDATE … FROM (VALUES …)`` for the others
    (``RowWriter.update_many``; Django's ``bulk_update`` builds a CASE per row and field, which
    costs more than the database's work)."""
    using = rows[0]._state.db or router.db_for_write(SmsLog)
    if update_fused(SmsLog, rows, fields, using) is not None:
        return
    shared: dict[str, Any] = {}
    varying: list[str] = []
    for name in fields:
        first = getattr(rows[0], name)
        if all(getattr(row, name) == first for row in rows):
            shared[name] = first
        else:
            varying.append(name)
    with transaction.atomic(using=using, savepoint=False):
        if shared:
            SmsLog.objects.using(using).filter(pk__in=[row.pk for row in rows]).update(**shared)
        if varying:
            log_rows.update_many(rows, varying, using=using)


def mark_not_sent(rows: list[SmsLog], exc: BaseException, summary: BulkSummary) -> None:
    """Mark the saved ``rows`` of a batch whose request never left ``failed``, saying why."""
    errmsg = not_sent_errmsg(exc)
    try:
        SmsLog.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=SmsLog.Status.FAILED, errmsg=errmsg, finished_at=timezone.now()
        )
    except Exception as exc:
        logger.error(
            "Bulk send %s stopped; %d numbers not sent could not be marked failed (ids %s): %s",
            summary.batch,
            len(rows),
            ", ".join(str(row.pk) for row in rows),
            database_error(exc),
        )
        return
    for row in rows:
        row.status, row.errmsg = SmsLog.Status.FAILED, errmsg
    summary.failed += len(rows)
