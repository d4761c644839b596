"""Delete expired ``VerificationCode`` rows in short batches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS

from django_tencent_sms.management.purging import (
    DEFAULT_BATCH_SIZE,
    DURATION_RE,
    PurgeCommand,
    cutoff_for,
    delete_in_batches,
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
    old = (
        purgeable(now, grace, using=using).order_by("expires_at", "id").values_list("pk", flat=True)
    )
    return delete_in_batches(old, batch_size=batch_size, using=using, on_batch=on_batch)


class Command(PurgeCommand):
    help = (
        "Delete verification codes that expired before now minus --grace, in short batches. "
        "Codes created in the last 24 hours are kept even when expired, because the per-number "
        "and per-IP limits count them; unexpired codes are never deleted. The SMS logs of the "
        "codes are kept (purge_sms_logs deals with those)."
    )
    noun = ("verification code", "verification codes")
    rows = "codes"

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
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tencent_sms.otp import service as otp

        using = options["database"]
        batch_size = self.batch_size(options)
        grace = parse_grace(options["grace"])
        now = otp.clock()
        cutoff = cutoff_for(grace, now)
        self.purge(
            options,
            which=f"that expired before {self.shown(cutoff)}",
            count=purgeable(now, grace, using=using).count,
            delete=lambda on_batch: purge_codes(
                now, grace, batch_size=batch_size, using=using, on_batch=on_batch
            ),
        )
        if not options["dry_run"]:
            self._purge_refusals(now, using)
        if options["verbosity"] >= 1:
            self._report_kept(now, cutoff, using)

    def _purge_refusals(self, now: datetime, using: str) -> None:
        """Refused requests older than the hour the refusal throttle looks at: unused."""
        from django_tencent_sms.models import CodeRefusal
        from django_tencent_sms.otp.refusals import REFUSAL_WINDOW

        CodeRefusal.objects.using(using).filter(created_at__lte=now - REFUSAL_WINDOW).delete()

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
                f"Kept {self.plural(kept)} created in the last 24 hours: the per-number and "
                "per-IP limits count them."
            )
