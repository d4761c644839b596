from allauth.account.adapter import DefaultAccountAdapter

from django_tencent_sms.contrib.allauth import PhoneAdapterMixin


class AccountAdapter(PhoneAdapterMixin, DefaultAccountAdapter):
    """allauth's adapter, sending its codes through django-tencent-sms (the OTP template, the
    OTP caps, cooldown and budget) and checking numbers with its rules."""
