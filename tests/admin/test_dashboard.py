"""The fee and volume dashboard in the admin: numbers, days in the current time zone, range
selection, permissions, query count, the app index link and the SVG charts."""

import re
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from django_tencent_sms.admin.charts import label_every, nice_scale
from django_tencent_sms.admin.stats import MAX_DAYS, aggregate, parse_range
from django_tencent_sms.models import SmsLog, SmsTemplate

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/admin/tencent_sms/smslog/dashboard/"
RANGE = {"start": "2024-05-01", "end": "2024-05-05"}
DAYS = [date(2024, 5, d) for d in range(1, 6)]


def at(text):
    """An aware datetime from Shanghai local time, 'YYYY-MM-DD HH:MM'."""
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
    """Three templates' worth of logs over 1–5 May 2024 (Shanghai), none on the 3rd."""
    verify = SmsTemplate.objects.create(name="verify", tpl_id=100, text="Code {1}")
    notice = SmsTemplate.objects.create(name="notice", tpl_id=200, text="Notice {1}")
    log("2024-05-01 09:00", "sent", 1, verify)
    log("2024-05-01 10:00", "delivered", 2, verify)
    log("2024-05-01 11:00", "failed", None, tpl_id=999)  # no SmsTemplate has 999
    log("2024-05-02 08:00", "delivered", 1, notice)
    log("2024-05-02 12:00", "unknown", 3, tpl_id=200)  # no FK, but notice has tpl_id 200
    log("2024-05-02 13:00", "sent", None, verify)
    log("2024-05-04 23:30", "delivered", 2, verify)  # 15:30 UTC, same day
    log("2024-05-05 00:30", "sent", 1, tpl_id=999)  # 4 May 16:30 UTC: a Shanghai 5 May
    log("2024-05-05 18:00", "failed", None, notice)
    # Just outside the range, on either side.
    log("2024-04-30 23:59", "sent", 5, verify)
    log("2024-05-06 00:00", "sent", 7, verify)
    return verify, notice


def by_label(rows):
    return {row.label: row for row in rows}


def test_numbers_match_hand_computed_values(logs, admin_client):
    response = admin_client.get(URL, RANGE)
    assert response.status_code == 200
    context = response.context
    assert context["errors"] == []
    assert (context["start"], context["end"]) == (DAYS[0], DAYS[-1])

    days = [(row.key, row.tally.messages, row.tally.fee) for row in context["day_rows"]]
    assert days == [
        (date(2024, 5, 1), 3, 3),
        (date(2024, 5, 2), 3, 4),
        (date(2024, 5, 3), 0, 0),
        (date(2024, 5, 4), 1, 2),
        (date(2024, 5, 5), 2, 1),
    ]

    templates = by_label(context["template_rows"])
    assert list(templates) == ["verify", "notice", "#999"]  # most messages first
    assert (templates["verify"].tally.messages, templates["verify"].tally.fee) == (4, 5)
    assert templates["verify"].tally.by_status == {"sent": 2, "delivered": 2}
    assert (templates["notice"].tally.messages, templates["notice"].tally.fee) == (3, 4)
    assert templates["notice"].tally.by_status == {"delivered": 1, "unknown": 1, "failed": 1}
    assert (templates["#999"].tally.messages, templates["#999"].tally.fee) == (2, 1)
    assert templates["#999"].tally.by_status == {"failed": 1, "sent": 1}

    statuses = {row.key: (row.tally.messages, row.tally.fee) for row in context["status_rows"]}
    assert statuses == {
        "sent": (3, 2),
        "delivered": (3, 5),
        "failed": (2, 0),
        "unknown": (1, 3),
        "pending": (0, 0),
        "undelivered": (0, 0),
    }
    assert (context["total"].messages, context["total"].fee) == (9, 10)

    # The status columns of the template and day tables follow the present statuses.
    columns = [column.key for column in context["status_columns"]]
    assert columns == ["delivered", "sent", "unknown", "failed"]
    assert templates["notice"].counts == [1, 0, 1, 1]
    assert context["day_rows"][2].counts == [0, 0, 0, 0]


def test_day_numbers_match_independent_queries(logs, admin_client):
    response = admin_client.get(URL, RANGE)
    for row in response.context["day_rows"]:
        day = row.key
        in_day = SmsLog.objects.filter(
            created_at__gte=datetime(day.year, day.month, day.day, tzinfo=SHANGHAI),
            created_at__lt=datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
            + timedelta(days=1),
        )
        assert row.tally.messages == in_day.count(), day
        assert row.tally.fee == (in_day.aggregate(fee=Sum("fee"))["fee"] or 0), day
        for status, count in row.tally.by_status.items():
            assert count == in_day.filter(status=status).count(), (day, status)


