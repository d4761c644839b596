"""The admin: send history (read-only, resend), fee dashboard, templates with test sends."""

from django.contrib import admin

from ..models import SmsLog, SmsTemplate
from .log import SmsLogAdmin
from .templates import SmsTemplateAdmin

__all__ = ["SmsLogAdmin", "SmsTemplateAdmin"]

admin.site.register(SmsLog, SmsLogAdmin)
admin.site.register(SmsTemplate, SmsTemplateAdmin)
