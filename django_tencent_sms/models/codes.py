"""Verification codes (hashed, never in clear) and the refusals that throttle probing."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from django_tencent_sms.masking import mask_phone
from django_tencent_sms.models.log import SmsLog

__all__ = ["CodeRefusal", "VerificationCode"]


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
        _("sending state"), max_length=16, choices=State.choices, default=State.PENDING
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
    # By SMS or by a voice call: the same limits count both.
    channel = models.CharField(
        _("channel"), max_length=8, choices=SmsLog.Channel.choices, default=SmsLog.Channel.SMS
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
