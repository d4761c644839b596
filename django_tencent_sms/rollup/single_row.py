"""The send log's ``row_tracking`` for ``rows.RowWriter``: one row updated in a guarded ``UPDATE``.

A send writes its row twice: the insert, then the outcome. After the insert the row's bucket
values are known (``BELIEVED`` on the instance), so the outcome's ``UPDATE`` carries them in its
``WHERE``: if the row still has them, that one statement both writes it and proves what it moved
from, and the rollup gets one upsert. If another writer changed the row in between (a recovery
marking it ``unknown``, a purge), the guarded ``UPDATE`` matches nothing and the row is written
the careful way: locked, read, written, moved (``tracking.changing``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, transaction

from django_tencent_sms.rollup.buckets import BELIEVED, COLUMNS, tally
from django_tencent_sms.rollup.store import add
from django_tencent_sms.rollup.tracking import (
    changing,
    inserting,
    manager,
    of_objects,
    touches,
    updating,
)

# What rows.RowWriter asks of a model's ``row_tracking``: this module.
__all__ = ["inserting", "update_row", "updating"]

#: Runs the row's ``UPDATE`` with an extra ``WHERE`` text and its parameters; the rows matched.
Execute = Callable[[str, list[Any]], int]


def _guard(model: Any, believed: tuple[Any, ...], connection: Any) -> tuple[str, list[Any]]:
    quote = connection.ops.quote_name
    same = "IS" if connection.vendor == "sqlite" else "IS NOT DISTINCT FROM"
    parts, params = [], []
    for column, value in zip(COLUMNS[1:], believed[1:], strict=True):
        field = model._meta.get_field(
            column.removesuffix("_id") if column == "template_id" else column
        )
        db_type = "bigint" if column == "template_id" else field.db_type(connection)
        # PostgreSQL types a NULL parameter by its cast; SQLite's CAST would turn text dates
        # into numbers, and its IS needs none.
        value_sql = "%s" if connection.vendor == "sqlite" else f"CAST(%s AS {db_type})"
        parts.append(f"{quote(field.column)} {same} {value_sql}")
        params.append(field.get_db_prep_value(value, connection) if value is not None else None)
    return " AND " + " AND ".join(parts), params


def update_row(obj: Any, fields: Sequence[str], using: str, execute: Execute) -> int:
    """Write ``fields`` of the saved log row ``obj`` through ``execute``, moving its bucket."""
    if not touches(fields):
        return execute("", [])
    connection = connections[using]
    with transaction.atomic(using=using, savepoint=False):
        believed = getattr(obj, BELIEVED, None)
        if believed is not None and believed[0] == obj.pk:
            where, params = _guard(type(obj), believed, connection)
            if execute(where, params):
                after = of_objects([obj], fields)([believed])
                add(tally(after, 1, tally([believed], -1)), using)
                setattr(obj, BELIEVED, after[0])
                return 1
        with changing(manager(using).filter(pk=obj.pk), using) as change:
            updated = execute("", [])
            change.after = of_objects([obj], fields)
        if hasattr(obj, BELIEVED):
            delattr(obj, BELIEVED)
        return updated
