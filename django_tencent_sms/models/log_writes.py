"""The send log's writes that keep the dashboard's rollup: its QuerySet, and ``save``/``delete``.

Each write that can move a row between buckets (see ``django_tencent_sms.rollup.tracking``)
runs in a transaction with the rollup's change; the others are plain Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, router

from django_tencent_sms.rollup import tracking

__all__ = ["SmsLogQuerySet", "delete_row", "save_row"]


class SmsLogQuerySet(models.QuerySet):
    """``update``, ``delete`` and ``bulk_create`` that keep the rollup (``bulk_update`` updates
    through ``update``)."""

    def update(self, **kwargs: Any) -> int:
        if not tracking.touches(kwargs) or tracking.covered():
            return super().update(**kwargs)
        using = self.db
        with tracking.changing(self, using) as change:
            updated = 0
            for chunk in tracking.chunks(change.pks):
                updated += models.QuerySet.update(self.filter(pk__in=chunk), **kwargs)
            if tracking.plain(kwargs):
                change.after = tracking.with_values(kwargs)
        return updated

    update.alters_data = True  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        total, per_model = 0, dict[str, int]()
        with tracking.changing(self, self.db) as change:
            # The rows locked, not those the filter finds now: a row inserted since would be
            # deleted without leaving its bucket.
            for chunk in tracking.chunks(change.pks):
                rows: models.QuerySet[Any] = (
                    models.QuerySet(self.model).using(self.db).filter(pk__in=chunk)
                )
                deleted, by_model = rows.delete()
                total += deleted
                for label, count in by_model.items():
                    per_model[label] = per_model.get(label, 0) + count
            change.after = gone
        return total, per_model

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def bulk_update(self, objs: Iterable[Any], fields: Any, batch_size: int | None = None) -> int:
        """One tracked block for all of ``objs`` (their new values are the instances'), not
        one per ``UPDATE`` that Django writes, each of which would read its rows back."""
        objs = list(objs)
        with tracking.updating(objs, list(fields), self.db), tracking.covering():
            if batch_size is None:
                return super().bulk_update(objs, fields)
            return super().bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True  # type: ignore[attr-defined]

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise TypeError("SmsLog rows are inserted, never merged: the rollup counts each.")
        with tracking.inserting(objs, self.db):
            return super().bulk_create(objs, *args, **kwargs)


def gone(before: list[Any]) -> list[Any]:
    """A deleted row's new values: none."""
    return []


def save_row(obj: Any, save: Any, kwargs: dict[str, Any]) -> None:
    """``Model.save`` (``save``, bound) of the log row ``obj``, keeping the rollup."""
    using = kwargs.get("using") or router.db_for_write(type(obj), instance=obj)
    fields = kwargs.get("update_fields")
    if obj._state.adding or obj.pk is None or kwargs.get("force_insert"):
        # Refused before the transaction, as save() refuses it before any query: a refusal
        # inside would spoil the caller's transaction.
        obj._prepare_related_fields_for_save(operation_name="save")
        with tracking.inserting([obj], using):
            save(**kwargs)
        return
    if not tracking.touches(fields):
        save(**kwargs)
        return
    rows = type(obj)._base_manager.using(using).filter(pk=obj.pk)
    with tracking.changing(rows, using) as change:
        save(**kwargs)
        if change.pks:  # else the row was gone, and save() may have inserted it: read back
            change.after = tracking.of_objects([obj], fields)


def delete_row(obj: Any, delete: Any, kwargs: dict[str, Any]) -> Any:
    """``Model.delete`` (``delete``, bound) of the log row ``obj``, keeping the rollup."""
    using = kwargs.get("using") or router.db_for_write(type(obj), instance=obj)
    with tracking.changing(type(obj)._base_manager.using(using).filter(pk=obj.pk), using) as change:
        result = delete(**kwargs)
        change.after = gone
    return result
