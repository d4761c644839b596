"""Delete old ``SmsLog`` rows in short batches, for data retention."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from django_tencent_sms.conf import SETTING_NAME, sms_settings

DEFAULT_BATCH_SIZE = 1000

DURATION_RE = re.compile(r"(?P<sign>[+-]?)(?P<number>[0-9]+)(?P<unit>[dwh]?)", re.IGNORECASE)
UNITS = {"": "days", "d": "days", "w": "weeks", "h": "hours"}
ACCEPTED_FORMS = "a whole number of days (90), or a number with a unit: 90d, 12w or 36h"


def parse_duration(value: str) -> timedelta:
    """``"90d"``, ``"12w"``, ``"36h"`` or a plain number of days as a positive ``timedelta``;
    a ``CommandError`` naming the accepted forms for anything else."""
    match = DURATION_RE.fullmatch(str(value).strip())
    if not match:
        raise CommandError(f"Invalid duration {value!r}: use {ACCEPTED_FORMS}.")
    number = int(match["number"])
    if number < 1 or match["sign"] == "-":
        raise CommandError(
            f"The duration must be more than zero, not {value!r}: use {ACCEPTED_FORMS}."
        )
    try:
        return timedelta(**{UNITS[match["unit"].lower()]: number})
    except OverflowError:
        raise CommandError(f"The duration {value!r} is too long.") from None


def cutoff_for(age: timedelta, now: datetime | None = None) -> datetime:
    """The moment ``age`` before ``now`` (default ``timezone.now()``), to the whole second so
    the time printed is exactly the one used. Rows created before it are old enough to go."""
    now = timezone.now() if now is None else now
    try:
        return (now - age).replace(microsecond=0)
    except OverflowError:
        raise CommandError(f"A cut-off {age} before now is out of range.") from None


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

    if batch_size < 1:
        raise ValueError("batch_size must be 1 or more.")
    old = (
        SmsLog.objects.using(using)
        .filter(created_at__lt=cutoff)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    total = 0
    while True:
        with transaction.atomic(using=using):
            pks = list(old[:batch_size])
            if not pks:
                break
            _, per_model = SmsLog.objects.using(using).filter(pk__in=pks).delete()
        deleted = per_model.get(SmsLog._meta.label, 0)
        total += deleted
        if on_batch is not None:
            on_batch(deleted, total)
    if total and connections[using].vendor == "postgresql":
        # The admin pages the log by the planner's row estimate: refresh it after a purge.
        with connections[using].cursor() as cursor:
            cursor.execute(f"ANALYZE {connections[using].ops.quote_name(SmsLog._meta.db_table)}")
    return total


def batch_size_argument(value: Any) -> int:
    """``--batch-size`` as a positive int, or an ``ArgumentTypeError`` (a usage error)."""
    try:
        number = int(value) if not isinstance(value, bool) else 0
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more, not {value!r}")
    return number


def plural(count: int) -> str:
    return f"{count} SMS log" if count == 1 else f"{count} SMS logs"


class Command(BaseCommand):
    help = (
        "Delete SmsLog rows created before a cut-off (now minus --older-than, or "
        f"{SETTING_NAME}['LOG_RETENTION_DAYS'] days), in short batches. Templates, users and "
        "resends of deleted messages are kept."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--older-than",
            metavar="AGE",
            help=(
                "Delete logs older than this: 90d (days), 12w (weeks), 36h (hours), or a plain "
                f"number of days. Default: {SETTING_NAME}['LOG_RETENTION_DAYS'] days."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only report how many logs would be deleted; delete nothing.",
        )
        parser.add_argument(
            "--batch-size",
            type=batch_size_argument,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows deleted per transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help=f'Database to purge. Defaults to the "{DEFAULT_DB_ALIAS}" database.',
        )

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

        verbosity = options["verbosity"]
        using = options["database"]
        try:
            # call_command hands keyword options over without argparse's type conversion.
            batch_size = batch_size_argument(options["batch_size"])
        except argparse.ArgumentTypeError as exc:
            raise CommandError(f"--batch-size {exc}.") from None
        cutoff = cutoff_for(self.age(options["older_than"]))
        shown = timezone.localtime(cutoff) if timezone.is_aware(cutoff) else cutoff

        if options["dry_run"]:
            count = SmsLog.objects.using(using).filter(created_at__lt=cutoff).count()
            if verbosity >= 1:
                self.stdout.write(f"Would delete {plural(count)} created before {shown}.")
            return

        def progress(deleted: int, so_far: int) -> None:
            if verbosity >= 2:
                self.stdout.write(f"Deleted {plural(deleted)} ({so_far} so far).")

        total = purge_logs(cutoff, batch_size=batch_size, using=using, on_batch=progress)
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"Deleted {plural(total)} created before {shown}.")
            )
