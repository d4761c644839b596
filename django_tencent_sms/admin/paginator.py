"""Changelist counting that costs the same at a thousand rows and at a million.

A paginator that never counts a huge table (and sums the fee while it counts), the
``ChangeList`` that goes with it, and the ``ModelAdmin`` mixin that wires both."""

from __future__ import annotations

from typing import Any, ClassVar

import django
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.functional import cached_property

from django_tencent_sms.admin.privacy import AdminBase, SortableByOnly

__all__ = ["CappedChangeList", "CappedCountAdmin", "CappedCountPaginator", "estimated_row_count"]


def estimated_row_count(queryset: QuerySet[Any, Any]) -> int | None:
    """PostgreSQL's estimate of the table's rows, or None where there is none.

    The statistics collector's live-row count follows inserts and deletes within moments (a
    purge included); the planner's ``reltuples`` only changes at ANALYZE, so it is the fallback.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(s.n_live_tup, 0), c.reltuples::bigint FROM pg_class c "
            "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = %s::regclass",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    if not row:
        return None
    live, planned = row
    # reltuples is -1 when never analysed (PostgreSQL 14+), 0 on older servers.
    estimate = live if live > 0 else planned
    return estimate if estimate > 0 else None


class CappedCountPaginator(Paginator):
    """Counts at most ``limit + 1`` rows, and totals their ``fee`` in the same query.

    ``sum_field`` names the summed field (``None``: count only, ``totals`` has no ``"fee"``).

    - Up to ``limit`` matching rows: the count is exact and ``totals`` holds
      ``{"messages": …, "fee": …}`` for the whole filtered list.
    - More: the count is ``limit + 1`` ("more than …"), or PostgreSQL's estimate when the list is
      unfiltered (then not even ``limit`` rows are read), ``count_is_exact`` is False and
      ``totals`` is None: a person narrows the filter (a date range) to get totals.

    So a page view costs the same at a thousand rows and at a million.
    """

    object_list: QuerySet[Any, Any]

    def __init__(
        self,
        object_list: QuerySet[Any, Any],
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
        *,
        limit: int,
        sum_field: str | None = "fee",
    ) -> None:
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.limit = limit
        self.sum_field = sum_field
        self.count_is_exact = True
        self.count_is_estimate = False
        self.totals: dict[str, int] | None = None

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where:
            estimate = estimated_row_count(queryset)
            if estimate is not None and estimate > self.limit:
                self.count_is_exact = False
                self.count_is_estimate = True
                return estimate
        sums = {"fee": Coalesce(Sum(self.sum_field), 0)} if self.sum_field else {}
        # COUNT(*) (not of the pk): the inner SELECT then reads only the fee, which the
        # log's date and status indexes hold, so PostgreSQL can answer from the index alone.
        totals = queryset.order_by()[: self.limit + 1].aggregate(messages=Count("*"), **sums)
        if totals["messages"] > self.limit:
            self.count_is_exact = False
            return totals["messages"]
        self.totals = totals
        return totals["messages"]


class CappedChangeList(SortableByOnly, ChangeList):
    """The changelist for a ``CappedCountPaginator`` with ``show_full_result_count = False``;
    it sorts only by the columns ``sortable_by`` allows (``SortableByOnly``)."""

    #: Django 6 wraps the paginator in a <nav> landmark; our pagination template follows suit.
    nav_paginator = django.VERSION >= (6, 0)

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        if not self.has_active_filters and not self.query:
            # Nothing filtered: the count is the whole list's, so the search bar need not offer
            # "N results (Show all)" (it would without a separately counted total).
            self.full_result_count = self.result_count


class CappedCountAdmin(AdminBase):
    """A ``ModelAdmin`` mixin whose changelist never counts more than ``count_limit`` rows:
    the ``CappedCountPaginator`` and ``CappedChangeList``, no full-result count, no facets."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator: ClassVar[type[CappedCountPaginator]] = CappedCountPaginator
    #: The changelist counts (and totals) at most this many rows.
    count_limit = 100_000
    #: The field the paginator totals as "fee" while it counts; None: count only.
    sum_field: str | None = None

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CappedChangeList

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any, Any],
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> CappedCountPaginator:
        return self.paginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            limit=self.count_limit,
            sum_field=self.sum_field,
        )
