"""The app's admin: registers each model with its ModelAdmin (one concern per module here).

Send history (read-only, resend, delivery reports), fee dashboard, templates with test sends,
verification codes (read-only, never the code), replies (read-only), the opt-out list."""

from django.contrib import admin

from django_tencent_sms.admin.catalog import SmsSignAdmin
from django_tencent_sms.admin.log import SmsLogAdmin
from django_tencent_sms.admin.optouts import SmsOptOutAdmin
from django_tencent_sms.admin.replies import SmsReplyAdmin
from django_tencent_sms.admin.templates import SmsTemplateAdmin
from django_tencent_sms.admin.verification_codes import VerificationCodeAdmin
from django_tencent_sms.models import (
    SmsLog,
    SmsOptOut,
    SmsReply,
    SmsSign,
    SmsTemplate,
    VerificationCode,
)

__all__ = [
    "SmsLogAdmin",
    "SmsOptOutAdmin",
    "SmsReplyAdmin",
    "SmsSignAdmin",
    "SmsTemplateAdmin",
    "VerificationCodeAdmin",
]

admin.site.register(SmsLog, SmsLogAdmin)
admin.site.register(SmsTemplate, SmsTemplateAdmin)
admin.site.register(VerificationCode, VerificationCodeAdmin)
admin.site.register(SmsReply, SmsReplyAdmin)
admin.site.register(SmsOptOut, SmsOptOutAdmin)
admin.site.register(SmsSign, SmsSignAdmin)
