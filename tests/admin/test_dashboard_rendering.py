"""The dashboard's tables, built as HTML in Python: escaped, localised, complete."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from django_tencent_sms.models import SmsLog, SmsTemplate

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/admin/tencent_sms/smslog/dashboard/"
RANGE = {"start": "2024-05-01", "end": "2024-05-03"}
HOSTILE = '<script>alert("x")</script>&"'


def log(day, status, fee, template):
    return SmsLog.objects.create(
        phone="+8613800138000",
        template=template,
        tpl_id=template.tpl_id,
        status=status,
        fee=fee,
        created_at=datetime(2024, 5, day, 10, tzinfo=SHANGHAI),
    )


@pytest.fixture
def hostile(db, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    template = SmsTemplate.objects.create(name=HOSTILE, tpl_id=100, text="Code {1}")
    log(1, "delivered", 1_234_567, template)
    log(2, "failed", 2, template)
    return template


def test_a_template_name_with_markup_is_shown_as_text(hostile, admin_client):
    response = admin_client.get(URL, RANGE)
    assertNotContains(response, HOSTILE)
    assertContains(
        response,
        '<tr><th scope="row">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&quot;</th>'
        '<td class="tsms-num">2</td><td class="tsms-num">1234569</td>'
        '<td class="tsms-num">1</td><td class="tsms-num">1</td></tr>',
        html=True,
    )


def test_cells_follow_the_thousand_separator_setting(hostile, admin_client, settings):
    settings.USE_THOUSAND_SEPARATOR = True
    response = admin_client.get(URL, RANGE)
    assertContains(
        response,
        '<tr data-day="2024-05-01"><th scope="row">May 1, 2024</th>'
        '<td class="tsms-num">1</td><td class="tsms-num">1,234,567</td>'
        '<td class="tsms-num">1</td><td class="tsms-num">0</td></tr>',
        html=True,
    )


def test_day_and_status_rows_in_chinese(hostile, admin_client):
    response = admin_client.get(URL, RANGE, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assertContains(
        response,
        '<tr data-day="2024-05-02"><th scope="row">2024年5月2日</th>'
        '<td class="tsms-num">1</td><td class="tsms-num">2</td>'
        '<td class="tsms-num">0</td><td class="tsms-num">1</td></tr>',
        html=True,
    )
    with translation.override("zh-hans"):
        label = str(SmsLog.Status.FAILED.label)
    row = response.content.decode().split('<tr data-status="failed">')[1].split("</tr>")[0]
    assert label != "Failed" and label in row
    assert '<td class="tsms-num">1</td><td class="tsms-num">2</td>' in row


def test_an_empty_range_says_so_in_the_template_table(db, admin_client):
    response = admin_client.get(URL, RANGE)
    # The status and day tables list every status and day, with zeros; templates none.
    html = response.content.decode().split('id="tsms-by-template"')[1].split("</table>")[0]
    assert '<tr><td colspan="3">No messages in this range.</td></tr>' in html
    assertContains(
        response,
        '<tr data-day="2024-05-03"><th scope="row">May 3, 2024</th>'
        '<td class="tsms-num">0</td><td class="tsms-num">0</td></tr>',
        html=True,
    )


def test_day_labels_follow_each_request_language(hostile, admin_client):
    # The day texts are kept across pages: one language's must never show in another's.
    for language, label in [
        ("en", "May 2, 2024"),
        ("zh-hans", "2024年5月2日"),
        ("en", "May 2, 2024"),
    ]:
        response = admin_client.get(URL, RANGE, HTTP_ACCEPT_LANGUAGE=language)
        row = response.content.decode().split('<tr data-day="2024-05-02">')[1].split("</tr>")[0]
        assert f'<th scope="row">{label}</th>' in row
