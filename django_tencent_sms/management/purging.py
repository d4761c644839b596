"""What the purge commands share: durations, the batched delete, the common options and output.

The options are ``--dry-run``, ``--batch-size`` and ``--database``."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import QuerySet
from django.utils import timezone

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


def batch_size_argument(value: Any) -> int:
    """``--batch-size`` as a positive int, or an ``ArgumentTypeError`` (a usage error)."""
    try:
        number = int(value) if not isinstance(value, bool) else 0
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more, not {value!r}")
    return number


def delete_in_batches(
    pks: QuerySet[Any, Any],
    *,
    batch_size: int,
    using: str,
    on_batch: Callable[[int, int], None] | None = None,
) -> int:
    """Delete the rows whose primary keys ``pks`` (an ordered ``values_list("pk", flat=True)``)
    gives, in transactions of at most ``batch_size`` rows; the number deleted.

    Each round takes the first batch of keys still there and deletes them by ``pk__in``, so no
    round holds locks or memory for more than one batch. ``on_batch(deleted_in_batch,
    deleted_so_far)`` is called after each round.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be 1 or more.")
    model = pks.model
    total = 0
    while True:
        with transaction.atomic(using=using):
            batch = list(pks[:batch_size])
            if not batch:
                break
            _, per_model = model._default_manager.using(using).filter(pk__in=batch).delete()
        deleted = per_model.get(model._meta.label, 0)
        total += deleted
        if on_batch is not None:
            on_batch(deleted, total)
    return total


class PurgeCommand(BaseCommand):
    """A purge command: its own options first, then ``--dry-run``, ``--batch-size`` and
    ``--database``; ``purge()`` reports what would go, or deletes it with progress."""

    #: What is deleted, as the output counts it: one and more.
    noun = ("row", "rows")
    #: What is deleted, in ``--dry-run``'s help.
    rows = "rows"

    def plural(self, count: int) -> str:
        """``"1 row"``, ``"2 rows"``."""
        one, more = self.noun
        return f"{count} {one if count == 1 else more}"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=f"Only report how many {self.rows} would be deleted; delete nothing.",
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

    @staticmethod
    def batch_size(options: dict[str, Any]) -> int:
        try:
            # call_command hands keyword options over without argparse's type conversion.
            return batch_size_argument(options["batch_size"])
        except argparse.ArgumentTypeError as exc:
            raise CommandError(f"--batch-size {exc}.") from None

    @staticmethod
    def shown(cutoff: datetime) -> datetime:
        """``cutoff`` as printed: in the current time zone when it is aware."""
        return timezone.localtime(cutoff) if timezone.is_aware(cutoff) else cutoff

    def purge(
        self,
        options: dict[str, Any],
        *,
        which: str,
        count: Callable[[], int],
        delete: Callable[[Callable[[int, int], None]], int],
    ) -> None:
        """With ``--dry-run``, say how many ``count()`` finds; otherwise ``delete(on_batch)``
        and say how many went. ``which`` ends each sentence: "created before …"."""
        verbosity = options["verbosity"]
        if options["dry_run"]:
            number = count()
            if verbosity >= 1:
                self.stdout.write(f"Would delete {self.plural(number)} {which}.")
            return

        def progress(deleted: int, so_far: int) -> None:
            if verbosity >= 2:
                self.stdout.write(f"Deleted {self.plural(deleted)} ({so_far} so far).")

        total = delete(progress)
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(f"Deleted {self.plural(total)} {which}."))
