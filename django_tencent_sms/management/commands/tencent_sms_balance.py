"""``manage.py tencent_sms_balance``: the units left in the account's prepaid packages.

Prints each unexpired package (units left of its amount, expiry) and the total, or ``--json``.
Exits 0; 2 (and sends ``signals.low_balance``) when the total is below
``TENCENT_SMS["LOW_BALANCE"]`` or ``--below``; 3 when Tencent cannot be read. Made for cron.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from django_tencent_sms.account.balance import (
    check_low_balance,
    fetch_balance,
    low_balance_threshold,
)
from django_tencent_sms.account.fetching import FiguresUnavailable

#: Exit statuses: the balance is low; Tencent could not be read.
LOW_BALANCE_STATUS = 2
ERROR_STATUS = 3


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(BaseCommand):
    help = (
        "Show the SMS units left in the account's unexpired prepaid packages. Exits 2 when "
        "the total is below TENCENT_SMS['LOW_BALANCE'] (or --below), 3 when Tencent cannot "
        "be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the balance as JSON")
        parser.add_argument(
            "--below",
            type=int,
            default=None,
            metavar="UNITS",
            help="the threshold for this run (default: TENCENT_SMS['LOW_BALANCE'])",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        below = options.get("below")
        if below is not None and below < 0:
            raise CommandError("--below must be 0 or more.")
        threshold = below if below is not None else low_balance_threshold()
        try:
            balance = fetch_balance()
        except FiguresUnavailable as exc:
            raise CommandError(
                f"Could not read the balance from Tencent ({exc.kind}): {exc.message}",
                returncode=ERROR_STATUS,
            ) from None
        low = threshold is not None and balance.total < threshold
        if options["json"]:
            self.stdout.write(
                json.dumps({**balance.as_json(), "threshold": threshold, "low": low}, indent=2)
            )
        else:
            if not balance.packages:
                self.stdout.write("No unexpired package.")
            for package in balance.packages:
                self.stdout.write(
                    f"Package {package.package_id}: {package.remaining} of {package.amount} "
                    f"left, valid from {_when(package.effective_at)} to "
                    f"{_when(package.expires_at)}"
                )
            expired = f" ({balance.expired} expired package(s) not counted)"
            self.stdout.write(
                f"Total: {balance.total} units left" + (expired if balance.expired else "") + "."
            )
        if low and threshold is not None:
            check_low_balance(balance, threshold)
            raise CommandError(
                f"The balance is low: {balance.total} units left, below {threshold}.",
                returncode=LOW_BALANCE_STATUS,
            )
