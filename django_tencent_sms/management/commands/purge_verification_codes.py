"""Delete expired ``VerificationCode`` rows in short batches."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from django_tencent_sms.management.commands.purge_sms_logs import (
    DEFAULT_BATCH_SIZE,
    DURATION_RE,
    batch_size_argument,
    cutoff_for,
    parse_duration,
)

#: Codes created this recently are kept even when expired: the per-number and per-IP limits
#: of ``send_code`` count the codes of the last 24 hours.
KEEP_RECENT = timedelta(hours=24)


def parse_grace(value: str) -> timedelta:
    """``--grace``: the forms ``parse_duration`` takes, and zero (``0``, ``0d``…)."""
    match = DURATION_RE.fullmatch(str(value).strip())
    if match and match["sign"] != "-" and int(match["number"]) == 0:
        return timedelta(0)
    return parse_duration(value)


def purgeable(
    now: datetime, grace: timedelta = timedelta(0), *, using: str = DEFAULT_DB_ALIAS
) -> Any:
    """The codes that may go at ``now``: expired before ``now - grace`` and created more than
    24 hours before ``now``. An unexpired code is never among them."""
    from django_tencent_sms.models import VerificationCode

    return VerificationCode.objects.using(using).filter(
        expires_at__lt=cutoff_for(grace, now), created_at__lt=cutoff_for(KEEP_RECENT, now)
    )


def purge_codes(
    now: datetime,
    grace: timedelta = timedelta(0),
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    using: str = DEFAULT_DB_ALIAS,
    on_batch: Callable[[int, int], None] | None = None,
) -> int:
    """Delete the ``purgeable`` codes, soonest expired first, in transactions of at most
    ``batch_size`` rows; the number deleted. The SMS log rows they point at are kept.
    ``on_batch(deleted_in_batch, deleted_so_far)`` is called after each round."""
    from django_tencent_sms.models import VerificationCode

    if batch_size < 1:
        raise ValueError("batch_size must be 1 or more.")
    old = (
        purgeable(now, grace, using=using).order_by("expires_at", "id").values_list("pk", flat=True)
    )
    total = 0
    while True:
        with transaction.atomic(using=using):
            pks = list(old[:batch_size])
            if not pks:
                break
            _, per_model = VerificationCode.objects.using(using).filter(pk__in=pks).delete()
        deleted = per_model.get(VerificationCode._meta.label, 0)
        total += deleted
        if on_batch is not None:
            on_batch(deleted, total)
    return total


def plural(count: int) -> str:
    return f"{count} verification code" if count == 1 else f"{count} verification codes"


class Command(BaseCommand):
    help = (
        "Delete verification codes that expired before now minus --grace, in short batches. "
        "Codes created in the last 24 hours are kept even when expired, because the per-number "
        "and per-IP limits count them; unexpired codes are never deleted. The SMS logs of the "
        "codes are kept (purge_sms_logs deals with those)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--grace",
            metavar="AGE",
            default="0",
            help=(
                "Keep codes for this long after they expire, e.g. for support questions: 1d "
                "(days), 2w (weeks), 36h (hours), or a plain number of days. Default 0: delete "
                "codes as soon as they have expired (and are more than 24 hours old)."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only report how many codes would be deleted; delete nothing.",
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

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tencent_sms import otp

        verbosity = options["verbosity"]
        using = options["database"]
        try:
            # call_command hands keyword options over without argparse's type conversion.
            batch_size = batch_size_argument(options["batch_size"])
        except argparse.ArgumentTypeError as exc:
            raise CommandError(f"--batch-size {exc}.") from None
        grace = parse_grace(options["grace"])
        now = otp.clock()
        cutoff = cutoff_for(grace, now)
        shown = timezone.localtime(cutoff) if timezone.is_aware(cutoff) else cutoff

        if options["dry_run"]:
            count = purgeable(now, grace, using=using).count()
            if verbosity >= 1:
                self.stdout.write(f"Would delete {plural(count)} that expired before {shown}.")
                self._report_kept(now, cutoff, using)
            return

        def progress(deleted: int, so_far: int) -> None:
            if verbosity >= 2:
                self.stdout.write(f"Deleted {plural(deleted)} ({so_far} so far).")

        total = purge_codes(now, grace, batch_size=batch_size, using=using, on_batch=progress)
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"Deleted {plural(total)} that expired before {shown}.")
            )
            self._report_kept(now, cutoff, using)

    def _report_kept(self, now: datetime, cutoff: datetime, using: str) -> None:
        """Say how many expired codes stay because they are less than 24 hours old."""
        from django_tencent_sms.models import VerificationCode

        kept = (
            VerificationCode.objects.using(using)
            .filter(expires_at__lt=cutoff, created_at__gte=cutoff_for(KEEP_RECENT, now))
            .count()
        )
        if kept:
            self.stdout.write(
                f"Kept {plural(kept)} created in the last 24 hours: the per-number and per-IP "
                "limits count them."
            )
