"""Read the account's templates and signatures from Tencent into the site (``sync_catalog``).

Prints one line per template or signature created, updated or no longer listed (``-v 2``
also the unchanged ones), then a summary. Exits with status 1 when Tencent refused or did not
answer (its code and message are printed; what was applied before stays applied), or when
some listed items could not be read.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_tencent_sms.account.catalog import sync_catalog
from django_tencent_sms.account.catalog_report import UNCHANGED, CatalogSyncFailed, SyncReport


def _sign_id(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**63:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


class Command(BaseCommand):
    help = (
        "Read the SMS templates and signatures, with Tencent's review status, from Tencent "
        "(DescribeSmsTemplateList/DescribeSmsSignList, or get_template/get_sign) into the site."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sign-id",
            dest="sign_ids",
            action="append",
            type=_sign_id,
            default=[],
            metavar="ID",
            help="a signature ID to read as well (repeatable; the legacy API needs them)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        try:
            report = sync_catalog(sign_ids=options["sign_ids"])
        except NotImplementedError as exc:
            raise CommandError(str(exc)) from None
        except CatalogSyncFailed as exc:
            self._print(exc.report, verbosity)
            error = exc.error
            code = getattr(error, "code", None) or getattr(error, "result", None)
            detail = f" (code {code})" if code is not None else ""
            raise CommandError(
                f"Stopped while {exc.step}{detail}: {error}. What is listed above was applied."
            ) from None
        self._print(report, verbosity)
        if report.rejected:
            raise CommandError(
                f"{len(report.rejected)} listed item(s) could not be read and were not applied."
            )

    def _print(self, report: SyncReport, verbosity: int) -> None:
        for change in report.changes:
            if change.action != UNCHANGED or verbosity >= 2:
                self.stdout.write(str(change))
        for text in report.rejected:
            self.stderr.write(f"unreadable: {text}")
        for note in report.notes:
            self.stderr.write(note)
        if verbosity:
            self.stdout.write(report.summary())
