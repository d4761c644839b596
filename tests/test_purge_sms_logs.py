"""`manage.py purge_sms_logs`: batched deletion of old send logs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils.connection import ConnectionDoesNotExist

from django_tencent_sms.management.commands import purge_sms_logs
from django_tencent_sms.management.commands.purge_sms_logs import cutoff_for, purge_logs
from django_tencent_sms.models import SmsLog, SmsTemplate

pytestmark = pytest.mark.django_db

#: The frozen clock: 90 days before it is 2026-08-27 02:00 UTC, 10:00 in Asia/Shanghai.
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
CUTOFF_90D = NOW - timedelta(days=90)
SHOWN_90D = "2026-08-27 10:00:00+08:00"


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    """The command's clock reads NOW; rows get explicit ``created_at`` values around it."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    return NOW


def log(created_at: datetime, **fields) -> SmsLog:
    fields = {"phone": "+8613711112222", "tpl_id": 1, "status": SmsLog.Status.SENT, **fields}
    return SmsLog.objects.create(created_at=created_at, **fields)


def purge(*args, **options) -> str:
    out = StringIO()
    call_command("purge_sms_logs", *args, stdout=out, **options)
    return out.getvalue()


def remaining() -> set[int]:
    return set(SmsLog.objects.values_list("pk", flat=True))


def test_deletes_only_rows_strictly_older_than_the_cutoff():
    ancient = log(NOW - timedelta(days=400))
    just_old = log(CUTOFF_90D - timedelta(seconds=1))
    at_cutoff = log(CUTOFF_90D)
    just_new = log(CUTOFF_90D + timedelta(seconds=1))
    fresh = log(NOW)

    output = purge("--older-than", "90d")

    assert output == f"Deleted 2 SMS logs created before {SHOWN_90D}.\n"
    assert remaining() == {at_cutoff.pk, just_new.pk, fresh.pk}
    assert not SmsLog.objects.filter(pk__in=[ancient.pk, just_old.pk]).exists()


def test_a_second_run_finds_nothing_left():
    log(NOW - timedelta(days=100))
    purge("--older-than", "90d")
    assert purge("--older-than", "90d") == f"Deleted 0 SMS logs created before {SHOWN_90D}.\n"


def test_singular_wording_for_one_row():
    log(NOW - timedelta(days=100))
    assert purge("--older-than", "90d") == f"Deleted 1 SMS log created before {SHOWN_90D}.\n"


def test_dry_run_reports_the_count_and_deletes_nothing():
    rows = {log(NOW - timedelta(days=days)).pk for days in (91, 200, 365, 10)}

    output = purge("--older-than", "90d", "--dry-run")

    assert output == f"Would delete 3 SMS logs created before {SHOWN_90D}.\n"
    assert remaining() == rows


@pytest.mark.parametrize(
    ("older_than", "age"),
    [
        ("90", timedelta(days=90)),
        ("90d", timedelta(days=90)),
        ("12w", timedelta(weeks=12)),
        ("36h", timedelta(hours=36)),
        ("36H", timedelta(hours=36)),
        (" 7d ", timedelta(days=7)),
    ],
)
def test_duration_forms(older_than, age):
    cutoff = NOW - age
    kept = log(cutoff)
    log(cutoff - timedelta(seconds=1))

    output = purge(f"--older-than={older_than}")

    shown = cutoff.astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat(sep=" ")
    assert output == f"Deleted 1 SMS log created before {shown}.\n"
    assert remaining() == {kept.pk}


@pytest.mark.parametrize(
    "older_than", ["0", "0d", "-5d", "-5", "90m", "90 days", "1.5d", "d", "", "ninety", "12wd"]
)
def test_bad_durations_are_refused_naming_the_accepted_forms(older_than):
    old = log(NOW - timedelta(days=1000))

    with pytest.raises(CommandError, match=r"90d, 12w or 36h"):
        purge(f"--older-than={older_than}")

    assert remaining() == {old.pk}


def test_a_duration_reaching_before_year_one_is_refused():
    with pytest.raises(CommandError, match=r"out of range|too long"):
        purge("--older-than", "99999999d")
    with pytest.raises(CommandError, match="too long"):
        purge("--older-than", "99999999999d")


def test_batches_cover_every_row_across_boundaries():
    old = [log(NOW - timedelta(days=100 + n)) for n in range(5)]
    new = log(NOW - timedelta(days=1))

    output = purge("--older-than", "90d", "--batch-size", "2", verbosity=2)

    assert remaining() == {new.pk}
    assert not SmsLog.objects.filter(pk__in=[row.pk for row in old]).exists()
    assert output.splitlines() == [
        "Deleted 2 SMS logs (2 so far).",
        "Deleted 2 SMS logs (4 so far).",
        "Deleted 1 SMS log (5 so far).",
        f"Deleted 5 SMS logs created before {SHOWN_90D}.",
    ]


def test_batch_size_equal_to_the_number_of_rows():
    for n in range(4):
        log(NOW - timedelta(days=100 + n))
    output = purge("--older-than", "90d", batch_size=4, verbosity=2)
    assert output.splitlines()[0] == "Deleted 4 SMS logs (4 so far)."
    assert remaining() == set()


