"""`manage.py purge_verification_codes`: batched deletion of expired codes, never recent ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils.connection import ConnectionDoesNotExist

from django_tencent_sms.exceptions import CodeRequestRefused
from django_tencent_sms.management.commands import purge_verification_codes
from django_tencent_sms.management.commands.purge_verification_codes import purge_codes
from django_tencent_sms.models import SmsLog, SmsTemplate, VerificationCode
from django_tencent_sms.otp import service as otp

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The frozen clock (otp.clock, which the command reads).
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
SHOWN_NOW = "2026-11-25 10:00:00+08:00"
PHONE = "+8613812345678"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    class Clock:
        now = NOW

        def __call__(self):
            return self.now

    clock = Clock()
    monkeypatch.setattr(otp, "clock", clock)
    return clock


def code(*, created: datetime, expires: datetime, **fields) -> VerificationCode:
    fields = {"phone": PHONE, "purpose": "login", "code_hash": "ab" * 32, "state": "sent", **fields}
    return VerificationCode.objects.create(created_at=created, expires_at=expires, **fields)


def expired_code(age: timedelta, ttl: timedelta = timedelta(minutes=5), **fields):
    """A code created ``age`` before NOW that lived ``ttl``."""
    return code(created=NOW - age, expires=NOW - age + ttl, **fields)


def purge(*args, **options) -> str:
    out = StringIO()
    call_command("purge_verification_codes", *args, stdout=out, **options)
    return out.getvalue()


def remaining() -> set[int]:
    return set(VerificationCode.objects.values_list("pk", flat=True))


def test_deletes_expired_codes_older_than_a_day_and_keeps_the_rest():
    old = expired_code(timedelta(days=3))
    just_over_a_day = expired_code(timedelta(hours=24, seconds=1))
    exactly_a_day = expired_code(timedelta(hours=24))
    recent_expired = expired_code(timedelta(hours=2))
    valid = expired_code(timedelta(minutes=1))
    # Created long ago but still valid (a long TTL): never deleted.
    long_lived = code(created=NOW - timedelta(days=5), expires=NOW + timedelta(seconds=1))
    expiring_now = code(created=NOW - timedelta(days=5), expires=NOW)

    output = purge()

    assert output.splitlines() == [
        f"Deleted 2 verification codes that expired before {SHOWN_NOW}.",
        "Kept 2 verification codes created in the last 24 hours: the per-number and per-IP "
        "limits count them.",
    ]
    assert remaining() == {
        exactly_a_day.pk,
        recent_expired.pk,
        valid.pk,
        long_lived.pk,
        expiring_now.pk,
    }
    assert not VerificationCode.objects.filter(pk__in=[old.pk, just_over_a_day.pk]).exists()


def test_unexpired_codes_are_never_deleted_whatever_their_age():
    rows = {
        code(created=NOW - timedelta(days=days), expires=NOW + timedelta(minutes=1)).pk
        for days in (2, 30, 400)
    }
    assert purge() == f"Deleted 0 verification codes that expired before {SHOWN_NOW}.\n"
    assert purge("--dry-run").startswith("Would delete 0 verification codes")
    assert remaining() == rows


def test_grace_keeps_codes_for_a_while_after_they_expire():
    kept = expired_code(timedelta(days=2), ttl=timedelta(days=1, hours=1))  # expired 23 h ago
    gone = expired_code(timedelta(days=2), ttl=timedelta(hours=23))  # expired 25 h ago

    output = purge("--grace", "1d")

    assert output == "Deleted 1 verification code that expired before 2026-11-24 10:00:00+08:00.\n"
    assert remaining() == {kept.pk}
    assert not VerificationCode.objects.filter(pk=gone.pk).exists()


@pytest.mark.parametrize(
    ("grace", "cutoff"),
    [
        ("0", NOW),
        ("0d", NOW),
        ("1", NOW - timedelta(days=1)),
        ("36h", NOW - timedelta(hours=36)),
        ("36H", NOW - timedelta(hours=36)),
        ("2w", NOW - timedelta(weeks=2)),
        (" 3d ", NOW - timedelta(days=3)),
    ],
)
def test_grace_forms(grace, cutoff):
    created = cutoff - timedelta(days=2)
    at_cutoff = code(created=created, expires=cutoff)
    code(created=created, expires=cutoff - timedelta(seconds=1))

    output = purge(f"--grace={grace}")

    shown = cutoff.astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat(sep=" ")
    assert output == f"Deleted 1 verification code that expired before {shown}.\n"
    assert remaining() == {at_cutoff.pk}


@pytest.mark.parametrize("grace", ["-1d", "-0", "1m", "1.5d", "d", "", "soon", "1 day"])
def test_bad_grace_is_refused_naming_the_accepted_forms(grace):
    old = expired_code(timedelta(days=30))
    with pytest.raises(CommandError, match=r"90d, 12w or 36h"):
        purge(f"--grace={grace}")
    assert remaining() == {old.pk}


def test_a_grace_reaching_before_year_one_is_refused():
    with pytest.raises(CommandError, match=r"out of range|too long"):
        purge("--grace", "99999999d")


def test_dry_run_reports_the_counts_and_deletes_nothing():
    rows = {expired_code(timedelta(days=days)).pk for days in (2, 3, 10)}
    rows.add(expired_code(timedelta(hours=1)).pk)

    output = purge("--dry-run")

    assert output.splitlines() == [
        f"Would delete 3 verification codes that expired before {SHOWN_NOW}.",
        "Kept 1 verification code created in the last 24 hours: the per-number and per-IP "
        "limits count them.",
    ]
    assert remaining() == rows


def test_batches_cover_every_row_soonest_expired_first():
    # Created in the opposite order to their expiry, so ids and expiry disagree.
    rows = [expired_code(timedelta(days=2 + n)) for n in range(5)]
    fresh = expired_code(timedelta(minutes=1))
    left_after_each_batch = []

    total = purge_codes(
        NOW,
        batch_size=2,
        on_batch=lambda deleted, so_far: left_after_each_batch.append(remaining()),
    )

    assert total == 5
    assert left_after_each_batch == [
        {rows[0].pk, rows[1].pk, rows[2].pk, fresh.pk},
        {rows[0].pk, fresh.pk},
        {fresh.pk},
    ]


def test_progress_is_printed_per_batch_at_verbosity_2():
    for n in range(3):
        expired_code(timedelta(days=2 + n))
    output = purge("--batch-size", "2", verbosity=2)
    assert output.splitlines() == [
        "Deleted 2 verification codes (2 so far).",
        "Deleted 1 verification code (3 so far).",
        f"Deleted 3 verification codes that expired before {SHOWN_NOW}.",
    ]


@pytest.mark.parametrize("batch_size", ["0", "-1", "many"])
def test_bad_batch_size_is_a_usage_error(batch_size):
    old = expired_code(timedelta(days=2))
    with pytest.raises(CommandError, match="--batch-size"):
        purge(f"--batch-size={batch_size}")
    with pytest.raises(CommandError, match="--batch-size"):
        purge(batch_size=batch_size)
    assert remaining() == {old.pk}


def test_sms_logs_of_purged_codes_are_kept():
    log = SmsLog.objects.create(phone=PHONE, tpl_id=1001, status="sent", params=["******", "5"])
    expired_code(timedelta(days=2), log=log)
    purge()
    assert remaining() == set()
    assert SmsLog.objects.filter(pk=log.pk).exists()


def test_verbosity_zero_prints_nothing():
    expired_code(timedelta(days=2))
    expired_code(timedelta(hours=2))
    assert purge(verbosity=0) == ""
    assert len(remaining()) == 1


def test_database_option_is_used():
    expired_code(timedelta(days=2))
    assert purge("--database", "default").startswith("Deleted 1 verification code ")
    with pytest.raises(ConnectionDoesNotExist):
        purge(database="no-such-database")


def test_purging_does_not_reopen_the_per_number_limit(clock, settings, sms_outbox):
    """The reason for the 24 hours: the daily cap counts the day's codes, expired or not."""
    SmsTemplate.objects.create(
        name="login-code", tpl_id=1001, text="验证码{1}，{2}分钟内有效。", type="verification"
    )
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "OTP": {
            "TEMPLATE": "login-code",
            "RESEND_INTERVAL": 0,
            "PHONE_HOURLY_LIMIT": None,
            "PHONE_DAILY_LIMIT": 2,
        },
    }
    for _ in range(2):
        otp.send_code(PHONE)
        clock.now += timedelta(hours=1)  # each code expires long before the next
    with pytest.raises(CodeRequestRefused):
        otp.send_code(PHONE)

    purge()

    assert VerificationCode.objects.count() == 2
    with pytest.raises(CodeRequestRefused) as refused:
        otp.send_code(PHONE)
    assert refused.value.code == "phone_daily_limit" and len(sms_outbox) == 2
    # A day after the first code, the cap lets one through and the first code may go.
    clock.now = NOW + timedelta(days=1, seconds=1)
    otp.send_code(PHONE)
    assert purge().startswith("Deleted 1 verification code ")


