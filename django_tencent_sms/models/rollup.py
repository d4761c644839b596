"""The dashboard's daily rollup: messages and fee per local day, template and status."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["SmsDailyStat", "SmsStatsState"]


class SmsDailyStat(models.Model):
    """What ``GROUP BY`` day, template, ``tpl_id`` and status gives over the send log.

    Kept up to date in the transaction of every write to the log (``django_tencent_sms.rollup``)
    and rebuilt from it by ``manage.py tencent_sms_rebuild_stats``. ``day`` is the local day of
    ``created_at`` in ``settings.TIME_ZONE``. ``template_pk`` is the log's template (0 for none),
    a plain number: the dashboard names it when it reads it, as it names the log's rows.
    """

    day = models.DateField(_("day"))
    template_pk = models.PositiveBigIntegerField(_("template"), default=0)
    tpl_id = models.PositiveIntegerField(_("Tencent template ID"))
    status = models.CharField(_("status"), max_length=16)
    messages = models.BigIntegerField(_("messages"), default=0)
    fee = models.BigIntegerField(_("fee"), default=0)

    class Meta:
        verbose_name = _("daily SMS figure")
        verbose_name_plural = _("daily SMS figures")
        default_permissions = ["view"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "template_pk", "tpl_id", "status"], name="tencent_sms_daily_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} #{self.tpl_id} {self.status}: {self.messages}"


class SmsStatsState(models.Model):
    """One row once the rollup holds the whole log: the time zone its days are in.

    Written by the migration that creates the rollup when the log is empty, and by a full
    ``tencent_sms_rebuild_stats``. Without it (an upgraded site not rebuilt yet), or when its
    zone is not the one the dashboard shows days in, the dashboard counts the log itself.
    """

    time_zone = models.CharField(_("time zone"), max_length=64)
    built_at = models.DateTimeField(_("built"))

    class Meta:
        verbose_name = _("SMS figures state")
        verbose_name_plural = _("SMS figures state")
        default_permissions = ["view"]

    def __str__(self) -> str:
        return self.time_zone
