"""System checks on what the catalog sync read from Tencent (W040, W041).

Both read the database, so they are database checks: ``manage.py check --database default``
and ``migrate`` run them (Django runs no database check without a database to look at).
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError

from django_tencent_sms.conf import SETTING_NAME, sms_settings
from django_tencent_sms.models import ReviewStatus, SmsSign, SmsTemplate

__all__ = ["check_catalog"]

#: How many names a warning lists before "and N more".
_SHOWN = 10


def _names(values: list[str]) -> str:
    shown = ", ".join(values[:_SHOWN])
    return shown + (f" and {len(values) - _SHOWN} more" if len(values) > _SHOWN else "")


@checks.register(checks.Tags.database)
def check_catalog(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """W040: active templates Tencent has not approved; W041: a signature in use that Tencent
    lists, but not as usable."""
    if not databases:
        return []
    found: list[checks.CheckMessage] = []
    for alias in sorted(databases):
        try:
            found += _templates(alias) + _signs(alias)
        except DatabaseError:
            return []  # not migrated yet: Django's own checks and migrate say so
    return found


def _templates(alias: str) -> list[checks.CheckMessage]:
    rows = (
        SmsTemplate.objects.using(alias)
        .filter(is_active=True)
        .exclude(status__in=[ReviewStatus.APPROVED, ReviewStatus.UNKNOWN])
        .order_by("name")
    )
    names = [f"{row.name} ({row.status})" for row in rows.only("name", "status")]
    if not names:
        return []
    return [
        checks.Warning(
            f"Active SMS templates that Tencent has not approved, which every send refuses: "
            f"{_names(names)}.",
            hint="See the review reply in the admin; fix the template in Tencent's console, "
            "then run manage.py tencent_sms_sync, or deactivate it.",
            id="tencent_sms.W040",
        )
    ]


def _signs(alias: str) -> list[checks.CheckMessage]:
    in_use: dict[str, str] = {}
    sign = sms_settings.SIGN
    if isinstance(sign, str) and sign.strip():
        in_use[sign.strip()] = f"{SETTING_NAME}['SIGN']"
    templates = SmsTemplate.objects.using(alias).filter(is_active=True).exclude(sign="")
    for name, text in templates.values_list("name", "sign"):
        in_use.setdefault(text.strip(), f"template {name}")
    if not in_use:
        return []
    listed: dict[str, set[str]] = {}
    for text, status in (
        SmsSign.objects.using(alias).filter(text__in=list(in_use)).values_list("text", "status")
    ):
        listed.setdefault(text, set()).add(status)
    unusable = [
        f"{text!r} ({where}: {', '.join(sorted(statuses))})"
        for text, where in in_use.items()
        if (statuses := listed.get(text)) and ReviewStatus.APPROVED not in statuses
    ]
    if not unusable:
        return []
    return [
        checks.Warning(
            f"Signatures in use that Tencent lists as not usable: {_names(unusable)}.",
            hint="Tencent refuses messages with them (1012, "
            "FailedOperation.SignatureIncorrectOrUnapproved) until the review passes.",
            id="tencent_sms.W041",
        )
    ]
