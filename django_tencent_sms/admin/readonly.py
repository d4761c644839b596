"""Records kept as evidence: admin pages that show rows but never add, change or delete them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from django_tencent_sms.admin.privacy import AdminBase

__all__ = ["ReadOnlyAdmin"]


class ReadOnlyAdmin(AdminBase):
    """A ``ModelAdmin`` mixin: nobody adds, changes or deletes rows here, whatever their
    permissions (the view permission still decides who sees them). A subclass that lets some
    rows be deleted overrides ``has_delete_permission``."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
