from django.contrib import admin

from .models import SmsLog, SmsTemplate


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "tpl_id", "type", "sign", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["name", "text"]


@admin.register(SmsLog)
class SmsLogAdmin(admin.ModelAdmin):
    """A read-only history: rows are evidence of what was sent."""

    list_display = ["created_at", "phone", "template", "status", "result", "sid", "fee"]
    list_filter = ["status", "template"]
    list_select_related = ["template"]
    search_fields = ["=sid"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
