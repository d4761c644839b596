"""Phone numbers and times in the admin, shown one way for each viewer on every page."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.admin.privacy import may_see_full_phone
from django_tencent_sms.masking import display_phone

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    AdminBase = ModelAdmin[Any]
else:
    AdminBase = object

__all__ = ["PhoneColumnAdmin", "phone_for", "timestamp"]

#: Date and time to the second, as Tencent's console and support write them.
TIMESTAMP_FORMAT = "Y-m-d H:i:s"
EMPTY = "—"


def timestamp(value: datetime | None) -> str:
    """``2026-12-04 18:36:42`` in the current time zone; ``—`` for none."""
    if value is None:
        return EMPTY
    if timezone.is_aware(value):  # naive where the site runs without time zones
        value = timezone.localtime(value)
    return date_format(value, TIMESTAMP_FORMAT)


def phone_for(request: HttpRequest, value: object, app_label: str = "tencent_sms") -> str:
    """``value`` as ``request``'s viewer may see it: ``+86 138 1234 5678`` or
    ``+86 138 **** 5678`` (see ``masking.display_phone``)."""
    return display_phone(value, full=may_see_full_phone(request, app_label))


class PhoneColumnAdmin(AdminBase):
    """A ``ModelAdmin`` mixin: the list's ``masked_phone`` column becomes ``full_phone`` for
    viewers who may see whole numbers, so a number reads the same in the list and on its page.

    Decided per request in ``get_list_display``: the admin instance is shared between
    threads, and display methods get no request."""

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = list(super().get_list_display(request))
        if may_see_full_phone(request, self.opts.app_label):
            columns = ["full_phone" if c == "masked_phone" else c for c in columns]
        return columns

    @admin.display(description=_("phone"), ordering="phone")
    def masked_phone(self, row: Any) -> str:
        return display_phone(row.phone, full=False)

    @admin.display(description=_("phone"), ordering="phone")
    def full_phone(self, row: Any) -> str:
        return display_phone(row.phone, full=True)