def test_batches_go_oldest_first_by_created_at_not_by_id():
    # Created newest first, so the ids run the other way round from the ages.
    rows = [log(NOW - timedelta(days=100 + n)) for n in range(5)]
    left_after_each_batch = []

    total = purge_logs(
        cutoff_for(timedelta(days=90)),
        batch_size=2,
        on_batch=lambda deleted, so_far: left_after_each_batch.append(remaining()),
    )

    assert total == 5
    assert left_after_each_batch == [
        {rows[0].pk, rows[1].pk, rows[2].pk},
        {rows[0].pk},
        set(),
    ]


@pytest.mark.parametrize("batch_size", ["0", "-1", "many"])
def test_bad_batch_size_is_a_usage_error(batch_size):
    old = log(NOW - timedelta(days=100))
    with pytest.raises(CommandError, match="--batch-size"):
        purge("--older-than", "90d", f"--batch-size={batch_size}")
    with pytest.raises(CommandError, match="--batch-size"):
        purge("--older-than", "90d", batch_size=batch_size)
    assert remaining() == {old.pk}


def test_default_cutoff_comes_from_the_retention_setting():
    kept = log(NOW - timedelta(days=30))
    log(NOW - timedelta(days=30, seconds=1))

    with override_settings(TENCENT_SMS={**settings.TENCENT_SMS, "LOG_RETENTION_DAYS": 30}):
        output = purge()

    assert output == "Deleted 1 SMS log created before 2026-10-26 10:00:00+08:00.\n"
    assert remaining() == {kept.pk}


def test_default_retention_without_the_key_is_365_days():
    assert "LOG_RETENTION_DAYS" not in settings.TENCENT_SMS
    kept = log(NOW - timedelta(days=365))
    log(NOW - timedelta(days=366))

    output = purge()

    assert output == "Deleted 1 SMS log created before 2025-11-25 10:00:00+08:00.\n"
    assert remaining() == {kept.pk}


def test_older_than_wins_over_the_setting():
    kept = log(NOW - timedelta(days=20))
    with override_settings(TENCENT_SMS={**settings.TENCENT_SMS, "LOG_RETENTION_DAYS": 10}):
        purge("--older-than", "30d")
    assert remaining() == {kept.pk}


def test_no_retention_setting_and_no_older_than_is_an_error():
    old = log(NOW - timedelta(days=5000))

    with override_settings(TENCENT_SMS={**settings.TENCENT_SMS, "LOG_RETENTION_DAYS": None}):
        with pytest.raises(CommandError) as excinfo:
            purge()
        # An explicit cut-off still works.
        assert purge("--older-than", "90d", "--dry-run").startswith("Would delete 1 SMS log ")

    message = str(excinfo.value)
    assert "--older-than" in message and "LOG_RETENTION_DAYS" in message
    assert remaining() == {old.pk}


def test_invalid_retention_setting_is_an_error():
    old = log(NOW - timedelta(days=5000))
    bad = {**settings.TENCENT_SMS, "LOG_RETENTION_DAYS": "90d"}
    with override_settings(TENCENT_SMS=bad), pytest.raises(CommandError, match="RETENTION"):
        purge()
    assert remaining() == {old.pk}


def test_templates_and_users_are_untouched():
    template = SmsTemplate.objects.create(name="hello", tpl_id=31, text="Hello {1}")
    SmsTemplate.objects.filter(pk=template.pk).update(created_at=NOW - timedelta(days=1000))
    user = get_user_model().objects.create_user("operator")
    old = log(NOW - timedelta(days=1000), template=template, tpl_id=31, resent_by=user)

    purge("--older-than", "90d")

    assert not SmsLog.objects.filter(pk=old.pk).exists()
    assert SmsTemplate.objects.filter(pk=template.pk).exists()
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_resend_of_a_purged_row_survives_with_its_link_cleared():
    original = log(NOW - timedelta(days=100), status=SmsLog.Status.FAILED)
    resend = log(NOW - timedelta(days=10), resend_of=original)
    # An old resend of a recent message goes; the recent original stays.
    recent = log(NOW - timedelta(days=5))
    old_resend = log(NOW - timedelta(days=200), resend_of=recent)

    purge("--older-than", "90d")

    assert remaining() == {resend.pk, recent.pk}
    resend.refresh_from_db()
    assert resend.resend_of_id is None
    assert not SmsLog.objects.filter(pk=old_resend.pk).exists()


def test_verbosity_zero_prints_nothing():
    log(NOW - timedelta(days=100))
    assert purge("--older-than", "90d", verbosity=0) == ""
    assert remaining() == set()


def test_database_option_is_used():
    log(NOW - timedelta(days=100))
    assert purge("--older-than", "90d", "--database", "default").startswith("Deleted 1 SMS log ")
    with pytest.raises(ConnectionDoesNotExist):
        purge("--older-than", "90d", database="no-such-database")


def test_cutoff_for_uses_the_given_now_to_the_whole_second():
    now = datetime(2026, 1, 10, 12, 30, 15, 999_999, tzinfo=timezone.utc)
    assert cutoff_for(timedelta(hours=36), now=now) == datetime(
        2026, 1, 9, 0, 30, 15, tzinfo=timezone.utc
    )


def test_help_for_the_command_and_every_option():
    command = purge_sms_logs.Command()
    parser = command.create_parser("manage.py", "purge_sms_logs")
    assert "SmsLog" in command.help
    dests = {"older_than", "dry_run", "batch_size", "database"}
    helps = option_helps(command)
    assert set(helps) == dests
    assert all(helps.values())
    help_text = parser.format_help()
    assert "90d" in help_text and "12w" in help_text and "36h" in help_text


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
