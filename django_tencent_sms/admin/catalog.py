"""The catalog sync in the admin: a button on the SMS templates list, and signatures read-only.

The button is a POST form (CSRF-protected) shown only to staff with
``tencent_sms.sync_smstemplate``; the view answers 403 to anyone else and shows the sync's
report as messages.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext

from django_tencent_sms.account.catalog import sync_catalog
from django_tencent_sms.account.catalog_report import (
    CREATED,
    NOT_LISTED,
    UPDATED,
    CatalogSyncFailed,
    SyncReport,
)
from django_tencent_sms.admin.readonly import ReadOnlyAdmin
from django_tencent_sms.admin.routes import admin_path

__all__ = ["CatalogSyncAdmin", "SmsSignAdmin"]

#: Lines of the report shown one by one; the rest are counted in the summary.
_SHOWN = 20


class CatalogSyncAdmin:
    """Mixed into ``SmsTemplateAdmin``: the ``sync/`` page behind the changelist's button (the
    admin's ``change_list_template`` is ``admin/tencent_sms/smstemplate/change_list.html``)."""

    def has_sync_permission(self, request: HttpRequest) -> bool:
        opts = self.opts  # type: ignore[attr-defined]
        return request.user.has_perm(f"{opts.app_label}.sync_smstemplate")

    def get_urls(self):
        return [
            admin_path(self, "sync/", self.sync_view, "sync"),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_sync_permission": self.has_sync_permission(request),
        }
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def sync_view(self, request: HttpRequest):
        if not self.has_sync_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        opts = self.opts  # type: ignore[attr-defined]
        back = HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        try:
            report = sync_catalog()
        except NotImplementedError as exc:
            messages.error(request, str(exc))
            return back
        except CatalogSyncFailed as exc:
            _show(request, exc.report)
            messages.error(
                request,
                gettext("The sync stopped while %(step)s: %(error)s. What is listed was applied.")
                % {"step": exc.step, "error": exc.error},
            )
            return back
        _show(request, report)
        return back


def _show(request: HttpRequest, report: SyncReport) -> None:
    shown = [c for c in report.changes if c.action in (CREATED, UPDATED, NOT_LISTED)]
    for change in shown[:_SHOWN]:
        level = messages.WARNING if change.action == NOT_LISTED else messages.INFO
        messages.add_message(request, level, str(change))
    for text in report.rejected[:_SHOWN]:
        messages.warning(
            request, gettext("Unreadable item from Tencent: %(item)s") % {"item": text}
        )
    for note in report.notes:
        messages.warning(request, note)
    level = messages.WARNING if report.rejected else messages.SUCCESS
    messages.add_message(
        request, level, gettext("Synced from Tencent: %(summary)s") % {"summary": report.summary()}
    )


class SmsSignAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Signatures as the last sync read them from Tencent; changed only in Tencent's console."""

    list_display = ["text", "sign_id", "status", "international", "synced_at"]
    list_filter = ["status", "international"]
    search_fields = ["text", "=sign_id"]
    fields = ["sign_id", "text", "status", "review_reply", "international", "synced_at"]
    actions = None
    empty_value_display = "—"
