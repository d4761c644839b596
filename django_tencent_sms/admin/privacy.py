"""What an admin user may learn from the send log and the codes, beyond what a page shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    AdminBase = ModelAdmin[Any]
else:
    AdminBase = object

__all__ = ["FULL_PHONE_PERMISSION", "FilterLookupsOnly", "may_see_full_phone"]

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
