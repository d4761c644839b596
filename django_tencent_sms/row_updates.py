"""Writing fields of many saved rows at once, with SQL written here rather than ``bulk_update``'s.

``update_many`` (``RowWriter.update_many``) writes fields whose values differ from row to row in
one ``UPDATE … FROM (VALUES …)`` per chunk of rows, instead of ``bulk_update``'s ``CASE WHEN``
per row and field, which costs the ORM far more to build than the database to run.

``update_fused`` (PostgreSQL) writes a batch's fields in ONE statement: a value every row shares
is one parameter, the others one array per field (``UNNEST``), so the statement stays short
whatever the number of rows. It is for a model whose ``row_tracking`` offers ``update_rows``
(the send log's: ``rollup.many_rows``): that decides whether the batch can be written so,
may guard the ``UPDATE`` with the values it expects each row to still hold, and may wrap it in
a statement of its own (the rollup's change), all through a ``Batch``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from sqlite3 import sqlite_version_info
from typing import TYPE_CHECKING, Any

from django.db import connections, router, transaction
from django.db.models import Field, Model

from django_tencent_sms.plain_values import value_key

__all__ = [
    "FAST_VENDORS",
    "Batch",
    "Expected",
    "Wrap",
    "column",
    "plain",
    "update_fused",
    "update_many",
    "writable",
]

#: The databases whose SQL the log writers write themselves (``RowWriter``'s
#: ``INSERT … RETURNING``, ``update_many``'s ``UPDATE … FROM``), and are tested on.
FAST_VENDORS = frozenset({"postgresql", "sqlite"})

#: The statement around a write: (text before it, text after it, the parameters after it).
Wrap = tuple[str, str, list[Any]]

if TYPE_CHECKING:
    _Field = Field[Any, Any]

#: What each row must still hold to be written: (field, SQL type, a value per row of
#: ``Batch.objs``, in its order).
Expected = Sequence[tuple["_Field", str, list[Any]]]


def plain(fields: Sequence[_Field]) -> bool:
    """Whether every field takes a plain ``%s`` and a value from Python."""
    return not any(
        # get_placeholder_sql from Django 6.0, get_placeholder before it.
        hasattr(field, "get_placeholder")
        or hasattr(field, "get_placeholder_sql")
        or getattr(field, "generated", False)
        or field.has_db_default()
        for field in fields
    )


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
        ):
            return None
        fields.append(field)
    return fields if plain(fields) else None


def _tracked(
    model: type[Model], objs: Sequence[Model], fields: Sequence[str], using: str
) -> AbstractContextManager[Any]:
    """The model's ``row_tracking.updating`` around a write, if it has one."""
    tracker = getattr(model, "row_tracking", None)
    if tracker is None:
        return nullcontext()
    return tracker.updating(objs, fields, using)


def column(field: _Field) -> str:
    """The column of a field of the model's own table (``writable`` keeps no other)."""
    if field.column is None:
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
        f"{quote(column(f))} = {value}" for f, value in zip(model_fields, values, strict=True)
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
                f"WHERE {table}.{quote(column(pk))} = v.{names[0]}",
                params,
            )
            updated += cursor.rowcount
    return updated


def _kind(field: _Field, connection: Any) -> str:
    """The column's type without its modifier (``varchar``, not ``varchar(16)``): a ``CAST`` to
    the full type would cut a long value short instead of refusing it."""
    return str(field.db_type(connection) or "").split("(")[0]


def _saved(field: _Field, connection: Any) -> Callable[[Any], Any]:
    """A value as ``save`` sends it for ``field``."""
    return lambda value: field.get_db_prep_save(value, connection)


def _compared(field: _Field, connection: Any) -> Callable[[Any], Any]:
    """A value ``field`` is expected to hold, as a parameter (NULL as itself)."""
    return lambda value: None if value is None else field.get_db_prep_value(value, connection)


class _Values:
    """One column of a ``Batch``: the value every row shares, or one per row."""

    __slots__ = ("kind", "rows", "shared")

    def __init__(self, kind: str, raw: list[Any], prepare: Callable[[Any], Any]) -> None:
        self.kind = kind
        first = raw[0]
        # Shared only when every value is the same object or the same plain value, compared
        # with its type (as a list's items: [1] and [True] are equal, but not the same JSON).
        key = value_key(first)
        if all(value is first or (key is not None and value_key(value) == key) for value in raw):
            self.shared: Any = prepare(first)
            self.rows: list[Any] | None = None
        else:
            self.shared = None
            self.rows = [prepare(value) for value in raw]


