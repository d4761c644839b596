"""Rebuild the dashboard's daily figures from the send log (``rollup.rebuild``), or list changes.

Needed once after upgrading to a version with the rollup, after changing ``TIME_ZONE``, and
after rows were written, changed or deleted outside the app (raw SQL, another program). Safe
while sends land: each chunk of days is rebuilt in one short transaction that holds the log's
writers off its days' figures (see ``rollup.rebuild``).
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from django_tencent_sms.rollup.buckets import rollup_zone
from django_tencent_sms.rollup.rebuild import CHUNK_DAYS, rebuild

#: Differences printed by --dry-run (and -v 2); the count says how many there were.
SHOWN = 100


def _day(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _days(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 366:
        raise argparse.ArgumentTypeError(f"expected a number of days from 1 to 366, got {text!r}")
    return int(text)


class Command(BaseCommand):
    help = (
        "Rebuild the fee dashboard's daily figures (per day, template and status) from the SMS "
        "log, a few days per transaction; safe while messages are being sent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=_day, metavar="DATE", help="first day (YYYY-MM-DD)")
        parser.add_argument("--until", type=_day, metavar="DATE", help="last day (YYYY-MM-DD)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="change nothing: print the figures that differ from the log",
        )
        parser.add_argument(
            "--chunk-days",
            type=_days,
            default=CHUNK_DAYS,
            metavar="N",
            help=f"days rebuilt per transaction (default {CHUNK_DAYS})",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        since, until = options["since"], options["until"]
        if since and until and since > until:
            raise CommandError(f"--since {since} is after --until {until}.")
        verbosity = options["verbosity"]

        def progress(start: date, end: date, changed: int) -> None:
            if verbosity >= 2:
                self.stdout.write(f"{start} to {end}: {changed} figures differed")

        result = rebuild(
            since,
            until,
            using=options["database"],
            dry_run=options["dry_run"],
            chunk_days=options["chunk_days"],
            keep=SHOWN,
            on_chunk=progress,
        )
        if options["dry_run"] or verbosity >= 2:
            for key, (old_n, old_fee), (new_n, new_fee) in result.differences:
                self.stdout.write(
                    f"{key.day} template {key.template_pk or '-'} tpl_id {key.tpl_id} "
                    f"{key.status}: stored {old_n} messages / fee {old_fee}, "
                    f"log {new_n} messages / fee {new_fee}"
                )
            if result.differing > len(result.differences):
                self.stdout.write(f"… and {result.differing - len(result.differences)} more")
        if verbosity < 1:
            return
        if result.first is None:
            span = "no days (the log is empty)"
        else:
            span = f"{result.days} days from {result.first} to {result.last}"
        verb = "would change" if options["dry_run"] else "changed"
        self.stdout.write(
            f"Went through {span} in {rollup_zone()}: {result.differing} figures {verb}."
        )
        if result.differing and options["dry_run"]:
            raise CommandError("The daily figures differ from the log.", returncode=1)
