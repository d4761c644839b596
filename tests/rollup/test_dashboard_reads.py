"""The dashboard reads the rollup, never the log, and shows what counting the log shows."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_tencent_sms.admin.stats import aggregate, summarize
from django_tencent_sms.models import SmsDailyStat, SmsLog, SmsStatsState, SmsTemplate
from django_tencent_sms.rollup import reading
from tests.rollup.helpers import from_log, stored

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/admin/tencent_sms/smslog/dashboard/"
RANGE = {"start": "2024-05-01", "end": "2024-05-05"}


def at(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def log(when, status, fee, template=None, tpl_id=None):
    return SmsLog.objects.create(
        phone="+8613800138000",
        template=template,
        tpl_id=tpl_id if tpl_id is not None else template.tpl_id,
        status=status,
        fee=fee,
        created_at=at(when),
    )


@pytest.fixture
def logs(db):
    verify = SmsTemplate.objects.create(name="verify", tpl_id=100, text="Code {1}")
    notice = SmsTemplate.objects.create(name="notice", tpl_id=200, text="Notice {1}")
    SmsTemplate.objects.create(name="a-notice", tpl_id=200, text="Other {1}", is_active=False)
    log("2024-05-01 09:00", "sent", 1, verify)
    log("2024-05-01 10:00", "delivered", 2, verify)
    log("2024-05-01 11:00", "failed", None, tpl_id=999)
    log("2024-05-02 08:00", "delivered", 1, notice)
    log("2024-05-02 12:00", "unknown", 3, tpl_id=200)
    log("2024-05-04 23:30", "delivered", 2, verify)
    log("2024-05-05 00:30", "sent", 1, tpl_id=999)
    log("2024-05-05 18:00", "failed", None, notice)
    log("2024-05-05 19:00", "weird", 4, notice)  # a status the model does not declare
    log("2024-04-30 23:59", "sent", 5, verify)
    log("2024-05-06 00:00", "sent", 7, verify)
    return verify, notice


def both(start, end):
    """The summaries from the rollup and from the log, as comparable tuples."""

    def shape(summary):
        return (
            {day: (t.messages, t.fee, t.by_status) for day, t in summary.days.items()},
            {name: (t.messages, t.fee, t.by_status) for name, t in summary.templates.items()},
            {name: (t.messages, t.fee) for name, t in summary.statuses.items()},
            summary.present_statuses,
            summary.all_statuses,
        )

    from_rollup = summarize(reading.rows(start, end), start, end)
    counted = summarize(aggregate(SmsLog.objects.all(), start, end, SHANGHAI), start, end)
    return shape(from_rollup), shape(counted)


def test_page_reads_the_rollup_and_not_the_log(logs, admin_client):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(URL, RANGE)
    assert response.context["from_rollup"] is True
    assert response.context["total"].messages == 9
    assert response.context["total"].fee == 14
    log_table = SmsLog._meta.db_table
    assert not [
        q["sql"] for q in queries if f'"{log_table}"' in q["sql"] or f"`{log_table}`" in q["sql"]
    ]


def test_rollup_gives_the_numbers_counting_the_log_gives(logs):
    rolled, counted = both(date(2024, 4, 1), date(2024, 5, 31))
    assert rolled == counted
    assert "notice" in rolled[1] and "#999" in rolled[1]


def test_renamed_and_deleted_templates_are_named_as_the_log_names_them(logs):
    verify, notice = logs
    verify.name = "verify-2"
    verify.save()
    notice.delete()  # its rows are then named by the other template with tpl_id 200
    assert stored() == from_log()
    rolled, counted = both(date(2024, 5, 1), date(2024, 5, 5))
    assert rolled == counted
    assert "verify-2" in rolled[1] and "a-notice" in rolled[1]
    assert not SmsDailyStat.objects.filter(template_pk=notice.pk).exists()


def test_until_rebuilt_the_page_counts_the_log_and_says_so(logs, admin_client):
    SmsStatsState.objects.all().delete()
    SmsDailyStat.objects.all().delete()  # as after upgrading: the rollup lacks the old rows
    response = admin_client.get(URL, RANGE)
    assert response.context["from_rollup"] is False
    assert response.context["total"].messages == 9
    assert b"tencent_sms_rebuild_stats" in response.content

    call_command("tencent_sms_rebuild_stats", verbosity=0)
    response = admin_client.get(URL, RANGE)
    assert response.context["from_rollup"] is True
    assert response.context["total"].messages == 9
    assert b"tencent_sms_rebuild_stats" not in response.content


def test_another_current_time_zone_counts_the_log(logs, admin_client):
    with timezone.override(ZoneInfo("UTC")):
        response = admin_client.get(URL, RANGE)
    assert response.context["from_rollup"] is False
    assert response.context["needs_rebuild"] is False
    days = {row.key: row.tally.messages for row in response.context["day_rows"]}
    assert days[date(2024, 5, 4)] == 2  # 00:30 on the 5th in Shanghai is the 4th in UTC


def test_a_rollup_built_in_another_time_zone_is_not_used(logs, admin_client, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    with timezone.override(ZoneInfo("Europe/Berlin")):
        response = admin_client.get(URL, RANGE)
    assert response.context["from_rollup"] is False
    assert response.context["needs_rebuild"] is True


def test_the_rollup_is_not_in_the_admin(db, admin_client):
    from django.contrib import admin

    assert SmsDailyStat not in admin.site._registry
    assert SmsStatsState not in admin.site._registry
