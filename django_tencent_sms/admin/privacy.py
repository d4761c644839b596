"""What an admin user may learn from the send log and the codes, beyond what a page shows."""

from __future__ import annotations

from django.db.models.constants import LOOKUP_SEP

__all__ = ["FilterLookupsOnly"]


class FilterLookupsOnly:
    """A ``ModelAdmin`` mixin accepting URL lookups only on the fields its filters use.

    Django otherwise accepts any lookup on the model's own fields in the changelist URL
    (``?phone__startswith=+86138``, ``?params__0__startswith=4``), which lets a user with view
    permission find out a masked number or a stored parameter one guess at a time.
    """

    #: Field names whose lookups the changelist URL may carry.
    allowed_lookup_roots: tuple[str, ...] = ()

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split(LOOKUP_SEP, 1)[0] not in self.allowed_lookup_roots:
            return False
        return super().lookup_allowed(lookup, value, request)
