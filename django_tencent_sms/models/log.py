"""The send log: one row per message, written before its request, saying what happened."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from phonenumber_field.modelfields import PhoneNumberField

from django_tencent_sms.masking import mask_phone
from django_tencent_sms.models.log_writes import SmsLogQuerySet, delete_row, save_row
from django_tencent_sms.models.templates import SmsTemplate
from django_tencent_sms.rollup import single_row

__all__ = ["SmsLog"]


class SmsLog(models.Model):
    """One attempted message, written before the request leaves and updated with the outcome."""

    class Status(models.TextChoices):
        # Background sending: written, waiting for a worker; then taken by one.
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", pgettext_lazy("SMS status", "Unknown")
        # Set from Tencent's delivery reports.
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")
        # Not sent: the number is on the opt-out list (models.optouts); no request was made.
        OPTED_OUT = "opted_out", _("Opted out")

    phone = PhoneNumberField(_("phone"))
    template = models.ForeignKey(
        SmsTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logs",
    )
    tpl_id = models.PositiveIntegerField(_("Tencent template ID"))
    params = models.JSONField(_("parameters"), default=list, blank=True)
    sign = models.CharField(_("signature"), max_length=32, blank=True)
    ext = models.TextField(_("session context (ext)"), blank=True)
    extend = models.CharField(_("extend code"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    result = models.IntegerField(_("Tencent result"), null=True, blank=True)
    errmsg = models.TextField(_("error message"), blank=True)
    sid = models.CharField(_("Tencent sid"), max_length=128, blank=True)
    fee = models.PositiveIntegerField(_("fee"), null=True, blank=True)
    request_id = models.CharField(
        _("request ID"),
        max_length=64,
        blank=True,
        help_text=_("Tencent Cloud API 3.0's RequestId, for support tickets."),
    )
    backend = models.CharField(_("backend"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # When a worker took the row (queued -> sending, in the same UPDATE): the start of its
    # request, which is what "stuck" counts from. None for rows never queued. No index of its
    # own: the rows in progress are found by the status index, and they are few.
    claimed_at = models.DateTimeField(_("taken by a worker"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    duration = models.DurationField(_("duration"), null=True, blank=True)
    resend_of = models.ForeignKey(
        "self",
        verbose_name=_("resend of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resends",
        db_index=False,  # partial index below: almost every row has none
    )
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # One id for the messages of one bulk send (send_bulk), None for single sends.
    batch = models.UUIDField(_("bulk batch"), null=True, blank=True, editable=False)
    # From Tencent's delivery report (callback or pullstatus).
    delivered_at = models.DateTimeField(
        _("received by the phone"),
        null=True,
        blank=True,
        help_text=_("user_receive_time of Tencent's delivery report."),
    )
    report_code = models.CharField(
        _("carrier code"),
        max_length=32,
        blank=True,
        help_text=_("errmsg of the delivery report: DELIVRD, or the carrier's reason."),
    )
    report_description = models.CharField(_("report description"), max_length=255, blank=True)
    reported_at = models.DateTimeField(_("report received"), null=True, blank=True)
    # Set by `manage.py tencent_sms_recover` when a queued row's task was lost and it was
    # enqueued again: it is, once.
    requeued_at = models.DateTimeField(_("queued again"), null=True, blank=True, editable=False)

    # How the message went out: an SMS, or a verification code read out by a phone call (then
    # without a template: template is null, tpl_id 0, params the redacted code).
    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        VOICE = "voice", _("Voice call")

    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.SMS
    )

    # Writes keep the dashboard's daily rollup (models.log_writes, rollup.tracking).
    objects = SmsLogQuerySet.as_manager()
    # What rows.RowWriter's own SQL wraps its writes in, for the same upkeep.
    row_tracking = single_row

    class Meta:
        base_manager_name = "objects"
        verbose_name = _("SMS log")
        verbose_name_plural = _("SMS logs")
        ordering = ["-created_at", "-id"]
        indexes = [
            # fee last: the admin's totals for a date range or a status (a count and a sum over
            # up to 100,000 rows) then read the index alone, not one table page per row.
            models.Index(fields=["-created_at", "-id", "fee"], name="tencent_sms_log_created"),
            models.Index(fields=["status", "-created_at", "fee"], name="tencent_sms_log_status"),
            models.Index(fields=["phone", "-created_at"], name="tencent_sms_log_phone"),
            models.Index(fields=["sid"], name="tencent_sms_log_sid"),
            models.Index(
                fields=["resend_of"],
                name="tencent_sms_log_resend_of",
                condition=models.Q(resend_of__isnull=False),
            ),
            models.Index(
                fields=["batch"],
                name="tencent_sms_log_batch",
                condition=models.Q(batch__isnull=False),
            ),
            models.Index(
                fields=["resent_by"],
                name="tencent_sms_log_resent_by",
                condition=models.Q(resent_by__isnull=False),
            ),
        ]
        # History is evidence: nobody adds or edits rows by hand. Deleting is a separate duty.
        default_permissions = ["view"]
        permissions = [
            ("resend_smslog", _("Can resend SMS messages")),
            ("view_full_phone", _("Can see full phone numbers in the SMS log")),
            ("purge_smslog", _("Can delete SMS logs (data retention)")),
        ]

    def __str__(self) -> str:
        # Shown in admin titles, breadcrumbs and "recent actions": never the whole number.
        return _("SMS #%(id)s to %(phone)s (%(status)s)") % {
            "id": self.pk,
            "phone": mask_phone(self.phone),
            "status": self.get_status_display(),
        }

    def save(self, *args, **kwargs):
        if args:  # Django 6 takes keyword arguments only; 5.2 still takes them in order
            names = ("force_insert", "force_update", "using", "update_fields")
            kwargs.update(zip(names, args, strict=False))
        save_row(self, super().save, kwargs)

    save.alters_data = True  # type: ignore[attr-defined]

    def delete(self, using=None, keep_parents=False):
        return delete_row(self, super().delete, {"using": using, "keep_parents": keep_parents})

    delete.alters_data = True  # type: ignore[attr-defined]
