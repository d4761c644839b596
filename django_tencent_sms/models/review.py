"""Where Tencent's review of a template or signature stands, as the site stores it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = ["Reach", "ReviewStatus"]


class ReviewStatus(models.TextChoices):
    """Tencent's review status; ``UNKNOWN`` until the site has read it from Tencent."""

    APPROVED = "approved", pgettext_lazy("review status", "Approved")
    REVIEWING = "reviewing", pgettext_lazy("review status", "Under review")
    APPROVED_PENDING = (
        "approved_pending",
        pgettext_lazy("review status", "Approved, not yet in effect"),
    )
    REJECTED = "rejected", pgettext_lazy("review status", "Rejected")
    UNKNOWN = "unknown", pgettext_lazy("review status", "Unknown (never synced)")


class Reach(models.IntegerChoices):
    """Tencent's ``International`` flag: where a template or signature may be sent."""

    DOMESTIC = 0, _("Mainland China")
    INTERNATIONAL = 1, _("International, Hong Kong, Macao, Taiwan")
    BOTH = 3, _("Both")
