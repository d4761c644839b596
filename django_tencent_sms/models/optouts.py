"""The opt-out list: numbers whose owners asked for no more marketing messages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from django_tencent_sms.masking import mask_phone
from django_tencent_sms.models.replies import SmsReply

__all__ = ["SmsOptOut"]


class SmsOptOut(models.Model):
    """One number that opted out: by replying an unsubscribe keyword, or added by staff or code.

    A number is on the list at most once (E.164, unique). Removing the row (``opt_in``, or
    deleting it in the admin) takes the number off the list.
    """

    class Source(models.TextChoices):
        REPLY = "reply", _("Reply")
        STAFF = "staff", _("Staff")
        API = "api", _("API")

    phone = PhoneNumberField(_("phone"), unique=True)
    created_at = models.DateTimeField(_("opted out"), default=timezone.now, db_index=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    reply = models.ForeignKey(
        SmsReply,
        verbose_name=_("reply"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The reply that put the number on the list."),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("SMS opt-out")
        verbose_name_plural = _("SMS opt-outs")
        ordering = ["-created_at", "-id"]
        # An entry is a person's request: added or removed, never edited.
        default_permissions = ["add", "delete", "view"]

    def __str__(self) -> str:
        # Shown in admin titles and the admin log ("recent actions"): never the whole number.
        return _("Opt-out of %(phone)s") % {"phone": mask_phone(self.phone)}
