from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path

from .dashboard import dashboard_view


class SmsLogAdmin(admin.ModelAdmin):
    """A read-only history: rows are evidence of what was sent."""

    list_display = ["created_at", "phone", "template", "status", "result", "sid", "fee"]
    list_filter = ["status", "template"]
    list_select_related = ["template"]
    search_fields = ["=sid"]
    date_hierarchy = "created_at"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name=f"{info[0]}_{info[1]}_dashboard",
            ),
            *super().get_urls(),
        ]

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return dashboard_view(self, request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm(f"{self.opts.app_label}.purge_smslog")
