"""The app's tables: templates, the send log, verification codes and replies."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from phonenumber_field.modelfields import PhoneNumberField

from django_tencent_sms.masking import mask_phone

__all__ = ["SmsLog", "SmsReply", "SmsTemplate", "VerificationCode", "reply_text_hash"]

#: Tencent's limit for one submission, signature included.
MAX_CONTENT_LENGTH = 450
#: The largest ``fee`` and ``result`` the log stores (a 32-bit column on every database).
MAX_FEE = MAX_RESULT = 2**31 - 1

PLACEHOLDER_RE = re.compile(r"\{(\d+)\}")


def placeholder_numbers(text: str) -> list[int]:
    return sorted({int(n) for n in PLACEHOLDER_RE.findall(text)})


class SmsTemplate(models.Model):
    """A template approved in Tencent's console, known to the site by a stable ``name``."""

    class Type(models.TextChoices):
        VERIFICATION = "verification", _("Verification code")
        NOTIFICATION = "notification", _("Notification")
        MARKETING = "marketing", _("Marketing")

    name = models.SlugField(
        _("name"), max_length=100, unique=True, help_text=_("The name your code uses to send it.")
    )
    tpl_id = models.PositiveIntegerField(
        _("Tencent template ID"), db_index=True, help_text=_("The ID shown in Tencent's console.")
    )
    text = models.TextField(
        _("text"),
        help_text=_("The approved text, with placeholders {1}, {2}, … as in Tencent's console."),
    )
    sign = models.CharField(
        _("signature"),
        max_length=32,
        blank=True,
        help_text=_("Signature text without 【】; empty uses TENCENT_SMS['SIGN']."),
    )
    type = models.CharField(
        _("type"), max_length=16, choices=Type.choices, default=Type.NOTIFICATION
    )
    is_active = models.BooleanField(pgettext_lazy("SMS template", "active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        ordering = ["name"]
        permissions = [("send_test_sms", _("Can send test messages from an SMS template"))]

    def __str__(self) -> str:
        return self.name

    @property
    def param_count(self) -> int:
        """How many parameters the template takes (its highest placeholder number)."""
        numbers = placeholder_numbers(self.text)
        return numbers[-1] if numbers else 0

    def render(self, params: list[str] | tuple[str, ...]) -> str:
        """The text with ``{n}`` replaced by ``params[n-1]``."""
        return PLACEHOLDER_RE.sub(lambda m: params[int(m.group(1)) - 1], self.text)

    def clean(self) -> None:
        super().clean()
        numbers = placeholder_numbers(self.text or "")
        if numbers and numbers != list(range(1, numbers[-1] + 1)):
            found = ", ".join(f"{{{n}}}" for n in numbers)
            message = _("Placeholders must be numbered {1}, {2}, … without gaps; found %(found)s.")
            raise ValidationError(
                {"text": ValidationError(message, code="placeholders", params={"found": found})}
            )
        if len(self.text or "") > MAX_CONTENT_LENGTH:
            raise ValidationError(
                {
                    "text": ValidationError(
                        _("Tencent accepts at most %(max)d characters."),
                        code="too_long",
                        params={"max": MAX_CONTENT_LENGTH},
                    )
                }
            )


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

    class Meta:
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


class VerificationCode(models.Model):
    """One verification code sent by SMS. The code itself is never stored: only a keyed hash.

    Managed by ``django_tencent_sms.otp.service``; see ``send_code`` and ``verify_code``.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Being sent")
        SENT = "sent", _("Sent")
        UNKNOWN = "unknown", _("Outcome unknown")
        FAILED = "failed", _("Not sent")
        WITHHELD = "withheld", _("Not sent: no account")

    phone = PhoneNumberField(_("phone"))
    purpose = models.CharField(_("purpose"), max_length=32)
    code_hash = models.CharField(_("code hash"), max_length=64, editable=False)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    superseded_at = models.DateTimeField(
        _("superseded"),
        null=True,
        blank=True,
        help_text=_("When a newer code for the same number and purpose replaced this one."),
    )
    ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=2, blank=True, default="")
    uncounted_at = models.DateTimeField(
        _("limits cleared"),
        null=True,
        blank=True,
        help_text=_(
            "When staff cleared the number's limits: the code no longer counts against its "
            "number's cooldown and caps."
        ),
    )
    log = models.ForeignKey(
        SmsLog,
        verbose_name=_("SMS log"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        ordering = ["-created_at", "-id"]
        default_permissions = ["view"]
        permissions = [("clear_code_limits", _("Can clear a number's code limits"))]
        indexes = [
            models.Index(fields=["phone", "purpose", "-created_at"], name="tencent_sms_code_phone"),
            models.Index(
                fields=["ip", "-created_at"],
                name="tencent_sms_code_ip",
                condition=models.Q(ip__isnull=False),
            ),
            models.Index(fields=["created_at"], name="tencent_sms_code_created"),
            models.Index(fields=["expires_at"], name="tencent_sms_code_expires"),
            models.Index(fields=["region", "created_at"], name="tencent_sms_code_region"),
        ]

    def __str__(self) -> str:
        return _("%(purpose)s code for %(phone)s") % {
            "purpose": self.purpose,
            "phone": mask_phone(self.phone),
        }

    def __repr__(self) -> str:
        return (
            f"<VerificationCode #{self.pk} {self.purpose} {mask_phone(self.phone)} "
            f"{self.state} attempts={self.attempts}>"
        )


def reply_text_hash(text: str) -> str:
    """What tells two replies' texts apart in ``SmsReply``'s unique constraint: the SHA-256 of
    the exact text (no collation folds case or emoji, and any length fits an index)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class CodeRefusal(models.Model):
    """A request for a verification code that was refused, by client network: an IP that keeps
    being refused is refused for a while without a look at anything else (``otp.refusals``)."""

    ip = models.GenericIPAddressField(_("client IP"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("refused code request")
        verbose_name_plural = _("refused code requests")
        default_permissions = []
        indexes = [
            models.Index(fields=["ip", "-created_at"], name="tencent_sms_refusal_ip"),
            models.Index(fields=["created_at"], name="tencent_sms_refusal_created"),
        ]

    def __str__(self) -> str:
        return f"{self.ip} {self.created_at:%Y-%m-%d %H:%M:%S}"


class SmsReply(models.Model):
    """A message a person sent back (Tencent's MO push, or pullstatus)."""

    phone = PhoneNumberField(_("phone"))
    text = models.TextField(_("text"))
    #: ``reply_text_hash(text)``, set on save (and by ``reports.apply`` for its bulk inserts).
    text_hash = models.CharField(_("text hash"), max_length=64, editable=False)
    sign = models.CharField(_("signature"), max_length=32, blank=True)
    extend = models.CharField(_("extend code"), max_length=32, blank=True)
    replied_at = models.DateTimeField(_("sent by the person"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("SMS reply")
        verbose_name_plural = _("SMS replies")
        ordering = ["-replied_at", "-id"]
        default_permissions = ["view"]
        indexes = [
            models.Index(fields=["phone", "-replied_at"], name="tencent_sms_reply_phone"),
            models.Index(fields=["-replied_at"], name="tencent_sms_reply_time"),
        ]
        constraints = [
            # A replayed push or an overlapping pull stores each reply once. By the text's
            # hash: an index on the text itself fails for a long reply (PostgreSQL's B-tree
            # takes about 2,700 bytes) and folds case and emoji on MariaDB (utf8mb4_*_ci).
            models.UniqueConstraint(
                fields=["phone", "replied_at", "text_hash"], name="tencent_sms_reply_once"
            )
        ]

    def __str__(self) -> str:
        return _("Reply from %(phone)s") % {"phone": mask_phone(self.phone)}

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.text_hash = reply_text_hash(self.text)
        super().save(*args, **kwargs)
