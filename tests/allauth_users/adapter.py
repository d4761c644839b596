"""The account adapter of the django-allauth tests: allauth's default with the mixin."""

from allauth.account.adapter import DefaultAccountAdapter

from django_tencent_sms.contrib.allauth import PhoneAdapterMixin


class AccountAdapter(PhoneAdapterMixin, DefaultAccountAdapter):
    pass


class OptedInAdapter(AccountAdapter):
    """A site that texts numbers with no account (allauth's enumeration prevention)."""

    unknown_account_template = "login-code"
    unknown_account_params = ("0000", "5")
