"""Sample templates and a staff account for the demo. Safe to run again."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from django_tencent_sms.models import SmsTemplate

SAMPLE_TEMPLATES = [
    ("login-code", 1001, "您的登录验证码为{1}，{2}分钟内有效。", SmsTemplate.Type.VERIFICATION),
    (
        "signup-code",
        1002,
        "您正在注册，验证码为{1}，{2}分钟内有效。",
        SmsTemplate.Type.VERIFICATION,
    ),
    ("order-shipped", 2001, "您的订单{1}已发货，快递单号{2}。", SmsTemplate.Type.NOTIFICATION),
]


class Command(BaseCommand):
    help = "Create the demo's sample SMS templates and staff account if they do not exist."

    def handle(self, *args, **options):
        for name, tpl_id, text, kind in SAMPLE_TEMPLATES:
            SmsTemplate.objects.get_or_create(
                name=name, defaults={"tpl_id": tpl_id, "text": text, "type": kind}
            )
        username = os.environ.get("DEMO_USERNAME", "admin")
        password = os.environ.get("DEMO_PASSWORD", "admin")
        User = get_user_model()
        if not User.objects.filter(username=username).exists():
            User.objects.create_superuser(username, password=password)
            self.stdout.write(f"Created staff account {username!r} with password {password!r}.")
        else:
            self.stdout.write(f"Staff account {username!r} exists (password unchanged).")
