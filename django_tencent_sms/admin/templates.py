from django.contrib import admin


class SmsTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "tpl_id", "type", "sign", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["name", "text"]
