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
A bulk batch's guarded ``UPDATE`` (``for_batch``) returns the keys of the rows it matched, and
only those rows' changes are added.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import apps

from django_tencent_sms.rollup.buckets import Key, Tally, key_of, row_of, tally
from django_tencent_sms.rollup.store import COLUMNS, adding, ordered, target

__all__ = ["for_batch", "for_insert", "for_update", "fusing"]

#: The statement around a log write: (text before it, text after it, the parameters after it).
Wrap = tuple[str, str, list[Any]]
#: A log row's values as ``buckets.COLUMNS``.
Row = tuple[Any, ...]


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


def for_batch(
    before: Sequence[Row], after: Sequence[Row], key: str, connection: Any
) -> Wrap | None:
    """Around the log's guarded ``UPDATE … RETURNING <key>`` of many rows (``key``: the quoted
    name of the key's column): move each row it matched from its bucket in ``before`` to its
    bucket in ``after`` (the rows' values as :data:`buckets.COLUMNS`, in the same order). The
    statement returns the keys of the rows matched. None when the write changes no bucket,
    whichever rows it matches.

    Each row gives at most two changes, -1 and -fee for its old bucket and +1 and +fee for
    its new one (one fee change when it stays in its bucket). They are summed per bucket over
    the rows matched, so no bucket is inserted twice in the one ``INSERT … ON CONFLICT`` (which
    PostgreSQL refuses), and written in key order, as everywhere else: the buckets are numbered
    here in that order and the statement inserts them by number.
    """
    pks: list[Any] = []
    slots: list[Key] = []
    messages: list[int] = []
    fees: list[int] = []
    for old, new in zip(before, after, strict=True):
        was, now = key_of(*old[1:5]), key_of(*new[1:5])
        fee_was, fee_now = int(old[5] or 0), int(new[5] or 0)
        if was != now:
            pks += (old[0], old[0])
            slots += (was, now)
            messages += (-1, 1)
            fees += (-fee_was, fee_now)
        elif fee_was != fee_now:
            pks.append(old[0])
            slots.append(was)
            messages.append(0)
            fees.append(fee_now - fee_was)
    if not pks:
        return None
    keys = sorted(set(slots))
    number = {bucket: n for n, bucket in enumerate(keys, 1)}
    columns: list[list[Any]] = [
        [connection.ops.adapt_datefield_value(bucket.day) for bucket in keys],
        [bucket.template_pk for bucket in keys],
        [bucket.tpl_id for bucket in keys],
        [bucket.status for bucket in keys],
    ]
    buckets = ", ".join(f"(%s)::{kind}[]" for kind in _types(connection)[:4])
    sql = (
        # Quoted names and types from the models' meta; every value is a parameter.
        f"{target(connection)} SELECT k.day, k.template_pk, k.tpl_id, k.status, d.n, d.fee "  # noqa: S608
        "FROM (SELECT e.slot, sum(e.n)::bigint AS n, sum(e.fee)::bigint AS fee "
        "FROM UNNEST((%s)::bigint[], (%s)::integer[], (%s)::bigint[], (%s)::bigint[]) "
        f"AS e(pk, slot, n, fee) JOIN w ON w.{key} = e.pk GROUP BY e.slot "
        "HAVING sum(e.n) <> 0 OR sum(e.fee) <> 0) AS d "
        f"JOIN UNNEST({buckets}) WITH ORDINALITY AS k(day, template_pk, tpl_id, status, slot) "
        f"ON k.slot = d.slot ORDER BY d.slot {adding(connection)}"
    )
    params = [pks, [number[bucket] for bucket in slots], messages, fees, *columns]
    return "WITH w AS (", f"), s AS ({sql}) SELECT * FROM w", params  # noqa: S608
