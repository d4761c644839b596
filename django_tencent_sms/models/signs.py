"""Signatures as Tencent lists them: read from Tencent by the catalog sync, never edited here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.models.review import Reach, ReviewStatus

__all__ = ["SmsSign"]


class SmsSign(models.Model):
    """A signature of the account, as Tencent's ``DescribeSmsSignList``/``get_sign`` gave it."""

    sign_id = models.PositiveBigIntegerField(_("Tencent signature ID"), unique=True)
    text = models.CharField(_("text"), max_length=64, db_index=True)
    status = models.CharField(
        _("review status"), max_length=20, choices=ReviewStatus.choices, default="unknown"
    )
    review_reply = models.TextField(_("review reply"), blank=True)
    international = models.PositiveSmallIntegerField(
        _("reach"), choices=Reach.choices, null=True, blank=True
    )
    synced_at = models.DateTimeField(_("synced"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS signature")
        verbose_name_plural = _("SMS signatures")
        ordering = ["text", "sign_id"]
        default_permissions = ["view"]

    def __str__(self) -> str:
        return self.text

    @property
    def is_usable(self) -> bool:
        """Whether Tencent lets messages go out with it (status approved)."""
        return self.status == ReviewStatus.APPROVED
