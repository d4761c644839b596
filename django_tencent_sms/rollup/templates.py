"""A deleted template's buckets become "no template" ones, as its log rows do (``SET_NULL``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.db.models.signals import post_delete
from django.dispatch import receiver

from django_tencent_sms.models import SmsDailyStat, SmsTemplate
from django_tencent_sms.rollup.buckets import Key, Tally
from django_tencent_sms.rollup.store import add

__all__ = ["template_deleted"]


@receiver(post_delete, sender=SmsTemplate, dispatch_uid="tencent_sms_rollup_template")
def template_deleted(sender: Any, instance: SmsTemplate, using: str, **kwargs: Any) -> None:
    """Runs in the delete's transaction, after the log's rows were set to no template."""
    rows: QuerySet[SmsDailyStat] = (
        QuerySet(SmsDailyStat).using(using).filter(template_pk=instance.pk)
    )
    moved: Tally = {}
    for day, tpl_id, status, messages, fee in (
        rows.select_for_update()
        .order_by("pk")
        .values_list("day", "tpl_id", "status", "messages", "fee")
    ):
        for key, sign in (
            (Key(day, instance.pk, tpl_id, status), -1),
            (Key(day, 0, tpl_id, status), 1),
        ):
            entry = moved.setdefault(key, [0, 0])
            entry[0] += sign * messages
            entry[1] += sign * fee
    add(moved, using)
    rows.filter(messages=0, fee=0).delete()
