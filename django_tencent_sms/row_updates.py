"""Writing fields of many saved rows at once, with SQL written here rather than ``bulk_update``'s.

``update_many`` (``RowWriter.update_many``) writes fields whose values differ from row to row in
one ``UPDATE … FROM (VALUES …)`` per chunk of rows, instead of ``bulk_update``'s ``CASE WHEN``
per row and field, which costs the ORM far more to build than the database to run.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from sqlite3 import sqlite_version_info
from typing import TYPE_CHECKING, Any

from django.db import connections, router, transaction
from django.db.models import Field, Model

__all__ = ["update_many", "writable"]

#: The databases whose ``UPDATE … FROM`` ``update_many`` writes itself.
FAST_VENDORS = frozenset({"postgresql", "sqlite"})

if TYPE_CHECKING:
    _Field = Field[Any, Any]


def writable(model: type[Model], names: Sequence[str]) -> list[_Field] | None:
    """The fields of ``model`` called ``names``, when an ``UPDATE`` of them can be written here:
    columns of the model's own table (not the key), each taking a plain ``%s`` and a value from
    Python. None otherwise (the other side of a relation, a database default, a generated
    field…): ``bulk_update`` writes those, or refuses them."""
    if model._meta.parents:
        return None
    fields = []
    for name in names:
        field = model._meta.get_field(name)
        if (
            not isinstance(field, Field)
            or field.column is None
            or not field.concrete
            or field.primary_key
            # get_placeholder_sql from Django 6.0, get_placeholder before it.
            or hasattr(field, "get_placeholder")
            or hasattr(field, "get_placeholder_sql")
            or getattr(field, "generated", False)
            or field.has_db_default()
        ):
            return None
        fields.append(field)
    return fields


def _tracked(
    model: type[Model], objs: Sequence[Model], fields: Sequence[str], using: str
) -> AbstractContextManager[Any]:
    """The model's ``row_tracking.updating`` around a write, if it has one."""
    tracker = getattr(model, "row_tracking", None)
    if tracker is None:
        return nullcontext()
    return tracker.updating(objs, fields, using)


def _column(field: _Field) -> str:
    if field.column is None:  # cannot happen: writable() keeps no such field
        raise TypeError(f"{field!r} has no column")
    return field.column


def update_many(
    model: type[Model], objs: Sequence[Model], fields: Sequence[str], using: str | None = None
) -> int:
    """Write ``fields`` of the saved ``objs``, as ``bulk_update`` does, and return the number of
    rows matched: one ``UPDATE … FROM (VALUES …)`` per chunk of rows. ``bulk_update`` is used
    where this cannot be: other databases, SQLite before 3.33 (no ``UPDATE … FROM``), unusual
    fields. Several chunks are written in one transaction, as ``bulk_update`` writes them."""
    if not objs:
        return 0
    using = using or router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    model_fields = writable(model, fields)
    if model_fields is None or not (
        connection.vendor in FAST_VENDORS
        and (connection.vendor != "sqlite" or sqlite_version_info >= (3, 33))
    ):
        return model._base_manager.using(using).bulk_update(objs, fields)
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), meta.pk
    if connection.vendor == "postgresql":
        names = ["pk", *(f"v{i}" for i in range(len(model_fields)))]
        alias = f"v({', '.join(names)})"
        # VALUES guesses each column's type from its values (text for all-NULL, say):
        # cast to the column's own type, as the ORM's placeholders would have typed them.
        values = [
            f"CAST(v.{n} AS {f.db_type(connection)})"
            for n, f in zip(names[1:], model_fields, strict=True)
        ]
    else:  # SQLite names a VALUES list's columns column1, column2…
        names = [f"column{i + 1}" for i in range(len(model_fields) + 1)]
        alias = "v"
        values = [f"v.{n}" for n in names[1:]]
    assignments = ", ".join(
        f"{quote(_column(f))} = {value}" for f, value in zip(model_fields, values, strict=True)
    )
    row = f"({', '.join(['%s'] * len(names))})"
    size = max(1, (connection.features.max_query_params or 65535) // len(names))
    updated = 0
    with (
        transaction.atomic(using=using, savepoint=False),
        _tracked(model, objs, fields, using),
        connection.cursor() as cursor,
    ):
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params: list[Any] = []
            for obj in chunk:
                params.append(obj.pk)
                params.extend(
                    f.get_db_prep_save(f.pre_save(obj, False), connection) for f in model_fields
                )
            cursor.execute(
                # Quoted names from the model's meta; every value is a parameter.
                f"UPDATE {table} SET {assignments} "  # noqa: S608
                f"FROM (VALUES {', '.join([row] * len(chunk))}) AS {alias} "
                f"WHERE {table}.{quote(_column(pk))} = v.{names[0]}",
                params,
            )
            updated += cursor.rowcount
    return updated