def test_tables_render_the_numbers(logs, admin_client):
    response = admin_client.get(URL, RANGE)
    assertContains(
        response,
        '<tr data-day="2024-05-03"><th scope="row">May 3, 2024</th>'
        '<td class="tsms-num">0</td><td class="tsms-num">0</td>'
        + '<td class="tsms-num">0</td>' * 4
        + "</tr>",
        html=True,
    )
    assertContains(
        response,
        '<tr><th scope="row">#999</th><td class="tsms-num">2</td><td class="tsms-num">1</td>'
        '<td class="tsms-num">0</td><td class="tsms-num">1</td><td class="tsms-num">0</td>'
        '<td class="tsms-num">1</td></tr>',
        html=True,
    )
    assertContains(
        response,
        '<tr class="tsms-total"><th scope="row">Total</th><td class="tsms-num">9</td>'
        '<td class="tsms-num">10</td></tr>',
        html=True,
    )


def test_days_are_local_days_of_the_current_time_zone(logs, admin_client):
    days = {row.key: row.tally for row in admin_client.get(URL, RANGE).context["day_rows"]}
    # 23:30 stays on its Shanghai day; 00:30 on the 5th is the 5th although UTC says the 4th.
    assert days[date(2024, 5, 4)].by_status == {"delivered": 1}
    assert days[date(2024, 5, 5)].by_status == {"sent": 1, "failed": 1}

    # The current time zone decides, not settings.TIME_ZONE.
    with timezone.override(ZoneInfo("UTC")):
        response = admin_client.get(URL, RANGE)
    days = {row.key: row.tally for row in response.context["day_rows"]}
    assert days[date(2024, 5, 4)].by_status == {"delivered": 1, "sent": 1}
    # In UTC, 6 May 00:00 Shanghai (sent, fee 7) is 5 May 16:00, and 30 April 23:59 Shanghai
    # is still 30 April.
    assert days[date(2024, 5, 5)].by_status == {"failed": 1, "sent": 1}
    assert days[date(2024, 5, 5)].fee == 7
    assert response.context["total"].messages == 10


def test_default_range_is_the_30_days_ending_today(db, admin_client):
    today = timezone.localdate()
    SmsLog.objects.create(phone="+8613800138000", tpl_id=1, status="sent", fee=1)
    response = admin_client.get(URL)
    context = response.context
    assert context["errors"] == []
    assert (context["start"], context["end"]) == (today - timedelta(days=29), today)
    assert len(context["day_rows"]) == 30
    assert context["day_rows"][-1].key == today
    assert context["day_rows"][-1].tally.messages == 1
    assertContains(response, 'aria-current="true">Last 30 days</a>', html=False)


def test_range_from_get_and_the_form_shows_it(logs, admin_client):
    response = admin_client.get(URL, {"start": "2024-05-02", "end": "2024-05-04"})
    assert [row.key for row in response.context["day_rows"]] == DAYS[1:4]
    assert response.context["total"].messages == 4
    assertContains(response, 'name="start" value="2024-05-02"')
    assertContains(response, 'name="end" value="2024-05-04"')
    assertNotContains(response, 'class="errornote"')

    # Only an end: the 30 days up to it.
    response = admin_client.get(URL, {"end": "2024-05-05"})
    assert response.context["start"] == date(2024, 4, 6)
    assert response.context["total"].messages == 10  # includes 30 April


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"start": "2024-02-30", "end": "2024-05-05"},
            "The start date “2024-02-30” is not a valid",
        ),
        ({"start": "2024-05-01", "end": "yesterday"}, "The end date “yesterday” is not a valid"),
        ({"start": "2024-05-05", "end": "2024-05-01"}, "is after the end date"),
        ({"start": "2024-01-01", "end": "2025-01-01"}, "The range is longer than 366 days."),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "The dates are out of range."),
    ],
)
def test_invalid_range_shows_an_error_and_the_default(db, admin_client, params, message):
    today = timezone.localdate()
    response = admin_client.get(URL, params)
    assert response.status_code == 200
    assert len(response.context["errors"]) == 1
    assert message in response.context["errors"][0]
    assert (response.context["start"], response.context["end"]) == (
        today - timedelta(days=29),
        today,
    )
    assertContains(response, 'class="errornote"')
    assertContains(response, "showing the last 30 days instead")
    assertContains(response, message)


