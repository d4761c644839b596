"""Fetch delivery reports and replies from Tencent, for accounts without callbacks (run from cron).

Each call asks for up to ``--max`` items (at most 100, Tencent's limit) and applies them at once
with the code the callback views use; calls go on while full pages come back, at most
``--max-calls`` times per kind. Tencent hands every item out once: an item fetched is gone
from its queue, so each batch is applied before the next is asked for.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_tencent_sms.backends import get_backend
from django_tencent_sms.exceptions import ConfigurationError, SmsError
from django_tencent_sms.management.reconciling import add_limit_argument, reconcile
from django_tencent_sms.protocol.reports import PullBatch
from django_tencent_sms.reports.apply import (
    ReplyOutcome,
    ReportOutcome,
    apply_delivery_reports,
    store_replies,
)

MAX_PULL = 100


def _positive(limit: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from 1 to {limit}, got {text!r}"
            )
        return value

    return parse


class Command(BaseCommand):
    help = (
        "Fetch delivery reports and replies from Tencent (pullstatus, or API 3.0's "
        "PullSmsSendStatus/PullSmsReplyStatus) and apply them to the SMS log; for accounts "
        "without callbacks. Pulling must be enabled for the account by Tencent's support."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kind",
            choices=["reports", "replies", "all"],
            default="all",
            help="what to fetch (default: both)",
        )
        parser.add_argument(
            "--max",
            type=_positive(MAX_PULL),
            default=MAX_PULL,
            dest="max",
            help=f"items per request, 1 to {MAX_PULL} (default {MAX_PULL})",
        )
        parser.add_argument(
            "--max-calls",
            type=_positive(10_000),
            default=50,
            help="requests per kind at most in one run (default 50); a run that reaches it says "
            "so, and the next run fetches the rest",
        )
        add_limit_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        backend = get_backend()
        if not getattr(backend, "can_pull", False):
            raise CommandError(
                f"The backend {backend.name} cannot pull from Tencent: only TencentBackend "
                "(pullstatus) and TencentCloudBackend (PullSmsSendStatus, PullSmsReplyStatus) "
                "can. Nothing was fetched."
            )
        kinds = ["reports", "replies"] if options["kind"] == "all" else [options["kind"]]
        failed = 0
        for kind in kinds:
            failed += self._pull(backend, kind, options["max"], options["max_calls"])
        try:
            unasked = reconcile(self, options["limit"])
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from None
        if unasked:
            raise CommandError(
                f"Tencent could not be asked about {unasked} unknown SMS log(s) (named above); "
                "the next run asks again."
            )
        if failed:
            raise CommandError(
                f"{failed} fetched item(s) could not be stored (named above, and in the log "
                "of django_tencent_sms); the others were."
            )

    def _pull(self, backend: Any, kind: str, limit: int, max_calls: int) -> int:
        """Fetch and apply one kind; returns how many items could not be stored."""
        fetch = backend.pull_reports if kind == "reports" else backend.pull_replies
        reports, replies = ReportOutcome(), ReplyOutcome()
        fetched = rejected = calls = 0
        complete = False
        while calls < max_calls:
            try:
                batch: PullBatch = fetch(limit)
            except SmsError as exc:
                self._summary(kind, calls, fetched, rejected, reports, replies)
                raise CommandError(f"Pulling {kind} failed: {exc}") from exc
            calls += 1
            fetched += batch.fetched
            rejected += len(batch.rejected)
            for problem in batch.rejected:
                self.stderr.write(f"Skipped a malformed {kind[:-1]} ({problem}).")
            if kind == "reports":
                applied = apply_delivery_reports(batch.items)
                for sid in applied.failed_sids:
                    self.stderr.write(f"Could not store the delivery report for sid {sid}.")
                reports += applied
            else:
                stored = store_replies(batch.items)
                for name in stored.failed_replies:
                    self.stderr.write(f"Could not store {name}.")
                replies += stored
            if batch.fetched < limit:
                complete = True
                break
        self._summary(kind, calls, fetched, rejected, reports, replies)
        if not complete:
            self.stderr.write(
                f"Stopped after {calls} requests (--max-calls): Tencent may have more {kind}; "
                "they are fetched by the next run."
            )
        return reports.failed + replies.failed

    def _summary(
        self,
        kind: str,
        calls: int,
        fetched: int,
        rejected: int,
        reports: ReportOutcome,
        replies: ReplyOutcome,
    ) -> None:
        line = f"{kind.capitalize()}: {fetched} fetched in {calls} request(s)"
        if kind == "reports":
            line += (
                f", {reports.applied} applied, {reports.unchanged} unchanged, "
                f"{reports.unknown} for unknown sids"
            )
        else:
            line += f", {replies.stored} stored, {replies.duplicates} already stored"
        failed = reports.failed if kind == "reports" else replies.failed
        if failed:
            line += f", {failed} could not be stored"
        if rejected:
            line += f", {rejected} malformed"
        self.stdout.write(line + ".")
