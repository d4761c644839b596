"""The reconciliation step the pull and recovery commands share: ``--limit``, output, status."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from django_tencent_sms.account.reconcile import candidates, reconcile_unknown
from django_tencent_sms.backends import get_backend
from django_tencent_sms.reports.unmatched import purge_unmatched

__all__ = ["DEFAULT_LIMIT", "add_limit_argument", "reconcile"]

#: Unknown logs one run asks Tencent about, by default.
DEFAULT_LIMIT = 20


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 1000, got {text!r}")
    return value


def add_limit_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--limit",
        type=_count,
        default=DEFAULT_LIMIT,
        help=(
            "unknown logs (newest first) whose number is looked up at Tencent to find their "
            f"sid, at most (default {DEFAULT_LIMIT}; 0: none)"
        ),
    )


def reconcile(command: BaseCommand, limit: int, *, quiet: bool = False) -> int:
    """Purge expired unmatched reports, then reconcile up to ``limit`` unknown logs, writing
    one line per log matched, left unknown (those without a record yet only unless ``quiet``)
    or not asked about; how many logs Tencent could not be asked about."""
    purge_unmatched()
    if limit == 0 or not candidates(1, timezone.now()):
        return 0  # no backend needed: nothing to ask about
    backend: Any = get_backend()
    if not getattr(backend, "can_lookup_number", False):
        return 0
    done = reconcile_unknown(backend, limit=limit)
    for line in done.lines(waiting=not quiet):
        command.stdout.write(line)
    for line in done.failure_lines():
        command.stderr.write(line)
    return len(done.failed)
