"""Adding to the rollup's buckets: one ``INSERT … ON CONFLICT`` that adds, never read-modify-write.

The database adds each change to the stored value (``messages = messages + new``) under its
own row lock, so writers running at once never lose each other's changes. Buckets are written
in key order, so two transactions lock them in the same order and cannot deadlock on them.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connections

from django_tencent_sms.rollup.buckets import Key, Tally

__all__ = ["add", "adding", "ordered", "target"]

#: Buckets per statement (6 parameters each): under SQLite's oldest limit of 999.
CHUNK = 150


#: The bucket's key columns, then what a change adds to it.
KEY = ("day", "template_pk", "tpl_id", "status")
COLUMNS = (*KEY, "messages", "fee")


def target(connection: Any) -> str:
    """``INSERT INTO`` the rollup's table with its columns (the statement's start)."""
    quote = connection.ops.quote_name
    table = quote(apps.get_model("tencent_sms", "SmsDailyStat")._meta.db_table)
    # Quoted names from the model's meta.
    return f"INSERT INTO {table} ({', '.join(quote(name) for name in COLUMNS)})"


def adding(connection: Any) -> str:
    """The statement's end: a bucket that exists gets the change added to it."""
    quote = connection.ops.quote_name
    table = quote(apps.get_model("tencent_sms", "SmsDailyStat")._meta.db_table)
    messages, fee = quote("messages"), quote("fee")
    if not connection.features.supports_update_conflicts_with_target:  # MariaDB, MySQL
        # VALUES(col) is the value this row tried to insert (MariaDB keeps it; MySQL 8.0.20
        # deprecates it, without removing it).
        return (
            f"ON DUPLICATE KEY UPDATE {messages} = {messages} + VALUES({messages}), "
            f"{fee} = {fee} + VALUES({fee})"
        )
    # PostgreSQL, SQLite 3.24+
    key = ", ".join(quote(name) for name in KEY)
    return (
        f"ON CONFLICT ({key}) DO UPDATE SET "
        f"{messages} = {table}.{messages} + EXCLUDED.{messages}, "
        f"{fee} = {table}.{fee} + EXCLUDED.{fee}"
    )


def _statement(connection: Any, rows: int) -> str:
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * rows)
    # Every value is a parameter.
    return f"{target(connection)} VALUES {values} {adding(connection)}"


def ordered(changes: Tally) -> list[tuple[Key, list[int]]]:
    """The changes that change something, in key order (the order buckets are locked in)."""
    return sorted((key, value) for key, value in changes.items() if value[0] or value[1])


def add(changes: Tally, using: str) -> None:
    """Add ``changes`` to the stored buckets (creating those missing), in the caller's
    transaction. Buckets whose change is nothing are not written."""
    items = ordered(changes)
    if not items:
        return
    connection = connections[using]
    with connection.cursor() as cursor:
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            params: list[Any] = []
            for key, (messages, fee) in chunk:
                day = connection.ops.adapt_datefield_value(key.day)
                params.extend((day, key.template_pk, key.tpl_id, key.status, messages, fee))
            cursor.execute(_statement(connection, len(chunk)), params)
