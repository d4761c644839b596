"""What the code queries share: SQL built once per database, values converted as fields do.

``Statements`` is the base of ``otp.queries.CodeQueries`` (and of ``otp.check_queries``): it
quotes the model's table and columns once per statement and database, converts each value with
its field's ``get_db_prep_value``, as a lookup converts it, and builds rows read back into model
instances with the converters the ORM would apply.

A phone field's conversion parses and validates the number (``phonenumber_field``), which
costs more than running a short query, and a send or a check converts its number several times.
A number ``normalize_phone`` has already found valid is only formatted, as the field formats a
valid number (``PHONENUMBER_DB_FORMAT``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import connections, router
from django.db.models import Field
from django.db.models.signals import post_save, pre_save
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.models import VerificationCode
from django_tencent_sms.rows import FAST_VENDORS

__all__ = ["Statements"]


class Statements:
    """The plumbing of the statements for one model (``VerificationCode``)."""

    model = VerificationCode

    def __init__(self) -> None:
        self._built: dict[tuple[Any, ...], str] = {}
        self._converters: dict[str, list[tuple[int, Any, list[Any]]]] = {}

    @staticmethod
    def using() -> str:
        return router.db_for_write(VerificationCode)

    @staticmethod
    def fast(connection: Any) -> bool:
        """Whether the statements here run on ``connection`` (else the ORM's do)."""
        return (
            connection.vendor in FAST_VENDORS
            # RETURNING, which finish() reads: SQLite 3.35 and newer.
            and connection.features.can_return_columns_from_insert
        )

    def _signalled(self) -> bool:
        """Whether a ``pre_save`` or ``post_save`` receiver listens to the model: then writes
        that ``save()`` made before stay ``save()``, so the receiver still hears of them."""
        return pre_save.has_listeners(self.model) or post_save.has_listeners(self.model)

    @cached_property
    def fields(self) -> dict[str, Field[Any, Any]]:
        """The model's columns by field name."""
        return {field.name: field for field in self.model._meta.concrete_fields}

    def _sql(self, connection: Any, key: tuple[Any, ...], build: Any) -> str:
        full = (connection.alias, *key)
        try:
            return self._built[full]
        except KeyError:
            pass
        quote = connection.ops.quote_name

        def column(name: str) -> str:
            return quote(self.fields[name].column)

        sql = self._built[full] = build(quote(self.model._meta.db_table), column)
        return sql

    def _prep(self, connection: Any, name: str, value: Any) -> Any:
        return self.fields[name].get_db_prep_value(value, connection, prepared=False)

    def _phone(self, connection: Any, number: Any) -> Any:
        """The phone column's value for ``number``: a ``PhoneNumber`` already found valid
        (``normalize_phone``) is formatted as the field stores a valid number, without being
        validated again; anything else is converted by the field."""
        if isinstance(number, phonenumbers.PhoneNumber) and number.country_code:
            db_format = getattr(settings, "PHONENUMBER_DB_FORMAT", "E164")
            return phonenumbers.format_number(number, PhoneNumber.format_map[db_format])
        return self._prep(connection, "phone", number)

    # Reading rows back -------------------------------------------------------------------

    def columns(self, c: Any) -> str:
        """Every column of the model, in field order, for a ``SELECT``."""
        return ", ".join(c(f.name) for f in self.model._meta.concrete_fields)

    @cached_property
    def attnames(self) -> list[str]:
        """The attributes of ``columns()``, in order."""
        return [f.attname for f in self.model._meta.concrete_fields]

    @cached_property
    def phone_at(self) -> int:
        """Where the phone column is in ``columns()``."""
        return self.model._meta.concrete_fields.index(self.fields["phone"])

    def _converters_for(self, connection: Any) -> list[tuple[int, Any, list[Any]]]:
        """Per column of ``columns()`` that a queryset converts: its place, its expression and
        the converters."""
        try:
            return self._converters[connection.alias]
        except KeyError:
            pass
        found = []
        table = self.model._meta.db_table
        for i, field in enumerate(self.model._meta.concrete_fields):
            col = field.get_col(table)
            converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if converters:
                found.append((i, col, converters))
        self._converters[connection.alias] = found
        return found

    def record(self, using: str, row: Sequence[Any], phone: Any = None) -> VerificationCode:
        """The instance of the ``row`` read by ``columns()``, converted as a queryset converts
        it. ``phone``: the number the row was found by, parsed (the column, parsed again, is
        the same number); None: the column is converted too."""
        connection = connections[using]
        values = list(row)
        skip = self.phone_at if phone is not None else None
        for i, col, converters in self._converters_for(connection):
            if i != skip:
                for converter in converters:
                    values[i] = converter(values[i], col, connection)
        if skip is not None:
            values[skip] = phone
        return self.model.from_db(using, self.attnames, values)
