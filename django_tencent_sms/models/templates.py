"""Templates: the texts approved in Tencent's console, known to the site by name."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from django_tencent_sms.models.review import Reach, ReviewStatus

__all__ = ["MAX_CONTENT_LENGTH", "MAX_FEE", "MAX_RESULT", "SmsTemplate", "placeholder_numbers"]


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
    # Tencent's review, as the catalog sync last read it (``account.catalog``).
    status = models.CharField(
        _("review status"),
        max_length=20,
        choices=ReviewStatus.choices,
        default="unknown",
        editable=False,
    )
    review_reply = models.TextField(_("review reply"), blank=True, editable=False)
    international = models.PositiveSmallIntegerField(
        _("reach"), choices=Reach.choices, null=True, blank=True, editable=False
    )
    synced_at = models.DateTimeField(_("synced"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        ordering = ["name"]
        permissions = [
            ("send_test_sms", _("Can send test messages from an SMS template")),
            ("sync_smstemplate", _("Can sync SMS templates and signatures from Tencent")),
        ]

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

    @property
    def is_sendable(self) -> bool:
        """Whether the synced review status lets it be sent: approved, or never synced."""
        return self.status in (ReviewStatus.APPROVED, ReviewStatus.UNKNOWN)

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
