"""What became of a bulk send, or of one of its batches: ``BulkSummary``, its rows counted."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from django_tencent_sms.models import SmsLog

__all__ = ["BulkSummary"]


@dataclass
class BulkSummary:
    """What became of a bulk send (or of one batch, for ``send_batch``).

    ``total`` numbers were taken from the input; each has one ``SmsLog`` row with ``batch`` as
    its ``batch`` (``logs`` selects them). ``invalid`` of them were refused before sending (rows
    ``failed``, no request), ``sent``/``failed``/``unknown`` count the others' rows by status,
    ``queued`` those left for ``send_batch``, ``opted_out`` those not sent because the number is
    on the opt-out list (rows ``opted_out``, no request). ``fee`` is the sum of the billed
    parts, and ``batches`` the number of batches handed to the backend (one request each with
    the real backend). ``stopped_by`` is the exception that ended the send early, if one did.
    """

    batch: uuid.UUID | None
    total: int = 0
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    invalid: int = 0
    queued: int = 0
    opted_out: int = 0
    fee: int = 0
    batches: int = 0
    stopped_by: BaseException | None = field(default=None, repr=False, compare=False)

    @property
    def logs(self) -> QuerySet[SmsLog]:
        """The rows of this bulk send."""
        return SmsLog.objects.filter(batch=self.batch)

    def tally(self, rows: Iterable[SmsLog]) -> None:
        """Count ``rows``, whose outcome is recorded, by status (and their fee)."""
        for row in rows:
            if row.status == SmsLog.Status.SENT:
                self.sent += 1
                self.fee += row.fee or 0
            elif row.status == SmsLog.Status.UNKNOWN:
                self.unknown += 1
            else:
                self.failed += 1
