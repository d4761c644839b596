"""On PostgreSQL, a log write and its rollup change in one statement (data-modifying CTEs).

A statement is atomic on its own, so no transaction is opened around it, and the write and the
change to the buckets cost one round trip instead of two (plus ``BEGIN``/``COMMIT``). The change
is worked out in Python, as the other databases' path works it out (``buckets.tally``: the local
day in ``TIME_ZONE``, a NULL fee as 0), and passed as one row of parameters per bucket, in key
order:

``WITH w AS (<the log's INSERT/UPDATE … RETURNING …>),
s AS (INSERT INTO <rollup> … SELECT … FROM (VALUES <the changes>) [WHERE EXISTS (SELECT 1 FROM w)]
ON CONFLICT … DO UPDATE SET messages = messages + EXCLUDED.messages, …)
SELECT … FROM w``

The ``WHERE EXISTS`` makes the change depend on the guarded ``UPDATE`` having matched the row:
when another writer changed it first, neither is written and the caller takes the careful path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import apps

from django_tencent_sms.rollup.buckets import Tally, row_of, tally
from django_tencent_sms.rollup.store import COLUMNS, adding, ordered, target

__all__ = ["for_insert", "for_update", "fusing"]

#: The statement around a log write: (text before it, text after it, the parameters after it).
Wrap = tuple[str, str, list[Any]]


def fusing(connection: Any) -> bool:
    """Whether the log's writes on ``connection`` carry the rollup's change themselves."""
    return bool(connection.vendor == "postgresql")


def _types(connection: Any) -> list[str]:
    meta = apps.get_model("tencent_sms", "SmsDailyStat")._meta
    return [str(meta.get_field(name).db_type(connection)).split("(")[0] for name in COLUMNS]


#: The rollup's upsert by (database alias, number of buckets, condition): the same few
#: statements come back on every send, and building their text cost more than running them.
_built: dict[tuple[str, int, str], str] = {}


def _upsert_sql(connection: Any, buckets: int, when: str) -> str:
    key = (connection.alias, buckets, when)
    try:
        return _built[key]
    except KeyError:
        pass
    # Each value cast to its column's type: a parameter bound as text must not leave
    # PostgreSQL guessing (VALUES would make a NULL-free text column of a date).
    row = "(" + ", ".join(f"CAST(%s AS {kind})" for kind in _types(connection)) + ")"
    values = ", ".join([row] * buckets)
    # Quoted names and types from the models' meta; every value is a parameter.
    sql = f"{target(connection)} SELECT * FROM (VALUES {values}) AS c{when} {adding(connection)}"  # noqa: S608
    if len(_built) < 256:  # a bounded cache: a few shapes are all a site meets
        _built[key] = sql
    return sql


def _upsert(changes: Tally, connection: Any, when: str) -> tuple[str, list[Any]] | None:
    """The rollup's ``INSERT … ON CONFLICT`` adding ``changes``; None when they change nothing.

    One row of scalar parameters per bucket, in key order: a send changes one or two buckets,
    and plain values cost the driver far less to adapt than arrays of them."""
    items = ordered(changes)
    if not items:
        return None
    params: list[Any] = []
    adapt = connection.ops.adapt_datefield_value
    for key, (messages, fee) in items:
        params += (adapt(key.day), key.template_pk, key.tpl_id, key.status, messages, fee)
    return _upsert_sql(connection, len(items), when), params


def for_insert(objs: Sequence[Any], connection: Any) -> Wrap | None:
    """Around the log's ``INSERT … RETURNING`` of the new ``objs`` (their values prepared):
    add them to their buckets. Its rows come out as the ``INSERT`` returns them."""
    if not fusing(connection):
        return None
    upsert = _upsert(tally(row_of(obj) for obj in objs), connection, "")
    if upsert is None:  # cannot happen: each row adds a message
        return None
    sql, params = upsert
    return "WITH w AS (", f"), s AS ({sql}) SELECT * FROM w", params  # noqa: S608


def for_update(changes: Tally, connection: Any) -> Wrap | None:
    """Around the log's guarded ``UPDATE`` of one row: make ``changes`` if it matched. The
    statement returns the number of rows it matched."""
    upsert = _upsert(changes, connection, " WHERE EXISTS (SELECT 1 FROM w)")
    if upsert is None:
        return None
    sql, params = upsert
    return "WITH w AS (", f" RETURNING 1), s AS ({sql}) SELECT count(*) FROM w", params  # noqa: S608
