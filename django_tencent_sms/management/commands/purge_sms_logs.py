"""Delete old ``SmsLog`` rows in short batches, for data retention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from django_tencent_sms.conf import SETTING_NAME, sms_settings
from django_tencent_sms.management.purging import (
    DEFAULT_BATCH_SIZE,
    PurgeCommand,
    cutoff_for,
    delete_in_batches,
    parse_duration,
)


def purge_logs(
    cutoff: datetime,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    using: str = DEFAULT_DB_ALIAS,
    on_batch: Callable[[int, int], None] | None = None,
) -> int:
    """Delete the ``SmsLog`` rows created strictly before ``cutoff``, oldest first, in
    transactions of at most ``batch_size`` rows; the number deleted.

    Each round selects a batch of primary keys through the ``created_at`` index and deletes
    them by ``pk__in``, so no round holds locks or memory for more than one batch. Resends of a
    deleted row keep their own row; the foreign key sets their ``resend_of`` to NULL.
    ``on_batch(deleted_in_batch, deleted_so_far)`` is called after each round.
    """
    from django_tencent_sms.models import SmsLog

    old = (
        SmsLog.objects.using(using)
        .filter(created_at__lt=cutoff)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    total = delete_in_batches(old, batch_size=batch_size, using=using, on_batch=on_batch)
    if total and connections[using].vendor == "postgresql":
        # The admin pages the log by the planner's row estimate: refresh it after a purge.
        with connections[using].cursor() as cursor:
            cursor.execute(f"ANALYZE {connections[using].ops.quote_name(SmsLog._meta.db_table)}")
    return total


class Command(PurgeCommand):
    help = (
        "Delete SmsLog rows created before a cut-off (now minus --older-than, or "
        f"{SETTING_NAME}['LOG_RETENTION_DAYS'] days), in short batches. Templates, users and "
        "resends of deleted messages are kept."
    )
    noun = ("SMS log", "SMS logs")
    rows = "logs"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--older-than",
            metavar="AGE",
            help=(
                "Delete logs older than this: 90d (days), 12w (weeks), 36h (hours), or a plain "
                f"number of days. Default: {SETTING_NAME}['LOG_RETENTION_DAYS'] days."
            ),
        )
        super().add_arguments(parser)

    def age(self, older_than: str | None) -> timedelta:
        if older_than is not None:
            return parse_duration(older_than)
        days = sms_settings.LOG_RETENTION_DAYS
        if days is None:
            raise CommandError(
                f"{SETTING_NAME}['LOG_RETENTION_DAYS'] is None, so there is no default "
                "retention: pass --older-than (e.g. --older-than 90d) or set the setting."
            )
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise CommandError(
                f"{SETTING_NAME}['LOG_RETENTION_DAYS'] must be a whole number of days (1 or "
                f"more) or None, not {days!r}."
            )
        return timedelta(days=days)

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tencent_sms.models import SmsLog

        using = options["database"]
        batch_size = self.batch_size(options)
        cutoff = cutoff_for(self.age(options["older_than"]))
        self.purge(
            options,
            which=f"created before {self.shown(cutoff)}",
            count=SmsLog.objects.using(using).filter(created_at__lt=cutoff).count,
            delete=lambda on_batch: purge_logs(
                cutoff, batch_size=batch_size, using=using, on_batch=on_batch
            ),
        )
