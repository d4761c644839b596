"""Sample templates and a staff account with a phone number, for the demo. Safe to run again:
it creates only what is missing, and changes nothing that exists."""

import os

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from django_tencent_sms.models import SmsTemplate
from example_project.accounts.models import Profile

#: The staff account's number: it signs in on the site with a code sent there.
DEMO_PHONE = "+8613800138000"


def sample_templates():
    """(name, Tencent template ID, text, type): the verification template the OTP settings
    name (every code is sent with it: sign-in, sign-up, change of number), a notification,
    and a marketing message (not sent to numbers that replied 退订 from the emulator's inbox)."""
    return [
        (
            settings.TENCENT_SMS["OTP"]["TEMPLATE"],
            1001,
            "您的验证码为{1}，{2}分钟内有效。",
            SmsTemplate.Type.VERIFICATION,
        ),
        ("order-shipped", 2001, "您的订单{1}已发货，快递单号{2}。", SmsTemplate.Type.NOTIFICATION),
        ("sale-notice", 3001, "双11大促，全场{1}折起！回T退订", SmsTemplate.Type.MARKETING),
    ]


class Command(BaseCommand):
    help = "Create the demo's sample SMS templates and staff account if they do not exist."

    def handle(self, *args, **options):
        for name, tpl_id, text, kind in sample_templates():
            SmsTemplate.objects.get_or_create(
                name=name, defaults={"tpl_id": tpl_id, "text": text, "type": kind}
            )
        username = os.environ.get("DEMO_USERNAME", "admin")
        password = os.environ.get("DEMO_PASSWORD", "admin")
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_superuser(username, password=password)
            self.stdout.write(f"Created staff account {username!r} with password {password!r}.")
        else:
            self.stdout.write(f"Staff account {username!r} exists (password unchanged).")
        if hasattr(user, "phone_verified") and not user.phone:
            # The allauth variant (settings_allauth): the number is on the user, verified.
            if User.objects.filter(phone=DEMO_PHONE).exists():
                self.stdout.write(f"{DEMO_PHONE} belongs to another account.")
            else:
                user.phone, user.phone_verified = DEMO_PHONE, True
                user.save(update_fields=["phone", "phone_verified"])
        if not Profile.objects.filter(user=user).exists():
            if Profile.objects.filter(phone=DEMO_PHONE).exists():
                self.stdout.write(
                    f"{DEMO_PHONE} belongs to another account: {username!r} has none."
                )
            else:
                Profile.objects.create(user=user, phone=DEMO_PHONE)
        if apps.is_installed("two_factor.plugins.phonenumber"):
            self.phone_device(user)
        profile = Profile.objects.filter(user=user).first()
        if profile:
            self.stdout.write(
                f"{username!r} signs in on the site with a code sent to "
                f"{profile.phone.as_international}."
            )

    def phone_device(self, user):
        """The two_factor variant (settings_two_factor): the staff account's second factor is
        a token texted to the demo's number."""
        from two_factor.plugins.phonenumber.models import PhoneDevice

        if not PhoneDevice.objects.filter(user=user).exists():
            PhoneDevice.objects.create(
                user=user, name="default", number=DEMO_PHONE, method="sms", confirmed=True
            )
        self.stdout.write(
            f"{user.get_username()!r} signs in to the admin with a token texted to {DEMO_PHONE}."
        )
