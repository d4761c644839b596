"""Replies (MO messages) people send back, stored once each."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from django_tencent_sms.masking import mask_phone

__all__ = ["SmsReply", "reply_text_hash"]


def reply_text_hash(text: str) -> str:
    """What tells two replies' texts apart in ``SmsReply``'s unique constraint: the SHA-256 of
    the exact text (no collation folds case or emoji, and any length fits an index)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class SmsReply(models.Model):
    """A message a person sent back (Tencent's MO push, or pullstatus)."""

    phone = PhoneNumberField(_("phone"))
    text = models.TextField(_("text"))
    #: ``reply_text_hash(text)``, set on save (and by ``reports.apply`` for its bulk inserts).
    text_hash = models.CharField(_("text hash"), max_length=64, editable=False)
    sign = models.CharField(_("signature"), max_length=32, blank=True)
    extend = models.CharField(_("extend code"), max_length=32, blank=True)
    replied_at = models.DateTimeField(_("reply time"))
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
