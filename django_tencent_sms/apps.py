"""The app's configuration: its label, its name in the admin, and its system checks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TencentSmsConfig(AppConfig):
    name = "django_tencent_sms"
    label = "tencent_sms"
    verbose_name = _("Tencent SMS")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_tencent_sms import checks  # noqa: F401 - registers the system checks
        from django_tencent_sms.account import catalog_checks  # noqa: F401 - W040, W041
        from django_tencent_sms.contrib.two_factor import checks as two_factor_checks  # noqa: F401
        from django_tencent_sms.rollup import templates  # noqa: F401 - a deleted template
