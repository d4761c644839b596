"""What an admin user may learn from the send log and the codes, beyond what a page shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.admin.views.main import ORDER_VAR
from django.db.models import F
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.contrib.admin.views.main import ChangeList

    AdminBase = ModelAdmin[Any]
    ChangeListBase = ChangeList
else:
    AdminBase = object
    ChangeListBase = object

__all__ = [
    "FULL_PHONE_PERMISSION",
    "FilterLookupsOnly",
    "PhoneSortingAdmin",
    "SortableByOnly",
    "may_see_full_phone",
]

#: The permission (of this app) to see whole numbers, and to search by part of one.
FULL_PHONE_PERMISSION = "view_full_phone"


def may_see_full_phone(request: HttpRequest, app_label: str) -> bool:
    """Whether the admin user of ``request`` may see whole numbers (the send log, replies) and
    search by part of one (every list with numbers)."""
    return request.user.has_perm(f"{app_label}.{FULL_PHONE_PERMISSION}")


class FilterLookupsOnly(AdminBase):
    """A ``ModelAdmin`` mixin accepting URL lookups only on the fields its filters use.

    Django otherwise accepts any lookup on the model's own fields in the changelist URL
    (``?phone__startswith=+86138``, ``?params__0__startswith=4``), which lets a user with view
    permission find out a masked number or a stored parameter one guess at a time.
    """

    #: Field names whose lookups the changelist URL may carry.
    allowed_lookup_roots: tuple[str, ...] = ()

    def lookup_allowed(self, lookup: str, value: str, request: Any = None) -> bool:
        if lookup.split(LOOKUP_SEP, 1)[0] not in self.allowed_lookup_roots:
            return False
        return super().lookup_allowed(lookup, value, request)


class SortableByOnly(ChangeListBase):
    """A ``ChangeList`` mixin that orders only by the columns ``sortable_by`` allows.

    Django's changelist hides the sort links of the other columns but still applies a crafted
    ``?o=2``; here such an index is skipped, as Django skips one out of range, and the header
    does not claim the list is sorted by it.
    """

    def get_ordering_field(self, field_name: Any) -> Any:
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)

    def get_ordering_field_columns(self) -> Any:
        columns = super().get_ordering_field_columns()
        if self.sortable_by is None or ORDER_VAR not in self.params:
            return columns
        return {
            index: order
            for index, order in columns.items()
            if 0 <= index < len(self.list_display) and self.list_display[index] in self.sortable_by
        }


class PhoneSortingAdmin(AdminBase):
    """A ``ModelAdmin`` mixin: the columns ordered by a phone number are sortable only for
    viewers with ``view_full_phone``.

    Sorting the list by a masked number is a search by number in another form: bisecting the
    order (which rows come before ``+86 138****5678``?) reveals the hidden digits. Its
    changelist class must be a :class:`SortableByOnly` (``CappedChangeList`` is), which refuses
    the ``?o=`` of a column taken out of ``sortable_by`` here.
    """

    #: The model fields that hold a phone number.
    phone_fields: tuple[str, ...] = ("phone",)

    def get_sortable_by(self, request: HttpRequest) -> Any:
        sortable = super().get_sortable_by(request)
        if may_see_full_phone(request, self.opts.app_label):
            return sortable
        return [column for column in sortable if not self.orders_by_phone(column)]

    def orders_by_phone(self, column: Any) -> bool:
        """Whether the list column ``column`` (a name or a callable) sorts by a phone field."""
        if isinstance(column, str):
            if column.split(LOOKUP_SEP, 1)[0] in self.phone_fields:
                return True
            attr = getattr(self, column, None) or getattr(self.model, column, None)
        else:
            attr = column
        attr = getattr(attr, "fget", attr)  # a property
        order: Any = getattr(attr, "admin_order_field", None)
        if isinstance(order, str):
            return order.lstrip("-").split(LOOKUP_SEP, 1)[0] in self.phone_fields
        parts = order.flatten() if hasattr(order, "flatten") else [order]
        return any(
            isinstance(part, F)
            and str(getattr(part, "name", "")).split(LOOKUP_SEP, 1)[0] in self.phone_fields
            for part in parts
        )
