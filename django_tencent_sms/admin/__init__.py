"""The admin: send history (read-only, resend, delivery reports), fee dashboard, templates with
test sends, verification codes (read-only, never the code), replies (read-only)."""

from django.contrib import admin

from ..models import SmsLog, SmsReply, SmsTemplate, VerificationCode
from .codes import VerificationCodeAdmin
from .log import SmsLogAdmin
from .replies import SmsReplyAdmin
from .templates import SmsTemplateAdmin

__all__ = ["SmsLogAdmin", "SmsReplyAdmin", "SmsTemplateAdmin", "VerificationCodeAdmin"]

admin.site.register(SmsLog, SmsLogAdmin)
admin.site.register(SmsTemplate, SmsTemplateAdmin)
admin.site.register(VerificationCode, VerificationCodeAdmin)
admin.site.register(SmsReply, SmsReplyAdmin)
