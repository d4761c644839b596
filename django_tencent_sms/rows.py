"""Writing a send's log row with SQL built once, not once per message.

Every message writes its ``SmsLog`` twice: the insert before the request and the update after
it. Through ``Model.save`` most of that time is the ORM building the same two statements again
(a query object, its compiler, quoting every column) for every message, more than the database
spends running them. A ``RowWriter`` builds each statement once per database and model, and per
message only converts the row's values with the fields' own ``pre_save`` and
``get_db_prep_save``, as ``save`` does, so what reaches the database is the same.

It is a fast path, not a second ORM: it steps aside for ``Model.save`` (``save`` and
``save(update_fields=…)``) whenever that could behave differently:

* a receiver of ``pre_save`` or ``post_save`` is connected for the model (so those signals still
  reach it, from ``save``);
* the database is not PostgreSQL or SQLite 3.35 or newer (whose ``INSERT … RETURNING`` it
  writes);
* a field needs a placeholder other than ``%s``, has a database default, or is generated.

Both paths mark the transaction for rollback on error, as ``save`` does, and write to the
database the routers choose for writes. A model with a ``row_tracking`` attribute (the send log:
``rollup.tracking``) has the fast path's writes wrapped in its ``inserting``/``updating``, as its
``save`` and QuerySet wrap theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, connections, router, transaction
from django.db.models import DateField, DateTimeField, Field, Model
from django.db.models.signals import post_save, pre_save

from django_tencent_sms import row_updates
from django_tencent_sms.plain_values import value_key

__all__ = ["RowWriter"]

#: The databases whose ``INSERT … RETURNING`` the fast path writes itself (and is tested on).
FAST_VENDORS = row_updates.FAST_VENDORS


#: Prepared values ``RowWriter`` remembers before starting afresh.
_MEMO_SIZE = 512
#: The types of value it remembers whatever the field: values that recur from row to row.
_REMEMBERED = frozenset({int, bool, type(None)})


def _recurs(field: Any, value: Any) -> bool:
    """Whether ``value`` is one ``RowWriter`` remembers prepared (known by its type and value): a
    number, a flag, nothing, an empty text, or one of the field's choices (a status, as text or
    as its enum member). Not other texts: they can be one of
    a kind and secret (a code's HMAC, an address), and need not stay in memory."""
    return type(value) in _REMEMBERED or (
        isinstance(value, str) and (value == "" or bool(field.choices))
    )


if TYPE_CHECKING:
    _Field = Field[Any, Any]
    #: A statement built once: its SQL, and the fields whose values are its parameters, in order.
    _Statement = tuple[str, list[_Field]]


class RowWriter:
    """``insert(obj)`` and ``update(obj, fields)`` for instances of one model."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self._inserts: dict[str, _Statement | None] = {}
        self._updates: dict[tuple[str, tuple[str, ...]], _Statement | None] = {}
        self._memo: dict[tuple[str, str, tuple[Any, ...]], Any] = {}

    def _tracked(
        self, what: str, objs: Sequence[Model], using: str, *fields: Sequence[str]
    ) -> AbstractContextManager[Any]:
        """The model's ``row_tracking.inserting``/``updating`` around a write, if it has one."""
        tracker = getattr(self.model, "row_tracking", None)
        if tracker is None:
            return nullcontext()
        return getattr(tracker, what)(objs, *fields, using)

    def _fused(
        self, objs: Sequence[Model], connection: Any
    ) -> tuple[tuple[str, str, list[Any]] | None, AbstractContextManager[Any]]:
        """The statement around an insert of ``objs`` that also tracks them, and what to run
        around it (the tracker's ``fused_insert``); else None and its ``inserting``."""
        tracker = getattr(self.model, "row_tracking", None)
        fused = tracker.fused_insert(objs, connection) if tracker is not None else None
        return fused or (None, self._tracked("inserting", objs, connection.alias))

    def _prepared(self, field: _Field, value: Any, connection: Any) -> Any:
        """``field.get_db_prep_save(value)``, remembered for a plain immutable value: most of a
        row's values (its status, the empty texts, the template's) are the same row after row,
        and Django's preparation of each costs more than looking it up."""
        if not _recurs(field, value):
            return field.get_db_prep_save(value, connection)
        memo = (connection.alias, field.attname, (type(value), value))
        try:
            return self._memo[memo]
        except KeyError:
            prepared = field.get_db_prep_save(value, connection)
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[memo] = prepared
            return prepared

    def _fast(self, connection: Any) -> bool:
        return (
            connection.vendor in FAST_VENDORS
            and connection.features.can_return_columns_from_insert
            and not (pre_save.has_listeners(self.model) or post_save.has_listeners(self.model))
        )

    def _insert_sql(self, connection: Any) -> _Statement | None:
        try:
            return self._inserts[connection.alias]
        except KeyError:
            pass
        meta = self.model._meta
        fields = [f for f in meta.local_concrete_fields if not f.db_returning]
        returning = [f for f in meta.local_concrete_fields if f.db_returning]
        built = None
        if returning == [meta.pk] and row_updates.plain(fields) and not meta.parents:
            quote = connection.ops.quote_name
            built = (
                # Quoted names from the model's meta; every value is a parameter.
                f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
                f"({', '.join(quote(row_updates.column(f)) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))}) "
                f"RETURNING {quote(meta.db_table)}.{quote(row_updates.column(meta.pk))}",
                fields,
            )
        self._inserts[connection.alias] = built
        return built

    def _update_sql(self, connection: Any, names: tuple[str, ...]) -> _Statement | None:
        key = (connection.alias, names)
        try:
            return self._updates[key]
        except KeyError:
            pass
        meta = self.model._meta
        fields = row_updates.writable(self.model, names)
        built = None
        if fields is not None:
            quote = connection.ops.quote_name
            assignments = ", ".join(f"{quote(row_updates.column(f))} = %s" for f in fields)
            built = (
                f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608
                f"WHERE {quote(row_updates.column(meta.pk))} = %s",
                fields,
            )
        self._updates[key] = built
        return built

    def insert(self, obj: Model) -> Model:
        """Save the new ``obj`` (as ``obj.save(force_insert=True)``) and return it."""
        using = router.db_for_write(self.model, instance=obj)
        connection = connections[using]
        built = self._insert_sql(connection) if self._fast(connection) else None
        if built is None or obj.pk is not None:  # a key of its own: save() inserts it
            obj.save(force_insert=True, using=using)
            return obj
        # As save() does: refuse an unsaved related object, take the key of a saved one. The
        # check is Model.save's own (Django has no public one); the stubs leave it out.
        obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
        sql, fields = built
        params = [self._prepared(f, f.pre_save(obj, True), connection) for f in fields]
        wrap, tracked = self._fused([obj], connection)
        if wrap is not None:
            sql, params = wrap[0] + sql + wrap[1], params + wrap[2]
        with tracked, transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(sql, params)
            obj.pk = cursor.fetchone()[0]
        obj._state.adding = False
        obj._state.db = using
        return obj

    def insert_many(self, objs: Sequence[Model], *, using: str | None = None) -> bool:
        """Insert the new ``objs`` in one ``INSERT … RETURNING`` per chunk, with their keys set,
        as ``bulk_create`` does (no ``pre_save``/``post_save`` either); False, with nothing
        written, where that cannot be done here (then ``bulk_create``'s turn).

        ``bulk_create`` prepares every field of every object alone. The rows of a batch share
        most values (the content, the batch, the status): a value met before in the same field
        (equal, of a plain immutable type) is prepared once, which is most of the work saved.
        """
        if not objs:
            return True
        using = using or router.db_for_write(self.model)
        connection = connections[using]
        built = (
            self._insert_sql(connection)
            if connection.vendor in FAST_VENDORS
            and connection.features.can_return_rows_from_bulk_insert
            else None
        )
        if built is None or any(obj.pk is not None for obj in objs):
            return False
        sql, fields = built
        if connection.vendor == "postgresql" and not all(f.db_type(connection) for f in fields):
            return False  # a column UNNEST cannot type
        head, _values, tail = sql.partition("VALUES ")
        row = tail[: tail.index(")") + 1]
        returning = tail[len(row) :]
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        columns = [_column_values(field, objs, connection) for field in fields]
        if connection.vendor == "postgresql":
            # One array per column whose values differ (bulk_create sends one per column): the
            # statement stays short whatever the number of rows, and a value every row shares
            # is sent once, not once per row.
            types = [(f.db_type(connection) or "").split("(")[0] for f in fields]
            same = [all(v is column[0] for v in column) for column in columns]
            if all(same):
                same[0] = False  # the rows still need counting
            chosen = [
                f"(%s)::{t}" if one else f"v.c{i}"
                for i, (t, one) in enumerate(zip(types, same, strict=True))
            ]
            arrays = [f"(%s)::{t}[]" for t, one in zip(types, same, strict=True) if not one]
            names = [f"c{i}" for i, one in enumerate(same) if not one]
            sql = (
                # Quoted names and types from the model's meta; every value is a parameter.
                f"{head}SELECT {', '.join(chosen)} "  # noqa: S608
                f"FROM UNNEST({', '.join(arrays)}) AS v({', '.join(names)}){returning}"
            )
            params = [column[0] for column, one in zip(columns, same, strict=True) if one]
            params += [column for column, one in zip(columns, same, strict=True) if not one]
            wrap, tracked = self._fused(objs, connection)
            if wrap is not None:
                sql, params = wrap[0] + sql + wrap[1], params + wrap[2]
            statements = [(sql, params, objs)]
        else:
            wrap, tracked = None, self._tracked("inserting", objs, using)
            size = max(1, (connection.features.max_query_params or 999) // max(1, len(fields)))
            statements = []
            for start in range(0, len(objs), size):
                chunk = range(start, min(start + size, len(objs)))
                statements.append(
                    (
                        f"{head}VALUES {', '.join([row] * len(chunk))}{returning}",
                        [column[i] for i in chunk for column in columns],
                        objs[start : start + size],
                    )
                )
        # Several statements in one transaction, as bulk_create writes them; one needs none.
        whole = (
            transaction.mark_for_rollback_on_error(using)
            if len(statements) == 1
            else transaction.atomic(using=using, savepoint=False)
        )
        with tracked, whole, connection.cursor() as cursor:
            for statement, params, saved in statements:
                cursor.execute(statement, params)
                keys = [key for (key,) in cursor.fetchall()]
                if len(keys) != len(saved):  # cannot happen: one row returned per row inserted
                    raise DatabaseError("INSERT … RETURNING returned another number of rows")
                for obj, key in zip(saved, keys, strict=True):
                    obj.pk = key
                    obj._state.adding = False
                    obj._state.db = using
        return True

    def update(self, obj: Model, fields: Sequence[str]) -> None:
        """Write ``fields`` of the saved ``obj`` (as ``obj.save(update_fields=fields)``).

        Raises ``DatabaseError`` when the row is gone, as ``save`` does.
        """
        using = router.db_for_write(self.model, instance=obj)
        connection = connections[using]
        built = self._update_sql(connection, tuple(fields)) if self._fast(connection) else None
        if built is None:
            obj.save(update_fields=fields, using=using)
            return
        sql, model_fields = built
        params = [self._prepared(f, f.pre_save(obj, False), connection) for f in model_fields]
        params.append(obj.pk)

        def execute(where: str, where_params: list[Any], wrap: Any = None) -> int:
            # Inside wrap's statement (rollup.fused), the rows matched are what it returns.
            with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
                if wrap is None:
                    cursor.execute(sql + where, params + where_params)
                    return int(cursor.rowcount)
                cursor.execute(wrap[0] + sql + where + wrap[1], params + where_params + wrap[2])
                return int(cursor.fetchone()[0])

        tracker = getattr(self.model, "row_tracking", None)
        if tracker is not None:  # the tracker may add to the WHERE (rollup.single_row)
            updated = tracker.update_row(obj, fields, using, execute)
        else:
            updated = execute("", [], None)
        if not updated:
            raise DatabaseError("Save with update_fields did not affect any rows.")

    def update_many(
        self, objs: Sequence[Model], fields: Sequence[str], *, using: str | None = None
    ) -> int:
        """Write ``fields`` of the saved ``objs``, whose values differ from row to row, as
        ``bulk_update`` does, and return the number of rows matched: one
        ``UPDATE … FROM (VALUES …)`` per chunk of rows (``row_updates.update_many``).
        ``using``: the database (default: the routers' choice for writes).
        """
        return row_updates.update_many(self.model, objs, fields, using)


def _column_values(field: _Field, objs: Sequence[Model], connection: Any) -> list[Any]:
    """``field``'s prepared value for each of ``objs``, each distinct value prepared once.

    A value that is the very object the first row holds (the copies of a batch's first row
    share most of theirs) is not even looked up again. Where ``pre_save`` only reads the
    attribute (most fields; a date without ``auto_now``), the values are read directly."""
    if _reads_only(field):
        try:
            values = [obj.__dict__[field.attname] for obj in objs]
        except KeyError:  # deferred, or a property of the model's own: ask the field
            values = [field.pre_save(obj, True) for obj in objs]
    else:
        values = [field.pre_save(obj, True) for obj in objs]
    first = values[0]
    first_key = value_key(first)
    first_prepared = field.get_db_prep_save(first, connection)
    if first_key is not None and all(value is first for value in values):
        return [first_prepared] * len(values)
    prepared: dict[tuple[Any, ...], Any] = {}
    if first_key is not None:
        prepared[first_key] = first_prepared
    column = [first_prepared]
    for value in values[1:]:
        if value is first and first_key is not None:
            column.append(first_prepared)
            continue
        key = value_key(value)
        if key is None:
            column.append(field.get_db_prep_save(value, connection))
        elif key in prepared:
            column.append(prepared[key])
        else:
            column.append(prepared.setdefault(key, field.get_db_prep_save(value, connection)))
    return column


def _reads_only(field: _Field) -> bool:
    """Whether ``field.pre_save`` on an insert returns the attribute as it is."""
    pre_save = type(field).pre_save
    if pre_save is Field.pre_save:
        return True
    return pre_save in (DateField.pre_save, DateTimeField.pre_save) and not (
        getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    )
