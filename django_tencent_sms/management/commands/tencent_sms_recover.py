"""``manage.py tencent_sms_recover``: stuck send-log rows marked ``unknown``, or queued again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.management.reconciling import add_limit_argument, reconcile
from django_tencent_sms.sending.recover import Recovery, recover


class Command(BaseCommand):
    help = (
        "Deal with SMS log rows stuck in progress for longer than TENCENT_SMS['STALE_AFTER'] "
        "seconds (or --older-than): 'pending' and 'sending' rows become 'unknown' (their "
        "request may have reached Tencent: never sent again); 'queued' rows whose task was "
        "lost are queued again, once, then 'failed'. Then up to --limit 'unknown' rows get "
        "their sid from Tencent's per-number records when the match is certain. Prints "
        "nothing when nothing was stuck or matched; meant for cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="SECONDS",
            help=(
                "Stuck for longer than this; default TENCENT_SMS['STALE_AFTER'] (600). 0: every "
                "row in progress now (a worker still sending one records its outcome over it)."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would change; change nothing (and ask Tencent nothing).",
        )
        add_limit_argument(parser)

    def handle(
        self, *args: Any, older_than: int | None, dry_run: bool, limit: int, **options: Any
    ) -> None:
        if older_than is not None and older_than < 0:
            raise CommandError("--older-than must be a number of seconds, 0 or more.")
        try:
            # The task framework only when a queued row needs it: the other rows need none.
            done = recover(
                requeue=_requeue,
                requeue_batch=_requeue_batch,
                older_than=older_than,
                dry_run=dry_run,
            )
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from None
        if done:
            self.stdout.write(describe(done, dry_run=dry_run))
        if dry_run:
            return
        try:
            failed = reconcile(self, limit, quiet=True)
        except ConfigurationError as exc:
            raise CommandError(str(exc)) from None
        if failed:
            raise CommandError(
                f"Tencent could not be asked about {failed} unknown SMS log(s) (named above); "
                "the next run asks again."
            )


def describe(done: Recovery, *, dry_run: bool = False) -> str:
    """One line per kind of change, with the ids of the rows."""
    would = "would be " if dry_run else ""
    lines = []
    for ids, what in (
        (done.unknown, "marked unknown (may have reached Tencent; not sent again)"),
        (done.requeued, "queued again (their task was lost)"),
        (done.failed, "marked failed (never sent: their task was lost again, or refused)"),
    ):
        if ids:
            shown = ", ".join(str(pk) for pk in ids[:100]) + (", …" if len(ids) > 100 else "")
            lines.append(f"{len(ids)} SMS {would}{what}: {shown}")
    return "\n".join(lines)


def _requeue(log_id: int) -> bool:
    from django_tencent_sms.tasks import requeue

    return requeue(log_id)


def _requeue_batch(log_ids: list[int]) -> bool:
    from django_tencent_sms.tasks import requeue_batch

    return requeue_batch(log_ids)
