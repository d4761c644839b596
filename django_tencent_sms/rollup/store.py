"""Adding to the rollup's buckets: one ``INSERT … ON CONFLICT`` that adds, never read-modify-write.

The database adds each change to the stored value (``messages = messages + new``) under its
own row lock, so writers running at once never lose each other's changes. Buckets are written
in key order, so two transactions lock them in the same order and cannot deadlock on them.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connections

from django_tencent_sms.rollup.buckets import Tally

__all__ = ["add"]

#: Buckets per statement (6 parameters each): under SQLite's oldest limit of 999.
CHUNK = 150


def _statement(connection: Any, rows: int) -> str:
    quote = connection.ops.quote_name
    table = quote(apps.get_model("tencent_sms", "SmsDailyStat")._meta.db_table)
    columns = ", ".join(
        quote(name) for name in ("day", "template_pk", "tpl_id", "status", "messages", "fee")
    )
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * rows)
    messages, fee = quote("messages"), quote("fee")
    if not connection.features.supports_update_conflicts_with_target:  # MariaDB, MySQL
        # VALUES(col) is the value this row tried to insert (MariaDB keeps it; MySQL 8.0.20
        # deprecates it, without removing it).
        tail = (
            f"ON DUPLICATE KEY UPDATE {messages} = {messages} + VALUES({messages}), "
            f"{fee} = {fee} + VALUES({fee})"
        )
    else:  # PostgreSQL, SQLite 3.24+
        key = ", ".join(quote(name) for name in ("day", "template_pk", "tpl_id", "status"))
        tail = (
            f"ON CONFLICT ({key}) DO UPDATE SET "
            f"{messages} = {table}.{messages} + EXCLUDED.{messages}, "
            f"{fee} = {table}.{fee} + EXCLUDED.{fee}"
        )
    # Quoted names from the model's meta; every value is a parameter.
    return f"INSERT INTO {table} ({columns}) VALUES {values} {tail}"  # noqa: S608


def add(changes: Tally, using: str) -> None:
    """Add ``changes`` to the stored buckets (creating those missing), in the caller's
    transaction. Buckets whose change is nothing are not written."""
    items = sorted((key, value) for key, value in changes.items() if value[0] or value[1])
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
