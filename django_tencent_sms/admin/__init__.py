"""The admin: send history (read-only, resend), fee dashboard, templates with test sends,
verification codes (read-only, never the code)."""

from django.contrib import admin

from ..models import SmsLog, SmsTemplate, VerificationCode
from .codes import VerificationCodeAdmin
from .log import SmsLogAdmin
from .templates import SmsTemplateAdmin

__all__ = ["SmsLogAdmin", "SmsTemplateAdmin", "VerificationCodeAdmin"]

admin.site.register(SmsLog, SmsLogAdmin)
admin.site.register(SmsTemplate, SmsTemplateAdmin)
admin.site.register(VerificationCode, VerificationCodeAdmin)
