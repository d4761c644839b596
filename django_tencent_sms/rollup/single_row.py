"""The send log's ``row_tracking`` for ``rows.RowWriter``: one row updated in a guarded ``UPDATE``.

A send writes its row twice: the insert, then the outcome. After the insert the row's bucket
values are known (``BELIEVED`` on the instance), so the outcome's ``UPDATE`` carries them in its
``WHERE``: if the row still has them, that one statement both writes it and proves what it moved
from, and the rollup gets one upsert. If another writer changed the row in between (a recovery
marking it ``unknown``, a purge), the guarded ``UPDATE`` matches nothing and the row is written
the careful way: locked, read, written, moved (``tracking.changing``).

On PostgreSQL the guarded ``UPDATE`` and the upsert are one statement, as is the insert and its
upsert (``fused``): no transaction of their own, one round trip each. So is a bulk batch's
outcome, all its rows at once (``many_rows.update_rows``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from django.db import connections, transaction

from django_tencent_sms.rollup import fused
from django_tencent_sms.rollup.buckets import BELIEVED, believe, tally
from django_tencent_sms.rollup.many_rows import bucket_fields, update_rows
from django_tencent_sms.rollup.store import add
from django_tencent_sms.rollup.tracking import (
    changing,
    inserting,
    manager,
    of_objects,
    touches,
    updating,
)

# What rows.RowWriter and row_updates ask of a model's ``row_tracking``: this module (a batch's
# outcome: ``many_rows``).
__all__ = ["fused_insert", "inserting", "update_row", "update_rows", "updating"]

#: Runs the row's ``UPDATE`` with an extra ``WHERE`` text and its parameters, inside the
#: statement ``Wrap`` if any; the rows matched.
Execute = Callable[[str, list[Any], "fused.Wrap | None"], int]


#: The guard's text by (database alias, model): the same on every send.
_guards: dict[tuple[str, str], tuple[str, list[Any]]] = {}


def _guard(model: Any, believed: tuple[Any, ...], connection: Any) -> tuple[str, list[Any]]:
    key = (connection.alias, model._meta.label)
    built = _guards.get(key)
    if built is None:
        quote = connection.ops.quote_name
        same = "IS" if connection.vendor == "sqlite" else "IS NOT DISTINCT FROM"
        typed = bucket_fields(model, connection)
        # PostgreSQL types a NULL parameter by its cast; SQLite's CAST would turn text dates
        # into numbers, and its IS needs none.
        parts = [
            f"{quote(field.column)} {same} "
            + ("%s" if connection.vendor == "sqlite" else f"CAST(%s AS {db_type})")
            for field, db_type in typed
        ]
        built = _guards[key] = (" AND " + " AND ".join(parts), [f for f, _type in typed])
    where, fields = built
    params = [
        field.get_db_prep_value(value, connection) if value is not None else None
        for field, value in zip(fields, believed[1:], strict=True)
    ]
    return where, params


def update_row(obj: Any, fields: Sequence[str], using: str, execute: Execute) -> int:
    """Write ``fields`` of the saved log row ``obj`` through ``execute``, moving its bucket."""
    if not touches(fields):
        return execute("", [], None)
    connection = connections[using]
    believed: tuple[Any, ...] = getattr(obj, BELIEVED, None) or ()
    known = bool(believed) and believed[0] == obj.pk
    if known and fused.fusing(connection):
        # One statement: the guarded UPDATE and, if it matched, the buckets' move.
        after = of_objects([obj], fields)([believed])
        where, params = _guard(type(obj), believed, connection)
        if execute(
            where, params, fused.for_update(tally(after, 1, tally([believed], -1)), connection)
        ):
            setattr(obj, BELIEVED, after[0])
            return 1
        return _carefully(obj, fields, using, execute)
    with transaction.atomic(using=using, savepoint=False):
        if known:
            where, params = _guard(type(obj), believed, connection)
            if execute(where, params, None):
                after = of_objects([obj], fields)([believed])
                add(tally(after, 1, tally([believed], -1)), using)
                setattr(obj, BELIEVED, after[0])
                return 1
        return _carefully(obj, fields, using, execute)


def _carefully(obj: Any, fields: Sequence[str], using: str, execute: Execute) -> int:
    """The row changed since it was written here (or was not written here): lock it, read
    it, write it, move it."""
    with changing(manager(using).filter(pk=obj.pk), using) as change:
        updated = execute("", [], None)
        change.after = of_objects([obj], fields)
    if hasattr(obj, BELIEVED):
        delattr(obj, BELIEVED)
    return updated


def fused_insert(
    objs: Sequence[Any], connection: Any
) -> tuple[fused.Wrap, AbstractContextManager[None]] | None:
    """On PostgreSQL, the statement around the ``INSERT … RETURNING`` of ``objs`` that also
    adds them to the rollup, and the block to run it in; else None (``inserting`` then)."""
    wrap = fused.for_insert(objs, connection)
    return None if wrap is None else (wrap, _believing(objs))


@contextmanager
def _believing(objs: Sequence[Any]) -> Iterator[None]:
    yield
    believe(objs)
