"""The send log's ``row_tracking.update_rows``: a bulk batch's outcome and its buckets' move in one
statement, on PostgreSQL.

A batch's rows are inserted together (``RowWriter.insert_many``), which leaves each row's bucket
values known (``BELIEVED``), and their outcomes are written together (``sending.records``).
When every row's values are known, one ``UPDATE`` writes the outcomes of the rows that still
hold them (a guard per row, as ``single_row`` guards one) and returns their keys, and the same
statement moves exactly those rows between buckets (``fused.for_batch``): no lock taken
beforehand, no read, no transaction of its own. A row another writer changed in between (a
recovery marking it ``unknown``, a purge) is not matched, and is written the careful way
afterwards: locked, read, written, moved (``tracking.changing``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections

from django_tencent_sms.rollup import fused
from django_tencent_sms.rollup.buckets import BELIEVED, COLUMNS
from django_tencent_sms.rollup.tracking import changing, manager, of_objects, touches

__all__ = ["bucket_fields", "update_rows"]

Row = tuple[Any, ...]


def bucket_fields(model: Any, connection: Any) -> list[tuple[Any, str]]:
    """The log's fields a bucket depends on (``COLUMNS`` after the key), each with the type its
    believed value is compared as."""
    fields = []
    for column in COLUMNS[1:]:
        field = model._meta.get_field(
            column.removesuffix("_id") if column == "template_id" else column
        )
        fields.append((field, "bigint" if column == "template_id" else field.db_type(connection)))
    return fields


def update_rows(
    objs: Sequence[Any], fields: Sequence[str], using: str, prepare: Callable[[], Any]
) -> int | None:
    """Write ``fields`` of the saved log rows ``objs`` through the ``row_updates.Batch`` that
    ``prepare`` makes, moving their buckets, and return the number of rows written; None, with
    nothing written, unless the database takes the one statement (PostgreSQL) and every row's
    bucket values are known."""
    if not fused.fusing(connections[using]):
        return None
    if len({obj.pk for obj in objs}) != len(objs) or not all(
        (getattr(obj, BELIEVED, None) or (None,))[0] == obj.pk for obj in objs
    ):
        return None
    batch = prepare()
    rows = batch.objs
    if not touches(fields):
        return len(batch.write())
    before: list[Row] = [getattr(obj, BELIEVED) for obj in rows]
    after = of_objects(rows, fields)(before)
    model = type(rows[0])
    connection = connections[using]
    expected = [
        (field, kind.split("(")[0], [row[n] for row in before])
        for n, (field, kind) in enumerate(bucket_fields(model, connection), 1)
    ]
    key = connection.ops.quote_name(model._meta.pk.column)
    written = set(
        batch.write(expected=expected, wrap=fused.for_batch(before, after, key, connection))
    )
    rest = []
    for n, (obj, row) in enumerate(zip(rows, after, strict=True)):
        if obj.pk in written:
            setattr(obj, BELIEVED, row)
        else:
            rest.append(n)
    if not rest:
        return len(written)
    return len(written) + _carefully(batch, rest, fields, using)


def _carefully(batch: Any, rest: list[int], fields: Sequence[str], using: str) -> int:
    """The rows of ``batch`` at ``rest`` changed since they were written here: lock them, read
    them, write them, move them. They are then believed at their new values (the values read
    under the lock, with ``fields`` written); a row gone is believed at nothing."""
    objs = [batch.objs[n] for n in rest]
    with changing(manager(using).filter(pk__in=[obj.pk for obj in objs]), using) as change:
        written = len(batch.write(only=rest))
        after = of_objects(objs, fields)(change.before)
        change.after = lambda _before: after
    now = {row[0]: row for row in after}
    for obj in objs:
        if obj.pk in now:
            setattr(obj, BELIEVED, now[obj.pk])
        elif hasattr(obj, BELIEVED):
            delattr(obj, BELIEVED)
    return written