def test_help_for_the_command_and_every_option():
    command = purge_verification_codes.Command()
    parser = command.create_parser("manage.py", "purge_verification_codes")
    assert "24 hours" in command.help and "never deleted" in command.help
    dests = {"grace", "dry_run", "batch_size", "database"}
    helps = option_helps(command)
    assert set(helps) == dests
    assert all(helps.values())
    help_text = parser.format_help()
    assert "1d" in help_text and "36h" in help_text and "24 hours" in help_text


class OptionRecorder:
    """Stands in for the parser in ``add_arguments``: each option's keyword arguments by dest."""

    def __init__(self):
        self.options = {}

    def add_argument(self, *flags, **kwargs):
        dest = kwargs.get("dest") or flags[0].lstrip("-").replace("-", "_")
        self.options[dest] = kwargs


def option_helps(command):
    recorder = OptionRecorder()
    command.add_arguments(recorder)
    return {dest: kwargs.get("help") for dest, kwargs in recorder.options.items()}


def test_refused_requests_older_than_the_throttles_hour_are_deleted():
    from django_tencent_sms.models import CodeRefusal

    old = CodeRefusal.objects.create(ip="203.0.113.9", created_at=NOW - timedelta(minutes=61))
    recent = CodeRefusal.objects.create(ip="203.0.113.9", created_at=NOW - timedelta(minutes=59))
    purge("--dry-run")
    assert CodeRefusal.objects.count() == 2
    purge()
    assert list(CodeRefusal.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk != recent.pk
