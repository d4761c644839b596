"""Keeping the rollup with the log: each write to ``SmsLog`` moves its rows between buckets.

Every path that writes the log goes through here, in the write's own transaction:
``SmsLog.save``/``delete``, the log's ``QuerySet.update``/``delete``/``bulk_create`` (and
``bulk_update``, which updates through ``update``), and ``rows.RowWriter``'s fast SQL. An insert
adds its rows; an update or delete first locks the rows it changes (``SELECT … FOR UPDATE``;
on SQLite, which has no row locks, a first write takes the database's write lock), reads their
buckets, writes, and then moves each row from its old bucket to its new one. Two writers of the
same row therefore see each other's result, and the buckets only ever get ``n = n + delta``.
On PostgreSQL ``RowWriter``'s inserts and guarded updates carry the change in their own
statement instead (``fused``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.db import connections, transaction
from django.db.models import F, QuerySet

from django_tencent_sms.rollup.buckets import COLUMNS, FIELDS, believe, row_of, tally
from django_tencent_sms.rollup.store import add

__all__ = [
    "changing",
    "chunks",
    "covered",
    "covering",
    "inserting",
    "manager",
    "of_objects",
    "plain",
    "touches",
    "updating",
    "with_values",
]

Row = tuple[Any, ...]

#: Set while a block already tracks the rows its inner writes change (``bulk_update``).
_covered: ContextVar[bool] = ContextVar("tencent_sms_rollup_covered", default=False)

#: Primary keys per ``pk__in``: under SQLite's oldest limit of 999 parameters.
CHUNK = 900


def covered() -> bool:
    """Whether an enclosing block tracks the writes made now (then they are not tracked again)."""
    return _covered.get()


@contextmanager
def covering() -> Iterator[None]:
    token = _covered.set(True)
    try:
        yield
    finally:
        _covered.reset(token)


def touches(names: Any) -> bool:
    """Whether writing the fields ``names`` (None: all of them) can move a row's bucket."""
    if names is None:
        return True
    wanted = set(FIELDS) | {"template_id"}
    return any(name in wanted for name in names)


def chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def manager(using: str) -> Any:
    # Django's own QuerySet: what is written here is not tracked again.
    return QuerySet(apps.get_model("tencent_sms", "SmsLog")).using(using)


def _read(pks: Sequence[Any], using: str) -> list[Row]:
    rows: list[Row] = []
    for chunk in chunks(list(pks)):
        rows.extend(manager(using).filter(pk__in=chunk).values_list(*COLUMNS))
    return rows


def lock(queryset: Any, using: str) -> list[Row]:
    """The rows of ``queryset`` with their buckets' columns, locked until the transaction
    ends."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        # No row locks: a write first takes the database's write lock, so nobody changes a
        # row between this read and the caller's write.
        pks = list(queryset.order_by().values_list("pk", flat=True))
        for chunk in chunks(pks):
            manager(using).filter(pk__in=chunk).update(status=F("status"))
        return _read(pks, using)
    return list(queryset.order_by("pk").select_for_update().values_list(*COLUMNS))


class Change:
    """What a ``changing`` block is told: the rows it changes, and how they end up."""

    def __init__(self, before: list[Row]) -> None:
        self.before = before
        self.pks = [row[0] for row in before]
        #: The rows' new values from their old ones, when the block knows them without reading
        #: them back (else they are read back).
        self.after: Callable[[list[Row]], list[Row]] | None = None


@contextmanager
def changing(queryset: Any, using: str) -> Iterator[Change]:
    """Around an update or delete of the rows of ``queryset``: lock and read them, let the
    block write, then move them to their new buckets (rows gone leave theirs)."""
    with transaction.atomic(using=using, savepoint=False):
        change = Change(lock(queryset, using))
        yield change
        after = (
            change.after(change.before) if change.after is not None else _read(change.pks, using)
        )
        moved = tally(change.before, -1)
        add(tally(after, 1, moved), using)


@contextmanager
def inserting(objs: Sequence[Any], using: str) -> Iterator[None]:
    """Around an insert of the new ``objs``: add them to their buckets once written."""
    with transaction.atomic(using=using, savepoint=False):
        yield
        add(tally(row_of(obj) for obj in objs), using)
        believe(objs)


def _column_name(name: str) -> str:
    return "template_id" if name == "template" else name


def with_values(values: dict[str, Any]) -> Callable[[list[Row]], list[Row]]:
    """The rows' new values after an update with plain ``values`` (its keyword arguments)."""
    written = {}
    for name, value in values.items():
        column = _column_name(name)
        if column in COLUMNS[1:]:
            written[COLUMNS.index(column)] = getattr(value, "pk", value)

    def after(before: list[Row]) -> list[Row]:
        rows = []
        for row in before:
            new = list(row)
            for index, value in written.items():
                new[index] = value
            rows.append(tuple(new))
        return rows

    return after


def plain(values: dict[str, Any]) -> bool:
    """Whether the update's values are plain (no expression only the database can work out)."""
    return not any(hasattr(value, "resolve_expression") for value in values.values())


def of_objects(
    objs: Sequence[Any], fields: Sequence[str] | None
) -> Callable[[list[Row]], list[Row]]:
    """The new values of the saved ``objs`` whose ``fields`` (None: all) were just written."""
    by_pk = {obj.pk: obj for obj in objs}
    written = None if fields is None else {_column_name(name) for name in fields}

    def after(before: list[Row]) -> list[Row]:
        rows = []
        for row in before:
            obj = by_pk.get(row[0])
            new = list(row)
            if obj is not None:
                for index, column in enumerate(COLUMNS[1:], 1):
                    if written is None or column in written:
                        new[index] = getattr(obj, column)
            rows.append(tuple(new))
        return rows

    return after


@contextmanager
def updating(objs: Sequence[Any], fields: Sequence[str], using: str) -> Iterator[None]:
    """Around an update of ``fields`` of the saved ``objs`` to their values in memory."""
    if not touches(fields):
        yield
        return
    with changing(manager(using).filter(pk__in=[obj.pk for obj in objs]), using) as change:
        yield
        change.after = of_objects(objs, fields)
