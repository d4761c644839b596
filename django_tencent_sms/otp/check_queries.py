"""The queries of ``check_code``: the newest code of a number, and the try counted on it.

``check`` finds the newest sent (or maybe sent, or withheld) code of a number and purpose and
counts the try by a conditional ``UPDATE``: only while the code is unused, current, unexpired
and has tries left, and for the right code marks it used too. The database serialises racing
tries on the row, so concurrent right answers succeed once and concurrent guesses never get
more than ``MAX_ATTEMPTS`` tries.

On PostgreSQL both are one statement (the read and the ``UPDATE`` in one ``WITH``), and the
stored digest is compared there with the one of the typed code: a digest is an HMAC keyed from
``SECRET_KEY``, so how long a comparison takes says nothing anyone can use to forge one. On SQLite
they are two statements written here, elsewhere the ORM's two queries; the digests are compared
in constant time in Python. Every path runs the same statements whether the number has a code
or not.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.db.models import F

from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp.statements import Statements

__all__ = ["NO_CODE_HASH", "CheckQueries"]

State = VerificationCode.State
#: The states a code can be checked in. A withheld code is checked as a sent one: any guess
#: is wrong.
CHECKED = (State.SENT, State.UNKNOWN, State.WITHHELD)
#: Compared against when the number has no code, so both paths do the same work.
NO_CODE_HASH = "0" * 64


class CheckQueries(Statements):
    """``check_code``'s statements."""

    def check(
        self,
        phone: str,
        purpose: str,
        digest: str,
        *,
        now: datetime,
        max_attempts: int,
        number: object = None,
    ) -> tuple[VerificationCode | None, bool]:
        """The newest checkable code of ``phone`` and ``purpose`` as it was before this try
        (or None), and whether the try was counted on it. ``digest``: the typed code's;
        ``number``: ``phone`` as ``normalize_phone`` parsed it (valid), or None."""
        connection = connections[self.using()]
        if connection.vendor == "postgresql" and self.fast(connection):
            return self._check_at_once(phone, purpose, digest, now, max_attempts, number)
        record = self.newest(phone, purpose, number=number)
        matches = hmac.compare_digest(digest, record.code_hash if record else NO_CODE_HASH)
        counted = self.count_try(
            record.pk if record else 0,
            now=now,
            max_attempts=max_attempts,
            matches=matches and record is not None,
        )
        return record, bool(counted)

    def _check_at_once(
        self,
        phone: str,
        purpose: str,
        digest: str,
        now: datetime,
        max_attempts: int,
        number: object,
    ) -> tuple[VerificationCode | None, bool]:
        using = self.using()
        connection = connections[using]

        def build(table: str, c: Any) -> str:
            cols = self.columns(c)
            return (
                f"WITH newest AS (SELECT {cols} FROM {table} "  # noqa: S608
                f"WHERE {c('phone')} = %s AND {c('purpose')} = %s "
                f"AND {c('state')} IN (%s, %s, %s) "
                f"ORDER BY {c('created_at')} DESC, {c('id')} DESC LIMIT 1), "
                f"counted AS (UPDATE {table} SET {c('attempts')} = {c('attempts')} + 1, "
                f"{c('used_at')} = CASE WHEN {c('code_hash')} = %s THEN %s "
                f"ELSE {c('used_at')} END "
                f"WHERE {c('id')} = (SELECT {c('id')} FROM newest) "
                f"AND {c('used_at')} IS NULL AND {c('superseded_at')} IS NULL "
                f"AND {c('expires_at')} > %s AND {c('attempts')} < %s RETURNING 1) "
                f"SELECT {cols}, (SELECT COUNT(*) FROM counted) FROM newest"
            )

        sql = self._sql(connection, ("check",), build)
        when = self._prep(connection, "used_at", now)
        params = [
            self._phone(connection, phone if number is None else number),
            purpose,
            *CHECKED,
            digest,
            when,
            when,
            max_attempts,
        ]
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None, False
        return self.record(using, row[:-1], number), bool(row[-1])

    def newest(self, phone: str, purpose: str, *, number: object = None) -> VerificationCode | None:
        """The newest sent (or maybe sent, or withheld) code of ``phone`` and ``purpose``, or
        ``None``."""
        using = self.using()
        connection = connections[using]
        if not self.fast(connection):
            return (
                self.model._base_manager.db_manager(using)
                .filter(phone=phone, purpose=purpose, state__in=CHECKED)
                .order_by("-created_at", "-id")
                .first()
            )

        def build(table: str, c: Any) -> str:
            return (
                f"SELECT {self.columns(c)} FROM {table} "  # noqa: S608
                f"WHERE {c('phone')} = %s AND {c('purpose')} = %s "
                f"AND {c('state')} IN (%s, %s, %s) "
                f"ORDER BY {c('created_at')} DESC, {c('id')} DESC LIMIT 1"
            )

        sql = self._sql(connection, ("newest",), build)
        params = [self._phone(connection, phone if number is None else number), purpose, *CHECKED]
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return None if row is None else self.record(using, row, number)

    def count_try(self, pk: int, *, now: datetime, max_attempts: int, matches: bool) -> int:
        """Count a try on code ``pk`` only while it is unused, current, unexpired and has tries
        left; for the right code (``matches``), mark it used too. 1 if counted, else 0."""
        using = self.using()
        connection = connections[using]
        if not self.fast(connection):
            return (
                self.model._base_manager.using(using)
                .filter(
                    pk=pk,
                    used_at__isnull=True,
                    superseded_at__isnull=True,
                    expires_at__gt=now,
                    attempts__lt=max_attempts,
                )
                .update(attempts=F("attempts") + 1, **({"used_at": now} if matches else {}))
            )

        def build(table: str, c: Any) -> str:
            used = f", {c('used_at')} = %s" if matches else ""
            return (
                f"UPDATE {table} SET {c('attempts')} = {c('attempts')} + 1{used} "  # noqa: S608
                f"WHERE {c('id')} = %s AND {c('used_at')} IS NULL "
                f"AND {c('superseded_at')} IS NULL AND {c('expires_at')} > %s "
                f"AND {c('attempts')} < %s"
            )

        sql = self._sql(connection, ("count_try", matches), build)
        when = self._prep(connection, "used_at", now)
        params = [*([when] if matches else []), pk, when, max_attempts]
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