class Batch:
    """The ``UPDATE`` of ``fields`` of the saved ``objs`` on PostgreSQL, their values prepared
    once (as ``save`` prepares them: ``pre_save``, ``get_db_prep_save``). ``objs`` holds them
    in key order, the order ``SELECT … FOR UPDATE`` locks rows in elsewhere."""

    def __init__(
        self, model: type[Model], objs: Sequence[Model], fields: Sequence[_Field], connection: Any
    ) -> None:
        self.model = model
        self.objs = sorted(objs, key=lambda obj: obj.pk)
        self.connection = connection
        self.fields = list(fields)
        self.columns = [
            _Values(
                _kind(field, connection),
                [field.pre_save(obj, False) for obj in self.objs],
                _saved(field, connection),
            )
            for field in fields
        ]

    def write(
        self, only: Sequence[int] | None = None, expected: Expected = (), wrap: Wrap | None = None
    ) -> list[Any]:
        """Write the rows (those of ``objs`` at the indexes ``only``) that still hold the values
        ``expected``, in one statement, inside ``wrap``'s if any; return the keys of the rows
        written (what ``wrap``'s statement returns, then)."""
        connection = self.connection
        indexes = range(len(self.objs)) if only is None else only
        quote = connection.ops.quote_name
        meta = self.model._meta
        table = quote(meta.db_table)
        key = f"{table}.{quote(column(meta.pk))}"
        arrays = [f"(%s)::{_kind(meta.pk, connection)}[]"]
        names = ["pk"]
        set_params: list[Any] = []
        array_params: list[Any] = [[self.objs[i].pk for i in indexes]]
        where_params: list[Any] = []

        def ref(values: _Values, name: str, scalars: list[Any]) -> str:
            # A shared value is one parameter; the others an array, a column of v.
            if values.rows is None:
                scalars.append(values.shared)
                return f"CAST(%s AS {values.kind})"
            rows = values.rows
            arrays.append(f"(%s)::{values.kind}[]")
            names.append(name)
            array_params.append([rows[i] for i in indexes])
            return f"v.{name}"

        assignments = ", ".join(
            f"{quote(column(field))} = {ref(values, f'c{n}', set_params)}"
            for n, (field, values) in enumerate(zip(self.fields, self.columns, strict=True))
        )
        guards = []
        for n, (field, kind, raw) in enumerate(expected):
            values = _Values(kind, raw, _compared(field, connection))
            held = f"{table}.{quote(column(field))}"
            guards.append(f" AND {held} IS NOT DISTINCT FROM {ref(values, f'g{n}', where_params)}")
        sql = (
            # Quoted names and types from the model's meta; every value is a parameter.
            f"UPDATE {table} SET {assignments} "  # noqa: S608
            f"FROM (SELECT * FROM UNNEST({', '.join(arrays)}) AS u({', '.join(names)})) AS v "
            f"WHERE {key} = v.pk{''.join(guards)} RETURNING {key}"
        )
        params = set_params + array_params + where_params
        if wrap is not None:
            sql, params = wrap[0] + sql + wrap[1], params + wrap[2]
        with (
            transaction.mark_for_rollback_on_error(connection.alias),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
            return [written for (written,) in cursor.fetchall()]


def update_fused(
    model: type[Model], objs: Sequence[Model], fields: Sequence[str], using: str
) -> int | None:
    """On PostgreSQL, write ``fields`` of the saved ``objs`` in one statement, with what the
    model's ``row_tracking.update_rows`` adds to it, and return the number of rows written; None,
    with nothing written, where that cannot be done (another database, a model without
    ``update_rows``, a field ``writable`` refuses or without a type for ``UNNEST``, or
    ``update_rows`` declining the rows)."""
    update_rows = getattr(getattr(model, "row_tracking", None), "update_rows", None)
    connection = connections[using]
    if not objs or update_rows is None or connection.vendor != "postgresql":
        return None
    model_fields = writable(model, fields)
    if model_fields is None or not all(f.db_type(connection) for f in model_fields):
        return None

    def prepare() -> Batch:
        return Batch(model, objs, model_fields, connection)

    written: int | None = update_rows(objs, fields, using, prepare)
    return written
