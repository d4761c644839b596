"""What a newcomer reads in the admin: counts, one status, resends, times, numbers, refusals."""

import re
from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from django_tencent_sms.backends.tencent import TencentBackend
from django_tencent_sms.models import SmsLog, SmsReply, SmsTemplate
from tests.helpers import staff

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"
LOG_LIST = reverse("admin:tencent_sms_smslog_changelist")
TEMPLATE_LIST = reverse("admin:tencent_sms_smstemplate_changelist")
REPLY_LIST = reverse("admin:tencent_sms_smsreply_changelist")
FULL = "tencent_sms.view_full_phone"


def log_url(log, view="change"):
    return reverse(f"admin:tencent_sms_smslog_{view}", args=[log.pk])


def paginator_text(response) -> str:
    """The list footer's words (``3 SMS templates``), on Django 5.2's ``<p class="paginator">``
    and Django 6's ``<nav class="paginator">`` (whose hidden heading is left out)."""
    html = response.content.decode()
    start = html.index('class="paginator"')
    end = min(i for i in (html.find("</p>", start), html.find("</nav>", start)) if i != -1)
    footer = re.sub(r"<h2[^>]*>.*?</h2>", "", html[start:end], flags=re.S).split(">", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", footer).split())


@pytest.fixture
def templates(db):
    return [
        SmsTemplate.objects.create(name="login-code", tpl_id=1001, text="{1}", type="verification"),
        SmsTemplate.objects.create(name="shipped", tpl_id=2001, text="订单{1}已发货。"),
        SmsTemplate.objects.create(name="promo", tpl_id=3001, text="大促", type="marketing"),
    ]


def make_log(template=None, **fields):
    values = {
        "phone": PHONE,
        "template": template,
        "tpl_id": template.tpl_id if template else 4242,
        "params": ["482913"] if template and template.type == "verification" else ["SF1"],
        "status": SmsLog.Status.SENT,
        "result": 0,
        "sid": "2019:6918207402461758117",
        "fee": 1,
        **fields,
    }
    return SmsLog.objects.create(**values)


# 7. The count under a list ----------------------------------------------------------------


@pytest.mark.parametrize(
    "language, expected",
    [("en", "3 SMS templates"), ("zh-hans", "3 条短信模板")],
)
def test_the_template_list_counts_its_rows(admin_client, templates, language, expected):
    response = admin_client.get(TEMPLATE_LIST, headers={"accept-language": language})
    footer = paginator_text(response)
    assert footer == expected
    assert "more than" not in footer and "超过" not in footer


def test_a_capped_list_still_says_more_than(admin_client, templates, monkeypatch):
    from django_tencent_sms.admin import SmsLogAdmin

    monkeypatch.setattr(SmsLogAdmin, "count_limit", 2)
    for _ in range(3):
        make_log(templates[1])
    footer = paginator_text(admin_client.get(LOG_LIST, {"status__exact": "sent"}))
    assert footer == "more than 2 SMS logs"


# 10. Resend only what can be resent ---------------------------------------------------------


@pytest.fixture
def resender(client):
    client.force_login(staff("resender", "tencent_sms.view_smslog", "tencent_sms.resend_smslog"))
    return client


def test_a_verification_code_offers_no_resend(resender, templates):
    code_log, notice = make_log(templates[0]), make_log(templates[1])
    assert log_url(code_log, "resend") not in resender.get(log_url(code_log)).content.decode()
    assert log_url(notice, "resend") in resender.get(log_url(notice)).content.decode()


def test_a_skipped_verification_code_is_information_not_an_error(resender, templates, sms_outbox):
    code_log, notice = make_log(templates[0]), make_log(templates[1])
    selected = {"action": "resend_selected", "_selected_action": [code_log.pk, notice.pk]}
    page = resender.post(LOG_LIST, selected)
    assert "Verification code: will not be resent" in page.content.decode()
    response = resender.post(
        LOG_LIST,
        {**selected, "post": "yes", "resend_token": page.context["token"]},
        follow=True,
    )
    levels = {m.message.split(" ")[1]: m.level for m in get_messages(response.wsgi_request)}
    assert levels == {f"#{code_log.pk}": messages.INFO, f"#{notice.pk}": messages.SUCCESS}
    assert len(sms_outbox) == 1


# 11. Time limits and durations in words -----------------------------------------------------


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "within 13.05 s (3.05 s to connect, 10 s to answer)"),
        ("zh-hans", "13.05 秒（连接 3.05 秒，应答 10 秒）内"),
    ],
)
def test_the_timeout_message_is_in_words(language, expected):
    backend = TencentBackend(sdk_app_id="1400000000", app_key="k" * 32, timeout=(3.05, 10.0))
    with translation.override(language):
        message = str(backend._timed_out())
    assert expected in message
    assert "(3.05, 10.0)" not in message


