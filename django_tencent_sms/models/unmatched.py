"""Delivery reports for a sid no send log has yet, kept a while in case one learns it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["UnmatchedReport"]


class UnmatchedReport(models.Model):
    """A report that named a sid no ``SmsLog`` had when it came (a send whose answer was lost,
    or one from another system on the account). Applied, then deleted, when a log gets that sid
    (``account.reconcile``); otherwise purged after ``TENCENT_SMS["UNMATCHED_REPORT_DAYS"]``."""

    sid = models.CharField(_("Tencent sid"), max_length=128)
    delivered = models.BooleanField(_("delivered"))
    report_code = models.CharField(_("carrier code"), max_length=32, blank=True)
    report_description = models.CharField(_("report description"), max_length=255, blank=True)
    delivered_at = models.DateTimeField(_("received by the phone"), null=True, blank=True)
    nationcode = models.CharField(_("country code"), max_length=4, blank=True)
    mobile = models.CharField(_("mobile"), max_length=17, blank=True)
    session_context = models.TextField(_("session context"), blank=True)
    kept_at = models.DateTimeField(_("kept since"), default=timezone.now)

    class Meta:
        verbose_name = _("unmatched delivery report")
        verbose_name_plural = _("unmatched delivery reports")
        default_permissions = ["view"]
        indexes = [
            models.Index(fields=["sid"], name="tencent_sms_unmatched_sid"),
            models.Index(fields=["kept_at"], name="tencent_sms_unmatched_kept"),
        ]

    def __str__(self) -> str:
        return str(_("Delivery report for sid %(sid)s")) % {"sid": self.sid}