def test_parse_range_limits():
    today = date(2024, 6, 30)
    longest = {"start": "2024-01-01", "end": "2024-12-31"}  # a leap year: 366 days
    assert parse_range(longest, today) == (date(2024, 1, 1), date(2024, 12, 31), [])
    assert parse_range({"start": "2024-06-30", "end": "2024-06-30"}, today)[2] == []
    assert parse_range({"start": " 2024-06-01 "}, today) == (date(2024, 6, 1), today, [])
    assert parse_range({}, today) == (date(2024, 6, 1), today, [])
    assert parse_range({"start": "2023-01-01", "end": "2024-01-01"}, today)[2] == []  # 366
    start, end, errors = parse_range({"start": "2022-12-31", "end": "2024-01-01"}, today)
    assert (start, end) == (date(2024, 6, 1), today) and len(errors) == 1
    assert MAX_DAYS == 366


def test_permissions(db, client, django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(URL).status_code == 403

    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="tencent_sms", codename="view_smslog")
    )
    user = django_user_model.objects.get(pk=user.pk)  # forget the cached permissions
    client.force_login(user)
    assert client.get(URL).status_code == 200

    client.logout()
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_constant_number_of_queries(db, admin_client):
    verify = SmsTemplate.objects.create(name="verify", tpl_id=100, text="Code {1}")
    log("2024-05-01 09:00", "sent", 1, verify)
    with CaptureQueriesContext(connection) as small:
        response = admin_client.get(URL, {"start": "2024-05-01", "end": "2024-05-02"})
    assert response.context["total"].messages == 1

    templates = [
        SmsTemplate.objects.create(name=f"t{n}", tpl_id=1000 + n, text="x") for n in range(5)
    ]
    statuses = [choice.value for choice in SmsLog.Status]
    for n in range(120):
        log(
            f"2024-{5 + n // 30:02d}-{1 + n % 28:02d} {n % 24:02d}:15",
            statuses[n % len(statuses)],
            n % 3 or None,
            templates[n % 5] if n % 2 else None,
            tpl_id=None if n % 2 else 5000 + n % 7,
        )
    with CaptureQueriesContext(connection) as large:
        response = admin_client.get(URL, {"start": "2024-04-01", "end": "2024-09-30"})
    assert response.context["total"].messages == 121
    assert len(response.context["day_rows"]) == 183
    assert len(large) == len(small), [q["sql"] for q in large]


def test_aggregation_is_one_query(logs, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = aggregate(SmsLog.objects.all(), DAYS[0], DAYS[-1], SHANGHAI)
    assert sum(row["messages"] for row in rows) == 9


#: Offset changes (UTC) of zones with summer time: clocks on at 02:00 and back at 03:00; on
#: at midnight (the 4th of November 2018 began at 01:00 in São Paulo) and back to 23:00; and
#: Lord Howe Island's half hour.
OFFSET_CHANGES = {
    "Europe/Berlin": ["2024-03-31 01:00", "2024-10-27 01:00"],
    "America/Sao_Paulo": ["2018-11-04 03:00", "2019-02-17 02:00"],
    "Australia/Lord_Howe": ["2024-04-06 15:00", "2024-10-05 15:30"],
}


@pytest.mark.parametrize("zone", OFFSET_CHANGES)
def test_days_follow_the_zone_through_its_offset_changes(db, zone):
    # A change is counted to the microsecond, and a range may hold several. The database's
    # own time zone data is never needed (MySQL and MariaDB may have none loaded).
    tz = ZoneInfo(zone)
    changes = [
        datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=dt_timezone.utc)
        for text in OFFSET_CHANGES[zone]
    ]
    for change in changes:  # the table above is right
        assert (change - timedelta(seconds=1)).astimezone(tz).utcoffset() != (
            change.astimezone(tz).utcoffset()
        )
    instants = []
    for change in changes:
        local = change.astimezone(tz)
        midnights = [
            datetime.combine(local.date() + timedelta(days=n), datetime.min.time(), tz)
            for n in (-1, 0, 1)
        ]
        for moment in (change, *midnights):
            for delta in (-3600, -1, -0.000001, 0, 0.000001, 1, 3600):
                instants.append(moment + timedelta(seconds=delta))
    for n, instant in enumerate(instants):
        SmsLog.objects.create(
            phone="+8613800138000", tpl_id=1, status="sent", fee=n % 3, created_at=instant
        )
    start = changes[0].astimezone(tz).date() - timedelta(days=2)
    end = changes[-1].astimezone(tz).date() + timedelta(days=2)

    rows = aggregate(SmsLog.objects.all(), start, end, tz)
    days = Counter()
    for row in rows:
        days[row["day"]] += row["messages"]
    expected = Counter(instant.astimezone(tz).date() for instant in instants)
    assert days == expected


