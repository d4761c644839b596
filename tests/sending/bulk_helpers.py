"""Numbers and inputs shared by the bulk tests (test_bulk, test_pipeline, test_batch)."""

from django_tencent_sms.models import SmsLog

Status = SmsLog.Status
INTERNATIONAL = ["+447400123456", "+14155552671", "+819012345678", "+85251234567"]


def cn(i: int) -> str:
    """The i-th of a run of distinct valid Chinese mobile numbers."""
    return f"+86137{i:08d}"


class Counted:
    """An iterable that remembers how many numbers were taken from it."""

    def __init__(self, numbers):
        self.numbers = numbers
        self.pulled = 0

    def __iter__(self):
        for number in self.numbers:
            self.pulled += 1
            yield number


def rows(summary):
    return list(summary.logs.order_by("pk"))
