"""The queries of ``send_code`` and ``check_code``, with their SQL built once per database.

Every sign-in runs them. Through the ORM, most of their time went to building the same
statements again on every call: six filtered aggregates took the ORM several times longer to
compile than the database to run. Here each statement is written once per database from the
model's meta (quoted table and column names, every value a parameter converted by its field's
``get_db_prep_value``, as a lookup converts it) and cached; a call only fills in the values.

They are written for PostgreSQL and SQLite, where the test suite runs them. On other databases
each method runs the same logic through the ORM instead.

``send_code``'s limits are counted in one statement (the number's codes, the IP's codes and the
day's budget), where the ORM took three; codes whose limits staff cleared (``uncounted_at``)
no longer count against their number. When a limit refuses, one more query finds when the
oldest counted code leaves its window, for ``retry_after``. A sent code's row is finished, and
the older codes of its number and purpose superseded, by one ``UPDATE``, where the ORM took
two. ``check_code``'s statements are ``otp.check_queries``'s, the plumbing ``otp.statements``'s.
While a ``pre_save`` or ``post_save`` receiver listens to ``VerificationCode``, the code's
row is written by ``save()`` instead, so the receiver hears of it (``RowWriter``, which inserts
the row, does the same).

Reads go to the database the codes are written to (the routers' choice for writes), never a
replica: a code is checked seconds after it was written, and the limits must see the row that
was just inserted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, connections, transaction
from django.db.models import Count, Field, Max, Min, Q

from django_tencent_sms.models import SmsLog, VerificationCode
from django_tencent_sms.otp.check_queries import CheckQueries
from django_tencent_sms.rows import RowWriter

__all__ = ["CodeQueries", "LimitCounts", "Window"]

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """What ``limit_counts`` counts: as of ``now``, codes within the cooldown ``interval``, the
    IP's codes (``count_ip``), and the site's codes since ``midnight``, up to ``budget + 1``
    (``budget`` ``None``: not counted)."""

    now: datetime
    interval: timedelta
    count_ip: bool
    budget: int | None
    midnight: datetime


class LimitCounts(dict):
    """The codes counted against each limit, the new one included: ``cooldown``,
    ``phone_hour``, ``phone_day``, ``ip_hour``, ``ip_day``, ``today`` (0 when not counted)."""


class CodeQueries(CheckQueries):
    """The statements for one model (``VerificationCode``), built once per database:
    ``send_code``'s here, ``check_code``'s in ``CheckQueries``. The codes ``send_code``'s
    statements are given are its own, whose numbers ``normalize_phone`` found valid."""

    #: Inserts a new code's row where ``limit_counts`` cannot in the same round trip.
    rows = RowWriter(VerificationCode)

    # send_code -----------------------------------------------------------------------------

    def limit_counts(self, record: VerificationCode, window: Window) -> LimitCounts:
        """Count the codes each limit compares, ``record`` included, in one query. The day's
        codes are counted up to ``budget + 1``: enough to tell the budget is exceeded.

        A new ``record`` (no ``pk``) is inserted first, committed before the counting starts,
        so racing requests each count the others that committed before them. On PostgreSQL
        (``_one_trip``) both go in one round trip: ``INSERT … RETURNING; COMMIT; SELECT …``,
        the same two transactions as two round trips would make (should the count then fail,
        the row stays, pending: counted, never checkable)."""
        using = record._state.db or self.using()
        connection = connections[using]
        if window.count_ip and record.ip is None:
            window = dataclasses.replace(window, count_ip=False)
        one_trip = record.pk is None and self.fast(connection) and self._one_trip(connection)
        if record.pk is None and not one_trip:
            self.rows.insert(record)
            using = record._state.db or using
            connection = connections[using]
        if not self.fast(connection):
            return self._limit_counts_orm(record, using, window)
        now, interval, count_ip, budget = (
            window.now,
            window.interval,
            window.count_ip,
            window.budget,
        )

        def build(table: str, c: Any) -> str:
            parts = [
                # The number's codes of the last day (its index: phone, purpose, -created_at).
                f"(SELECT COUNT(CASE WHEN {c('purpose')} = %s AND {c('created_at')} > %s "  # noqa: S608
                f"AND {c('state')} <> %s THEN 1 END) AS cooldown, "
                f"COUNT(CASE WHEN {c('created_at')} > %s THEN 1 END) AS hour, "
                f"COUNT(*) AS day FROM {table} "
                f"WHERE {c('phone')} = %s AND {c('created_at')} > %s "
                f"AND {c('uncounted_at')} IS NULL) p"
            ]
            columns = ["p.cooldown", "p.hour", "p.day"]
            if count_ip:
                parts.append(
                    f"(SELECT COUNT(CASE WHEN {c('created_at')} > %s THEN 1 END) AS hour, "  # noqa: S608
                    f"COUNT(*) AS day FROM {table} "
                    f"WHERE {c('ip')} = %s AND {c('created_at')} > %s) i"
                )
                columns += ["i.hour", "i.day"]
            if budget is not None:
                # Stop counting past the budget: a busy day costs no more than a quiet one.
                parts.append(
                    f"(SELECT COUNT(*) AS today FROM (SELECT 1 AS one FROM {table} "  # noqa: S608
                    f"WHERE {c('created_at')} >= %s LIMIT %s) d) b"
                )
                columns.append("b.today")
            return f"SELECT {', '.join(columns)} FROM {', '.join(parts)}"  # noqa: S608

        sql = self._sql(connection, ("limits", count_ip, budget is not None), build)

        def when(value: datetime) -> Any:
            return self._prep(connection, "created_at", value)

        hour_ago, day_ago = when(now - HOUR), when(now - DAY)
        params: list[Any] = [
            record.purpose,
            when(now - interval),
            VerificationCode.State.FAILED,
            hour_ago,
            self._phone(connection, record.phone),
            day_ago,
        ]
        if count_ip:
            params += [hour_ago, self._prep(connection, "ip", record.ip), day_ago]
        if budget is not None:
            params += [when(window.midnight), budget + 1]
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            if one_trip:
                insert = self._sql(connection, ("insert",), self._build_insert)
                cursor.execute(
                    f"{insert}; COMMIT; {sql}", [*self._row(connection, record), *params]
                )
                record.pk = cursor.fetchone()[0]
                record._state.adding, record._state.db = False, using
                cursor.nextset()  # COMMIT's
                cursor.nextset()
            else:
                cursor.execute(sql, params)
            row = list(cursor.fetchone())
        counts = LimitCounts(cooldown=0, phone_hour=0, phone_day=0, ip_hour=0, ip_day=0, today=0)
        counts["cooldown"], counts["phone_hour"], counts["phone_day"] = row[:3]
        del row[:3]
        if count_ip:
            counts["ip_hour"], counts["ip_day"] = row[:2]
            del row[:2]
        if budget is not None:
            counts["today"] = row[0]
        return counts

    def _one_trip(self, connection: Any) -> bool:
        """Whether the new code's row and its counts can go in one round trip: PostgreSQL
        through psycopg 3's client-side binding (Django's default), which sends statements
        separated by ``;`` as one simple query, in autocommit, with no save signal to send."""
        if connection.vendor != "postgresql":
            return False
        from django.db.backends.postgresql.psycopg_any import is_psycopg3

        return (
            is_psycopg3
            and not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
            and connection.get_autocommit()
            and not connection.in_atomic_block
            and not self._signalled()
        )

    def _insert_fields(self) -> list[Field[Any, Any]]:
        return [f for f in self.model._meta.concrete_fields if not f.primary_key]

    def _build_insert(self, table: str, c: Any) -> str:
        fields = self._insert_fields()
        return (
            f"INSERT INTO {table} ({', '.join(c(f.name) for f in fields)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {c('id')}"
        )

    def _row(self, connection: Any, record: VerificationCode) -> list[Any]:
        """The new ``record``'s values for ``_build_insert``, converted as ``save`` does."""
        return [
            self._phone(connection, record.phone)
            if f.name == "phone"
            else f.get_db_prep_save(f.pre_save(record, True), connection)
            for f in self._insert_fields()
        ]

    def _limit_counts_orm(
        self, record: VerificationCode, using: str, window: Window
    ) -> LimitCounts:
        now, interval, budget = window.now, window.interval, window.budget
        codes = self.model._base_manager.using(using)
        phone = codes.filter(
            phone=record.phone, created_at__gt=now - DAY, uncounted_at__isnull=True
        ).aggregate(
            cooldown=Count("pk", filter=self._cooling(record, now, interval)),
            hour=Count("pk", filter=Q(created_at__gt=now - HOUR)),
            day=Count("pk"),
        )
        counts = LimitCounts(
            cooldown=phone["cooldown"],
            phone_hour=phone["hour"],
            phone_day=phone["day"],
            ip_hour=0,
            ip_day=0,
            today=0,
        )
        if window.count_ip:
            ip = codes.filter(ip=record.ip, created_at__gt=now - DAY).aggregate(
                hour=Count("pk", filter=Q(created_at__gt=now - HOUR)), day=Count("pk")
            )
            counts["ip_hour"], counts["ip_day"] = ip["hour"], ip["day"]
        if budget is not None:
            counts["today"] = (
                codes.filter(created_at__gte=window.midnight)
                .order_by()[: budget + 1]
                .aggregate(n=Count("pk"))["n"]
            )
        return counts

    @staticmethod
    def _cooling(record: VerificationCode, now: datetime, interval: timedelta) -> Q:
        return Q(purpose=record.purpose, created_at__gt=now - interval) & ~Q(
            state=VerificationCode.State.FAILED
        )

    def cooldown_since(
        self, record: VerificationCode, now: datetime, interval: timedelta
    ) -> datetime | None:
        """When the newest other code still cooling down was created (for ``retry_after``)."""
        return (
            self.model._base_manager.using(record._state.db or self.using())
            .filter(
                self._cooling(record, now, interval),
                phone=record.phone,
                created_at__gt=now - DAY,  # as counted: the number's codes of the last day
                uncounted_at__isnull=True,
            )
            .exclude(pk=record.pk)
            .aggregate(since=Max("created_at"))["since"]
        )

    def oldest_since(self, record: VerificationCode, by: str, since: datetime) -> datetime | None:
        """When the oldest code of ``record``'s number (``by="phone"``) or IP (``by="ip"``)
        created after ``since`` was created (for ``retry_after``), as counted."""
        counted = {"uncounted_at__isnull": True} if by == "phone" else {}
        return (
            self.model._base_manager.using(record._state.db or self.using())
            .filter(**{by: getattr(record, by), "created_at__gt": since}, **counted)
            .aggregate(since=Min("created_at"))["since"]
        )

    def finish(
        self, record: VerificationCode, state: str, log: SmsLog | None, now: datetime
    ) -> None:
        """Write ``record``'s ``state`` and ``log``; unless it failed, mark the older unused
        codes of its number and purpose superseded at ``now``. One statement."""
        record.state = state
        record.log = log
        using = record._state.db or self.using()
        connection = connections[using]
        supersede = state != VerificationCode.State.FAILED
        if not self.fast(connection) or self._signalled():
            with transaction.atomic(using=using):
                record.save(update_fields=["state", "log"], using=using)
                if supersede:
                    self.model._base_manager.using(using).filter(
                        phone=record.phone,
                        purpose=record.purpose,
                        superseded_at__isnull=True,
                        used_at__isnull=True,
                        created_at__lte=record.created_at,
                    ).exclude(pk=record.pk).update(superseded_at=now)
            return

        def build(table: str, c: Any) -> str:
            pk = c("id")
            if not supersede:
                return (
                    f"UPDATE {table} SET {c('state')} = %s, {c('log')} = %s "  # noqa: S608
                    f"WHERE {pk} = %s"
                )
            return (
                f"UPDATE {table} SET "  # noqa: S608
                f"{c('state')} = CASE WHEN {pk} = %s THEN %s ELSE {c('state')} END, "
                f"{c('log')} = CASE WHEN {pk} = %s THEN %s ELSE {c('log')} END, "
                f"{c('superseded_at')} = CASE WHEN {pk} = %s THEN {c('superseded_at')} "
                f"ELSE %s END "
                f"WHERE {pk} = %s OR ({c('phone')} = %s AND {c('purpose')} = %s "
                f"AND {c('superseded_at')} IS NULL AND {c('used_at')} IS NULL "
                f"AND {c('created_at')} <= %s) RETURNING {pk}"
            )

        sql = self._sql(connection, ("finish", supersede), build)
        log_id = log.pk if log is not None else None
        if supersede:
            params = [
                record.pk,
                state,
                record.pk,
                log_id,
                record.pk,
                self._prep(connection, "superseded_at", now),
                record.pk,
                self._phone(connection, record.phone),
                record.purpose,
                self._prep(connection, "created_at", record.created_at),
            ]
        else:
            params = [state, log_id, record.pk]
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = (
                any(pk == record.pk for (pk,) in cursor.fetchall())
                if supersede
                else cursor.rowcount
            )
        if not found:
            # As save(update_fields=…) says it: the row was deleted while the SMS was sent.
            raise DatabaseError("Save with update_fields did not affect any rows.")