@pytest.mark.parametrize("language, expected", [("en", "180 ms"), ("zh-hans", "180 毫秒")])
def test_the_duration_is_in_milliseconds(admin_client, templates, language, expected):
    log = make_log(templates[1], duration=timedelta(microseconds=180_400))
    html = admin_client.get(log_url(log), headers={"accept-language": language}).content
    assert expected in html.decode() and "0:00:00" not in html.decode()


# 12. One number format, times to the second, labels ---------------------------------------


@pytest.mark.parametrize(
    "perms, shown, hidden",
    [((), "+86 138 **** 5678", "1234"), ((FULL,), "+86 138 1234 5678", "****")],
)
def test_a_viewer_sees_one_number_format_in_list_and_detail(
    client, templates, perms, shown, hidden
):
    log = make_log(templates[1])
    client.force_login(staff("someone", "tencent_sms.view_smslog", *perms))
    for page in (LOG_LIST, log_url(log)):
        html = client.get(page).content.decode()
        # The table, or the detail's fields (its title, like the admin history, stays masked).
        body = html[html.index('id="result_list"' if page == LOG_LIST else "<fieldset") :]
        assert shown in body, page
        assert f"+86 138 {hidden}" not in body, page


def test_log_times_have_seconds(admin_client, templates):
    created = timezone.make_aware(timezone.datetime(2026, 12, 4, 18, 36, 42))
    log = make_log(templates[1], created_at=created, finished_at=created + timedelta(seconds=1))
    local = timezone.localtime(created).strftime("%Y-%m-%d %H:%M:%S")
    finished = timezone.localtime(log.finished_at).strftime("%H:%M:%S")
    assert local in admin_client.get(LOG_LIST).content.decode()
    detail = admin_client.get(log_url(log)).content.decode()
    assert local in detail and finished in detail


def test_filters_and_empty_cells_read_as_words(admin_client, templates):
    make_log(None, result=None, sid="", fee=None)
    html = admin_client.get(LOG_LIST).content.decode()
    assert "(no template row: by ID, or a voice call)" in html
    assert ">-<" not in html and ">-</a>" not in html
    SmsReply.objects.create(phone=PHONE, text="好的", replied_at=timezone.now())
    replies = admin_client.get(REPLY_LIST).content.decode()
    assert "By reply time" in replies and "sent by the person" not in replies


# 13. A search that may not look for numbers says so ---------------------------------------


def test_a_partial_number_search_says_why_nothing_is_found(client, templates):
    make_log(templates[1])
    client.force_login(staff("viewer", "tencent_sms.view_smslog"))
    response = client.get(LOG_LIST, {"q": "5678"})
    html = response.content.decode()
    assert list(response.context["cl"].result_list) == []
    assert "Searching by phone number needs the permission" in html


@pytest.mark.parametrize("perms", [(), (FULL,)])
@pytest.mark.parametrize("term", ["+86 138 **** 5678", "138****5678"])
def test_a_masked_number_copied_from_the_list_says_why_nothing_is_found(
    client, templates, perms, term
):
    make_log(templates[1])
    client.force_login(staff("someone", "tencent_sms.view_smslog", *perms))
    response = client.get(LOG_LIST, {"q": term})
    assert list(response.context["cl"].result_list) == []
    assert "A masked number (with *) cannot be searched" in response.content.decode()


@pytest.mark.parametrize("term", ["5678", "2019:6918207402461758117", "a*b", "****"])
def test_other_searches_are_not_taken_for_masked_numbers(client, templates, term):
    make_log(templates[1])
    client.force_login(staff("auditor", "tencent_sms.view_smslog", FULL))
    response = client.get(LOG_LIST, {"q": term})
    assert "A masked number" not in response.content.decode()
    assert len(response.context["cl"].result_list) == (1 if term[0].isdigit() else 0)
