"""The send log and templates in the admin, through Django's test client."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_tencent_sms import send_sms
from django_tencent_sms.admin import SmsLogAdmin
from django_tencent_sms.admin.paginator import estimated_row_count
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.models import SmsLog, SmsTemplate
from tests.helpers import staff

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "+8613812345678"
OTHER_PHONE = "+8613987654321"
CHANGELIST = reverse("admin:tencent_sms_smslog_changelist")


def change_url(log):
    return reverse("admin:tencent_sms_smslog_change", args=[log.pk])


def confirm_resend(client, log, **kwargs):
    """What the Resend button does: open the confirmation page, then submit it."""
    page = client.get(resend_url(log))
    assert page.status_code == 200
    return client.post(resend_url(log), {"resend_token": page.context["token"]}, **kwargs)


def resend_url(log):
    return reverse("admin:tencent_sms_smslog_resend", args=[log.pk])


@pytest.fixture
def viewer(client):
    client.force_login(staff("viewer", "tencent_sms.view_smslog"))
    return client


@pytest.fixture
def auditor(client):
    """Staff who may see, and so search by, whole numbers."""
    client.force_login(staff("auditor", "tencent_sms.view_smslog", "tencent_sms.view_full_phone"))
    return client


@pytest.fixture
def notification(db):
    return SmsTemplate.objects.create(
        name="order-shipped", tpl_id=2001, text="您的订单{1}已发货。", type="notification"
    )


@pytest.fixture
def verification(db):
    return SmsTemplate.objects.create(
        name="login-code", tpl_id=1001, text="您的验证码为{1}，{2}分钟内有效。", type="verification"
    )


def make_log(template=None, *, phone=PHONE, status="sent", fee=1, created=None, **fields):
    return SmsLog.objects.create(
        phone=phone,
        template=template,
        tpl_id=fields.pop("tpl_id", template.tpl_id if template else 9999),
        params=fields.pop("params", ["A-1"]),
        sign="腾讯云",
        status=status,
        result=fields.pop("result", 0 if status == "sent" else None),
        sid=fields.pop("sid", ""),
        fee=fee,
        created_at=created or datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI),
        **fields,
    )


def message_texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# Masking ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, masked",
    [
        ("+8613812348888", "+86 138 **** 8888"),
        ("+14155552671", "+1 415-***-*671"),
        ("+85291234567", "+852 91** **67"),
        ("not a number", "****er"),
        ("", ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


def test_mask_phone_of_an_invalid_stored_number():
    from phonenumber_field.phonenumber import to_python

    assert mask_phone(to_python("garbage12345")) == "****45"


def test_log_str_never_holds_the_whole_number(notification):
    log = make_log(notification)
    assert "13812345678" not in str(log) and "+86 138 **** 5678" in str(log)


# Changelist ------------------------------------------------------------------------------


def test_changelist_shows_sid_fee_and_masked_phones(viewer, notification):
    make_log(notification, sid="2019:abc-sid", fee=2, result=0)
    make_log(None, tpl_id=4242, status="failed", result=1023, fee=None, phone=OTHER_PHONE)
    response = viewer.get(CHANGELIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "2019:abc-sid" in html
    assert "+86 138 **** 5678" in html and "+86 139 **** 4321" in html
    assert "13812345678" not in html and "13987654321" not in html
    assert "order-shipped" in html and "#4242" in html
    # The result's meaning is on hover, the status is a labelled badge.
    assert 'title="Per-number 30-second limit exceeded"' in html
    assert "tencent-sms-status-failed" in html and "tencent-sms-status-sent" in html


def test_every_status_has_a_distinct_badge(viewer, notification):
    for status in SmsLog.Status.values:
        make_log(notification, status=status)
    html = viewer.get(CHANGELIST).content.decode()
    for status in SmsLog.Status.values:
        assert f"tencent-sms-status-{status}" in html


def test_totals_equal_the_databases_sums(auditor, notification):
    day = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
    for n in range(7):
        make_log(notification, fee=n % 3 + 1, created=day - timedelta(days=n))
    for n in range(4):
        make_log(notification, status="failed", fee=None, created=day - timedelta(days=n))
    make_log(notification, phone=OTHER_PHONE, fee=5)

    def expected(**filters):
        sums = SmsLog.objects.filter(**filters).aggregate(n=Count("id"), fee=Sum("fee"))
        return sums["n"], sums["fee"] or 0

    for query, filters in [
        ({}, {}),
        ({"status__exact": "sent"}, {"status": "sent"}),
        ({"status__exact": "failed"}, {"status": "failed"}),
        ({"q": "139 8765 4321"}, {"phone": OTHER_PHONE}),
    ]:
        response = auditor.get(CHANGELIST, query)
        totals = response.context["cl"].paginator.totals
        assert (totals["messages"], totals["fee"]) == expected(**filters), query
        messages, fee = expected(**filters)
        html = response.content.decode()
        assert f"<strong>{messages}</strong>" in html and f"<strong>{fee}</strong>" in html


@pytest.mark.parametrize(
    "term",
    ["+8613812345678", "13812345678", "138 1234 5678", "+86 138-1234-5678", "008613812345678"],
)
def test_search_by_phone_in_any_format(auditor, notification, term):
    wanted = make_log(notification)
    make_log(notification, phone=OTHER_PHONE)
    results = list(auditor.get(CHANGELIST, {"q": term}).context["cl"].result_list)
    assert results == [wanted]


def test_search_by_part_of_a_number_and_by_sid(client, viewer, notification):
    first = make_log(notification, sid="8:one")
    second = make_log(notification, phone=OTHER_PHONE, sid="8:two")
    # Without the full-number permission a fragment finds nothing: searching 13812, 13813, …
    # would otherwise reveal the masked digits one by one.
    assert list(viewer.get(CHANGELIST, {"q": "5678"}).context["cl"].result_list) == []
    auditor = staff("auditor", "tencent_sms.view_smslog", "tencent_sms.view_full_phone")
    client.force_login(auditor)
    assert list(client.get(CHANGELIST, {"q": "5678"}).context["cl"].result_list) == [first]
    assert list(viewer.get(CHANGELIST, {"q": "8:two"}).context["cl"].result_list) == [second]
    assert list(viewer.get(CHANGELIST, {"q": "8:three"}).context["cl"].result_list) == []


def test_filters_and_date_hierarchy(viewer, notification, verification):
    make_log(notification, created=datetime(2026, 9, 30, 23, 30, tzinfo=SHANGHAI))
    make_log(verification, status="failed", created=datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI))
    response = viewer.get(CHANGELIST)
    html = response.content.decode()
    # One year of data: the drill-down opens at its months, September to November.
    assert "created_at__month=9" in html and "created_at__month=11" in html
    assert (
        len(
            viewer.get(CHANGELIST, {"template__id__exact": verification.pk})
            .context["cl"]
            .result_list
        )
        == 1
    )
    response = viewer.get(CHANGELIST, {"created_at__year": 2026, "created_at__month": 9})
    assert len(response.context["cl"].result_list) == 1  # 23:30 in Shanghai is still 30 September
    assert "created_at__day=30" in response.content.decode()


def test_changelist_queries_do_not_grow_with_rows_or_page_size(viewer, notification, monkeypatch):
    base = datetime(2026, 1, 1, tzinfo=SHANGHAI)
    SmsLog.objects.bulk_create(
        SmsLog(
            phone=PHONE if n % 2 else OTHER_PHONE,
            template=notification,
            tpl_id=2001,
            params=["x"],
            status="sent",
            result=0,
            sid=f"sid-{n}",
            fee=1,
            created_at=base + timedelta(minutes=17 * n),
        )
        for n in range(10_000)
    )
    counts = {}
    for per_page in (10, 100, 500):
        monkeypatch.setattr(SmsLogAdmin, "list_per_page", per_page)
        with CaptureQueriesContext(connection) as queries:
            response = viewer.get(CHANGELIST)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == per_page
        counts[per_page] = len(queries)
        for query in queries.captured_queries:
            sql = query["sql"].upper()
            assert "DISTINCT" not in sql, sql  # no drill-down scan over every row
            if "COUNT(" in sql and "SMSLOG" in sql:
                assert "LIMIT" in sql, sql  # counts are capped
    assert len(set(counts.values())) == 1, counts
    assert response.context["cl"].paginator.totals == {"messages": 10_000, "fee": 10_000}


def test_counts_are_capped_above_the_limit(viewer, notification, monkeypatch):
    monkeypatch.setattr(SmsLogAdmin, "count_limit", 5)
    monkeypatch.setattr(SmsLogAdmin, "list_per_page", 3)
    for _ in range(8):
        make_log(notification)
    response = viewer.get(CHANGELIST, {"status__exact": "sent"})
    html = response.content.decode()
    assert response.context["cl"].paginator.totals is None
    assert "More than 5 messages match" in html
    assert "more than 5 SMS logs" in html
    assert len(response.context["cl"].result_list) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner estimate")
def test_unfiltered_list_on_postgresql_uses_the_planners_estimate(
    viewer, notification, monkeypatch
):
    monkeypatch.setattr(SmsLogAdmin, "count_limit", 5)
    for _ in range(20):
        make_log(notification)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tencent_sms_smslog")
    with CaptureQueriesContext(connection) as queries:
        response = viewer.get(CHANGELIST)
    paginator = response.context["cl"].paginator
    # The statistics' live-row count, or the planner's (20 after ANALYZE): never a COUNT.
    estimate = estimated_row_count(SmsLog.objects.all())
    assert paginator.count_is_estimate and paginator.count == estimate > 5
    assert f"about {estimate} SMS logs" in response.content.decode()
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


# Detail page ------------------------------------------------------------------------------


def test_detail_page_is_read_only_and_masks_the_phone(viewer, notification):
    log = make_log(notification, sid="sid-1", result=0, params=["SF123"])
    html = viewer.get(change_url(log)).content.decode()
    assert "+86 138 **** 5678" in html and "13812345678" not in html
    assert "SF123" in html and "sid-1" in html and "Accepted by Tencent" in html
    form = html.split('id="smslog_form"')[1].split("</form>")[0]
    assert 'name="_save"' not in form and 'type="text"' not in form and "<textarea" not in form


def test_full_phone_needs_its_own_permission(client, notification):
    log = make_log(notification)
    client.force_login(staff("auditor", "tencent_sms.view_smslog", "tencent_sms.view_full_phone"))
    html = client.get(change_url(log)).content.decode()
    # One format for the same viewer: the international one, in the list as on the page.
    assert "+86 138 1234 5678" in html
    listed = client.get(CHANGELIST).content.decode()
    assert "+86 138 1234 5678" in listed and "138 ****" not in listed


def test_detail_explains_the_result_code(viewer, notification):
    log = make_log(notification, status="failed", result=1001, fee=None, errmsg="sig error")
    html = viewer.get(change_url(log)).content.decode()
    assert "Request signature (sig) check failed" in html
    assert "a trailing space copied from the console is the usual cause" in html


def test_verification_codes_are_never_shown(viewer, verification):
    log = make_log(verification, params=["482913", "5"])
    html = viewer.get(change_url(log)).content.decode()
    assert "482913" not in html and "verification codes are never shown" in html


def test_logs_cannot_be_added_edited_or_deleted(viewer, notification):
    log = make_log(notification)
    assert viewer.get(reverse("admin:tencent_sms_smslog_add")).status_code == 403
    assert viewer.post(change_url(log), {"status": "failed"}).status_code == 403
    delete = reverse("admin:tencent_sms_smslog_delete", args=[log.pk])
    assert viewer.post(delete, {"post": "yes"}).status_code == 403
    assert "delete_selected" not in viewer.get(CHANGELIST).content.decode()
    log.refresh_from_db()
    assert log.status == "sent"


def test_purge_permission_allows_deleting(client, notification):
    log = make_log(notification)
    client.force_login(staff("dpo", "tencent_sms.view_smslog", "tencent_sms.purge_smslog"))
    delete = reverse("admin:tencent_sms_smslog_delete", args=[log.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not SmsLog.objects.exists()


# Resend -----------------------------------------------------------------------------------


@pytest.fixture
def resender(client):
    user = staff("resender", "tencent_sms.view_smslog", "tencent_sms.resend_smslog")
    client.force_login(user)
    client.user = user
    return client


def test_resend_needs_its_permission(viewer, notification, sms_outbox):
    log = make_log(notification)
    html = viewer.get(CHANGELIST).content.decode()
    assert "resend_selected" not in html
    assert resend_url(log) not in viewer.get(change_url(log)).content.decode()
    assert viewer.get(resend_url(log)).status_code == 403
    assert viewer.post(resend_url(log)).status_code == 403
    response = viewer.post(
        CHANGELIST, {"action": "resend_selected", "_selected_action": [log.pk], "post": "yes"}
    )
    assert SmsLog.objects.count() == 1 and sms_outbox == []
    assert response.status_code in (200, 302)


def test_resend_reaches_the_emulator_and_links_the_new_row(resender, sms_sandbox, notification):
    original = send_sms(PHONE, notification, ["SF1001"])
    assert resend_url(original) in resender.get(change_url(original)).content.decode()
    response = confirm_resend(resender, original)
    assert len(sms_sandbox.messages) == 2
    assert sms_sandbox.messages[1].params == ["SF1001"]
    new = SmsLog.objects.get(resend_of=original)
    assert new.resent_by == resender.user and new.status == "sent"
    assert new.sid == sms_sandbox.messages[1].sid and new.fee == 1
    assert response.status_code == 302 and response["Location"] == change_url(new)
    (text,) = message_texts(response)
    assert f"resent as #{new.pk}" in text and new.sid in text
    assert f"#{original.pk}" in resender.get(change_url(new)).content.decode()
    assert f"#{new.pk}" in resender.get(change_url(original)).content.decode()


def test_resend_action_confirms_then_sends_each(resender, notification, sms_outbox):
    logs = [make_log(notification, phone=p) for p in (PHONE, OTHER_PHONE)]
    data = {"action": "resend_selected", "_selected_action": [log.pk for log in logs]}
    confirmation = resender.post(CHANGELIST, data)
    assert confirmation.status_code == 200 and b"Resend 2 messages" in confirmation.content
    assert sms_outbox == []
    token = confirmation.context["token"]
    response = resender.post(CHANGELIST, {**data, "post": "yes", "resend_token": token})
    assert len(sms_outbox) == 2
    assert SmsLog.objects.filter(resend_of__in=logs).count() == 2
    assert len([t for t in message_texts(response) if "was resent as" in t]) == 2


def test_a_rate_limited_resend_is_reported_not_raised(resender, sms_sandbox, notification):
    original = send_sms(PHONE, notification, ["SF1"])
    sms_sandbox.fail_next("result", result=1023, errmsg="frequency limit")
    response = confirm_resend(resender, original, follow=True)
    assert response.status_code == 200
    (text,) = message_texts(response)
    assert "Per-number 30-second limit exceeded" in text and "1023" in text
    new = SmsLog.objects.get(resend_of=original)
    assert new.status == "failed" and new.result == 1023


def test_an_api3_refusal_without_a_legacy_result_is_named_by_its_code(
    resender, sms_sandbox_cloud, notification
):
    original = send_sms(PHONE, notification, ["SF1"])
    # A code with no legacy result number.
    sms_sandbox_cloud.fail_next("result", code="LimitExceeded.AppMainlandChinaDailyLimit")
    response = confirm_resend(resender, original, follow=True)
    (text,) = message_texts(response)
    assert "The application's daily limit for mainland China was reached" in text
    assert "LimitExceeded.AppMainlandChinaDailyLimit" in text and "None" not in text


def test_a_resend_tencent_failed_mid_way_says_it_may_have_arrived(
    resender, sms_sandbox_cloud, notification
):
    original = send_sms(PHONE, notification, ["SF1"])
    sms_sandbox_cloud.fail_next("result", code="InternalError.SendAndRecvFail")
    response = confirm_resend(resender, original, follow=True)
    (text,) = message_texts(response)
    assert "Tencent failed mid-way" in text and "may have reached the person" in text
    assert "refused" not in text and "InternalError.SendAndRecvFail" in text
    assert SmsLog.objects.get(resend_of=original).status == "unknown"


def test_a_resend_with_no_answer_says_it_may_have_arrived(resender, sms_sandbox, notification):
    original = send_sms(PHONE, notification, ["SF1"])
    sms_sandbox.fail_next("http_error", status=500)
    response = confirm_resend(resender, original, follow=True)
    (text,) = message_texts(response)
    assert "may have reached the person" in text
    assert SmsLog.objects.get(resend_of=original).status == "unknown"


def test_verification_codes_are_refused_not_resent(resender, verification, sms_outbox):
    log = make_log(verification, params=["482913", "5"])
    confirmation = resender.get(resend_url(log)).content.decode()
    assert "Verification code: will not be resent" in confirmation
    response = confirm_resend(resender, log, follow=True)
    (text,) = message_texts(response)
    assert "codes are never sent twice" in text and "482913" not in text
    assert sms_outbox == [] and SmsLog.objects.count() == 1


def test_a_template_deactivated_since_is_reported(resender, notification, sms_outbox):
    log = make_log(notification)
    SmsTemplate.objects.filter(pk=notification.pk).update(is_active=False)
    (text,) = message_texts(confirm_resend(resender, log, follow=True))
    assert "not active" in text and sms_outbox == []


def test_resend_selection_is_capped(resender, notification, monkeypatch):
    monkeypatch.setattr("django_tencent_sms.admin.log.MAX_RESEND", 2)
    logs = [make_log(notification) for _ in range(3)]
    response = resender.post(
        CHANGELIST,
        {"action": "resend_selected", "_selected_action": [x.pk for x in logs], "post": "yes"},
        follow=True,
    )
    assert "at most 2 messages" in " ".join(message_texts(response))
    assert SmsLog.objects.count() == 3


# Templates ---------------------------------------------------------------------------------


def test_template_form_validates_placeholders_and_length(admin_client):
    add = reverse("admin:tencent_sms_smstemplate_add")
    data = {"name": "gap", "tpl_id": 5, "text": "{1} and {3}", "sign": "", "type": "notification"}
    response = admin_client.post(add, data)
    assert response.status_code == 200 and "without gaps" in response.content.decode()
    response = admin_client.post(add, {**data, "text": "x" * 451})
    assert "at most 450 characters" in response.content.decode()
    assert (
        admin_client.post(add, {**data, "text": "{1} and {2}", "is_active": "on"}).status_code
        == 302
    )
    assert SmsTemplate.objects.get(name="gap").param_count == 2


def test_send_test_message_needs_its_permission(client, notification):
    client.force_login(
        staff("editor", "tencent_sms.view_smstemplate", "tencent_sms.change_smstemplate")
    )
    url = reverse("admin:tencent_sms_smstemplate_send_test", args=[notification.pk])
    assert client.get(url).status_code == 403
    change = reverse("admin:tencent_sms_smstemplate_change", args=[notification.pk])
    assert url not in client.get(change).content.decode()


def test_send_test_message_shows_the_result_and_the_log(admin_client, notification, sms_outbox):
    url = reverse("admin:tencent_sms_smstemplate_send_test", args=[notification.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="param_1"' in page and 'name="param_2"' not in page
    response = admin_client.post(url, {"phone": "138 1234 5678", "param_1": "SF42"})
    log = SmsLog.objects.get()
    assert log.phone == PHONE and log.params == ["SF42"] and log.template == notification
    html = response.content.decode()
    assert change_url(log) in html and log.sid in html
    assert sms_outbox[0].params == ("SF42",)


def test_send_test_message_bad_input_stays_on_the_form(admin_client, notification, sms_outbox):
    url = reverse("admin:tencent_sms_smstemplate_send_test", args=[notification.pk])
    response = admin_client.post(url, {"phone": "12345", "param_1": "SF42"})
    assert response.status_code == 200 and response.context["form"].errors["phone"]
    response = admin_client.post(url, {"phone": PHONE, "param_1": "x" * 13})
    assert response.context["form"].non_field_errors()
    assert SmsLog.objects.count() == 0 and sms_outbox == []


def test_send_test_message_reports_tencents_refusal(admin_client, sms_sandbox, notification):
    sms_sandbox.fail_next("result", result=1016, errmsg="bad number")
    url = reverse("admin:tencent_sms_smstemplate_send_test", args=[notification.pk])
    html = admin_client.post(url, {"phone": PHONE, "param_1": "SF42"}).content.decode()
    assert "The phone number is malformed (result 1016)" in html
    assert change_url(SmsLog.objects.get(status="failed")) in html


def test_send_test_message_names_an_api3_refusal_by_its_code(
    admin_client, sms_sandbox_cloud, notification
):
    sms_sandbox_cloud.fail_next("result", code="LimitExceeded.AppMainlandChinaDailyLimit")
    url = reverse("admin:tencent_sms_smstemplate_send_test", args=[notification.pk])
    html = admin_client.post(url, {"phone": PHONE, "param_1": "SF42"}).content.decode()
    code = "LimitExceeded.AppMainlandChinaDailyLimit"
    assert f"daily limit for mainland China was reached (result {code})" in html
    assert change_url(SmsLog.objects.get(status="failed")) in html


def test_template_list_shows_parameter_count(admin_client, verification):
    html = admin_client.get(reverse("admin:tencent_sms_smstemplate_changelist")).content.decode()
    assert "login-code" in html and '<td class="field-parameter_count">2</td>' in html


@pytest.mark.parametrize(
    "query",
    [
        {"params__0__startswith": "4"},
        {"params__icontains": "482913"},
        {"phone": PHONE},
        {"phone__startswith": "+86138"},
        {"errmsg__contains": "x"},
        {"sid__startswith": "8"},
    ],
)
def test_url_lookups_cannot_probe_hidden_values(viewer, verification, query):
    make_log(verification, params=["482913", "5"])
    response = viewer.get(CHANGELIST, query)
    # Django answers a disallowed lookup with 400 (DisallowedModelAdminLookup).
    assert response.status_code == 400


def test_filter_lookups_still_work(viewer, notification):
    make_log(notification, status="failed")
    for query in (
        {"status__exact": "failed"},
        {"template__id__exact": notification.pk},
        {
            "created_at__gte": "2026-11-01 00:00:00+08:00",
            "created_at__lt": "2026-12-01 00:00:00+08:00",
        },
    ):
        assert viewer.get(CHANGELIST, query).status_code == 200, query


def test_the_confirmation_sends_nothing_and_a_resubmission_sends_nothing(
    resender, notification, sms_outbox
):
    log = make_log(notification)
    page = resender.get(resend_url(log))
    assert sms_outbox == []
    data = {"resend_token": page.context["token"]}
    resender.post(resend_url(log), data)
    again = resender.post(resend_url(log), data, follow=True)  # a double click, a reload
    assert len(sms_outbox) == 1 and SmsLog.objects.filter(resend_of=log).count() == 1
    assert "already submitted" in message_texts(again)[-1]
    assert resender.post(resend_url(log), {"resend_token": "forged"}).status_code == 302
    assert len(sms_outbox) == 1


def test_resend_needs_view_permission_too(client, notification, sms_outbox):
    log = make_log(notification)
    client.force_login(staff("blind", "tencent_sms.resend_smslog"))
    assert client.get(resend_url(log)).status_code == 403
    assert client.post(resend_url(log)).status_code == 403
    assert sms_outbox == []


def test_a_failed_resend_leads_to_its_new_row(resender, sms_sandbox, notification):
    original = send_sms(PHONE, notification, ["SF1"])
    sms_sandbox.fail_next("result", result=1016, errmsg="bad number")
    response = confirm_resend(resender, original)
    new = SmsLog.objects.get(resend_of=original)
    assert new.status == "failed" and response["Location"] == change_url(new)


def test_a_refused_number_is_reported_without_the_whole_number(resender, notification):
    log = make_log(notification, phone="+862012345678")  # a landline: send_sms refuses it
    (text,) = message_texts(confirm_resend(resender, log, follow=True))
    assert "cannot receive SMS" in text and "12345678" not in text.replace("****5678", "")
    assert "+862012345678" not in text


def test_resend_confirmation_queries_do_not_grow(resender, notification):
    few = [make_log(None, tpl_id=4000 + n) for n in range(2)]
    many = [make_log(None, tpl_id=5000 + n) for n in range(15)]

    def queries(logs):
        with CaptureQueriesContext(connection) as captured:
            resender.post(
                CHANGELIST,
                {"action": "resend_selected", "_selected_action": [x.pk for x in logs]},
            )
        return len(captured)

    assert queries(few) == queries(many)


def test_no_bulk_delete_even_with_the_purge_permission(client, notification):
    make_log(notification)
    client.force_login(staff("dpo2", "tencent_sms.view_smslog", "tencent_sms.purge_smslog"))
    assert "delete_selected" not in client.get(CHANGELIST).content.decode()


def test_a_test_send_is_recorded_in_the_templates_history(admin_client, notification):
    from django.contrib.admin.models import LogEntry

    url = reverse("admin:tencent_sms_smstemplate_send_test", args=[notification.pk])
    admin_client.post(url, {"phone": PHONE, "param_1": "SF42"})
    entry = LogEntry.objects.get(object_id=str(notification.pk))
    assert "+86 138 **** 5678" in entry.get_change_message() and PHONE not in str(entry.__dict__)


def test_an_empty_period_keeps_a_way_back(viewer, notification):
    make_log(notification, created=datetime(2026, 9, 3, 9, 0, tzinfo=SHANGHAI))
    make_log(notification, created=datetime(2026, 11, 3, 9, 0, tzinfo=SHANGHAI))
    html = viewer.get(CHANGELIST, {"created_at__year": 2026, "created_at__month": 10}).content
    assert b"date-back" in html and b"created_at__year=2026" in html


def test_date_hierarchy_without_time_zones(viewer, notification, settings):
    settings.USE_TZ = False
    SmsLog.objects.create(
        phone=PHONE, tpl_id=1, status="sent", created_at=datetime(2026, 5, 1, 8, 0)
    )
    response = viewer.get(CHANGELIST)
    assert response.status_code == 200 and b"created_at__day=1" in response.content