def test_app_index_links_to_the_dashboard(db, client, django_user_model, admin_client):
    link = f'<a href="{reverse("admin:tencent_sms_smslog_dashboard")}">Fee and volume dashboard</a>'
    assertContains(admin_client.get("/admin/tencent_sms/"), link, html=True)

    # Someone who may see the templates but not the log gets the app page without the link.
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="tencent_sms", codename="view_smstemplate")
    )
    client.force_login(user)
    response = client.get("/admin/tencent_sms/")
    assert response.status_code == 200
    assertNotContains(response, "Fee and volume dashboard")


def test_page_has_admin_chrome_and_breadcrumbs(db, admin_client):
    response = admin_client.get(URL)
    assertContains(response, "<h1>Fee and volume dashboard</h1>", html=True)
    assertContains(response, 'id="nav-sidebar"')
    assertContains(response, reverse("admin:tencent_sms_smslog_changelist"))
    assertContains(response, reverse("admin:app_list", args=["tencent_sms"]))
    assertContains(response, "tencent_sms/dashboard.css")


def test_svg_has_one_bar_group_per_day(logs, admin_client):
    html = admin_client.get(URL, RANGE).content.decode()
    charts = re.findall(r"<svg class=\"tsms-chart [^\"]*\" role=\"img\".*?</svg>", html, re.S)
    assert len(charts) == 2
    volume, fee = charts
    assert 'aria-label="Messages per day by status' in volume and "<title>" in volume
    assert "<script" not in html.split('id="content-main"')[1]

    groups = re.findall(
        r'<g class="tsms-day" data-day="([\d-]+)" data-messages="(\d+)">(.*?)</g>', volume
    )
    assert [(day, int(n)) for day, n, _ in groups] == [
        ("2024-05-01", 3),
        ("2024-05-02", 3),
        ("2024-05-03", 0),
        ("2024-05-04", 1),
        ("2024-05-05", 2),
    ]
    # Bars are stacked by status: one segment per status present that day, each coloured.
    segments = {day: re.findall(r'data-status="(\w+)"', body) for day, _, body in groups}
    assert segments["2024-05-01"] == ["delivered", "sent", "failed"]
    assert segments["2024-05-03"] == []
    assert (
        len(set(re.findall(r'class="tsms-bar" data-status="\w+"[^>]*fill="(#\w+)"', volume))) == 4
    )

    fees = re.findall(r'<g class="tsms-fee-day" data-day="[\d-]+" data-fee="(\d+)">', fee)
    assert fees == ["3", "4", "0", "2", "1"]


def test_bar_heights_follow_the_scale(logs, admin_client):
    volume = admin_client.get(URL, RANGE).context["volume_chart"]
    # The busiest days have 3 messages: the axis goes 0, 1, 2, 3.
    ticks = re.findall(
        r'y="([\d.]+)" text-anchor="end" dominant-baseline="middle">(\d+)</text>', volume
    )
    assert [label for _, label in ticks] == ["0", "1", "2", "3"]
    top_y = float(ticks[-1][0])
    per_message = set()
    for messages, body in re.findall(r'data-messages="(\d+)">(.*?)</g>', volume):
        bars = [
            (float(y), float(h))
            for y, h in re.findall(r'class="tsms-bar"[^>]*y="([\d.]+)"[^>]*height="([\d.]+)"', body)
        ]
        if int(messages):
            per_message.add(round(sum(h for _, h in bars) / int(messages)))
        if int(messages) == 3:
            assert min(y for y, _ in bars) == pytest.approx(top_y, abs=0.2)
    assert len(per_message) == 1  # stacks are proportional to the day's messages


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, (1, 1)), (1, (1, 1)), (3, (3, 1)), (7, (8, 2)), (95, (100, 20)), (1234, (1500, 500))],
)
def test_nice_scale(value, expected):
    assert nice_scale(value) == expected


def test_label_every_keeps_the_axis_readable():
    assert label_every(7) == 1
    assert label_every(30) == 3
    assert 366 / label_every(366) <= 10


def test_works_without_time_zone_support(db, admin_client, settings):
    settings.USE_TZ = False
    SmsLog.objects.create(
        phone="+8613800138000",
        tpl_id=1,
        status="sent",
        fee=2,
        created_at=datetime(2024, 5, 2, 23, 30),
    )
    response = admin_client.get(URL, RANGE)
    days = {row.key: row.tally.messages for row in response.context["day_rows"]}
    assert days == {date(2024, 5, 1): 0, date(2024, 5, 2): 1, **dict.fromkeys(DAYS[2:], 0)}
    assert response.context["total"].fee == 2
