"""Verification codes in the admin, and the daily-budget banner, through Django's test client.

Time is controlled through ``otp.clock`` (which ``send_code``, the status column and the banner
all read); nothing sleeps. The fixtures ``setup``, ``conf`` and ``clock`` are in
``tests/otp/fixtures.py``.
"""

import html as html_lib
import re
from datetime import datetime, timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_tencent_sms.admin import VerificationCodeAdmin
from django_tencent_sms.admin.search import phone_condition
from django_tencent_sms.admin.verification_codes import CodeStatus, code_status
from django_tencent_sms.exceptions import CodeRequestRefused
from django_tencent_sms.models import SmsLog, VerificationCode
from django_tencent_sms.otp import send_code
from django_tencent_sms.otp.budget import otp_budget_status
from tests.helpers import PHONE, SHANGHAI, START, staff

pytestmark = pytest.mark.django_db

OTHER_PHONE = "+8613987654321"
CHANGELIST = reverse("admin:tencent_sms_verificationcode_changelist")
LOG_CHANGELIST = reverse("admin:tencent_sms_smslog_changelist")
DASHBOARD = reverse("admin:tencent_sms_smslog_dashboard")
BANNER = "Today's verification-code budget of"
CODES_TABLE = VerificationCode._meta.db_table


@pytest.fixture
def otp_defaults(otp_defaults):
    return {**otp_defaults, "RESEND_INTERVAL": 0}


@pytest.fixture
def viewer(client):
    client.force_login(
        staff("viewer", "tencent_sms.view_verificationcode", "tencent_sms.view_smslog")
    )
    return client


def make_code(
    phone=PHONE,
    purpose="login",
    *,
    created=START,
    ttl=300,
    state=VerificationCode.State.SENT,
    log=None,
    **fields,
):
    return VerificationCode.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=fields.pop("code_hash", "ab" * 32),
        state=state,
        created_at=created,
        expires_at=created + timedelta(seconds=ttl),
        log=log,
        **fields,
    )


def change_url(code):
    return reverse("admin:tencent_sms_verificationcode_change", args=[code.pk])


def results(client, **query):
    response = client.get(CHANGELIST, query)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


# The list ---------------------------------------------------------------------------------


def test_changelist_shows_masked_numbers_status_attempts_and_the_log(setup, viewer):
    sent = send_code(PHONE, "login")
    make_code(OTHER_PHONE, "signup", attempts=2, created=START - timedelta(minutes=1))

    response = viewer.get(CHANGELIST)

    html = response.content.decode()
    assert response.status_code == 200
    assert "+86 138 **** 5678" in html and "+86 139 **** 4321" in html
    assert "13812345678" not in html and "13987654321" not in html
    assert "0 of 5" in html and "2 of 5" in html
    assert "tencent-sms-code-valid" in html and "signup" in html
    log_url = reverse("admin:tencent_sms_smslog_change", args=[sent.log_id])
    assert f'<a href="{log_url}">#{sent.log_id}</a>' in html
    # No actions: nothing to select, nothing to delete in bulk.
    assert "action-checkbox" not in html and "delete_selected" not in html


def test_status_column_follows_the_clock(setup, viewer):
    code = send_code(PHONE)
    assert "tencent-sms-code-valid" in viewer.get(CHANGELIST).content.decode()
    setup.advance(seconds=300)  # the TTL: expired at exactly expires_at, as check_code says
    html = viewer.get(CHANGELIST).content.decode()
    assert "tencent-sms-code-expired" in html and "tencent-sms-code-valid" not in html
    assert code_status(code, setup.now, 5) == CodeStatus.EXPIRED


def test_the_code_hash_appears_on_no_admin_page(setup, viewer, admin_client):
    first = send_code(PHONE, "login")
    second = send_code(PHONE, "login")  # supersedes the first
    third = send_code(OTHER_PHONE, "reset")
    hashes = list(VerificationCode.objects.values_list("code_hash", flat=True))
    assert len(hashes) == 3 and all(len(h) == 64 for h in hashes)

    pages = [
        CHANGELIST,
        f"{CHANGELIST}?q=13812345678",
        f"{CHANGELIST}?status=superseded",
        *(change_url(code) for code in (first, second, third)),
        reverse("admin:tencent_sms_verificationcode_history", args=[first.pk]),
        LOG_CHANGELIST,
        reverse("admin:tencent_sms_smslog_change", args=[first.log_id]),
    ]
    for client in (viewer, admin_client):
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            html = response.content.decode()
            for code_hash in hashes:
                assert code_hash not in html, page
                assert code_hash[:16] not in html, page
    # Searching by a hash finds nothing.
    assert results(admin_client, q=hashes[0]) == []


def test_the_hash_is_no_field_column_or_search_field(rf, admin_user):
    model_admin = admin.site.get_model_admin(VerificationCode)
    assert isinstance(model_admin, VerificationCodeAdmin)
    request = rf.get("/")
    request.user = admin_user
    code = make_code()
    mentioned = [
        *model_admin.get_list_display(request),
        *model_admin.get_search_fields(request),
        *model_admin.get_readonly_fields(request, code),
        *model_admin.get_fields(request, code),
        *(f for _n, options in model_admin.get_fieldsets(request, code) for f in options["fields"]),
        *(f if isinstance(f, str) else f.parameter_name for f in model_admin.list_filter),
    ]
    assert mentioned and not any("hash" in name for name in mentioned)
    assert "code_hash" not in model_admin.get_form(request, code)().fields


def test_codes_cannot_be_added_changed_or_deleted_even_by_a_superuser(setup, viewer, admin_client):
    code = send_code(PHONE)
    for client in (viewer, admin_client):
        assert client.get(reverse("admin:tencent_sms_verificationcode_add")).status_code == 403
        response = client.post(change_url(code), {"purpose": "other", "attempts": 0})
        assert response.status_code == 403
        delete = reverse("admin:tencent_sms_verificationcode_delete", args=[code.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    code.refresh_from_db()
    assert code.purpose == "login" and code.attempts == 0


def test_detail_page_is_read_only_and_masks_the_phone(setup, viewer):
    code = send_code(PHONE, "login", request=None)
    VerificationCode.objects.filter(pk=code.pk).update(ip="203.0.113.9", attempts=1)

    response = viewer.get(change_url(code))

    html = response.content.decode()
    assert response.status_code == 200
    assert "+86 138 **** 5678" in html and "13812345678" not in html
    assert "203.0.113.9" in html and "1 of 5" in html
    assert "Only a keyed hash of the code is stored, and it is never shown." in html
    assert reverse("admin:tencent_sms_smslog_change", args=[code.log_id]) in html
    form = html.split('id="verificationcode_form"')[1].split("</form>")[0]
    assert 'name="_save"' not in form and "<textarea" not in form and "<select" not in form
    assert not re.findall(r'<input(?![^>]*type="hidden")', form)
    assert not response.context["adminform"].form.fields


def test_a_code_without_a_log_row(viewer):
    code = make_code(state=VerificationCode.State.PENDING)
    assert viewer.get(change_url(code)).status_code == 200
    assert viewer.get(CHANGELIST).status_code == 200


def test_view_permission_is_needed(client, setup):
    code = send_code(PHONE)
    client.force_login(staff("logs-only", "tencent_sms.view_smslog"))
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(code)).status_code == 403


# Search and filters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    [
        "+8613812345678",
        "13812345678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "008613812345678",
        "(138) 1234-5678",
    ],
)
def test_search_by_phone_in_any_format(client, term):
    wanted = make_code(PHONE)
    make_code(OTHER_PHONE)
    client.force_login(
        staff("auditor", "tencent_sms.view_verificationcode", "tencent_sms.view_full_phone")
    )
    assert results(client, q=term) == [wanted]


def test_search_by_part_of_a_number_or_an_ip(client):
    first = make_code(PHONE, ip="203.0.113.9")
    second = make_code(OTHER_PHONE, ip="2001:db8::1", created=START - timedelta(minutes=1))
    client.force_login(staff("plain", "tencent_sms.view_verificationcode"))
    assert results(client, q="5678") == []  # fragments need the full-number permission
    viewer = client
    viewer.force_login(
        staff("auditor", "tencent_sms.view_verificationcode", "tencent_sms.view_full_phone")
    )
    assert results(viewer, q="5678") == [first]
    assert results(viewer, q="4321") == [second]
    assert results(viewer, q="203.0.113.9") == [first]
    assert results(viewer, q="2001:db8::1") == [second]
    assert results(viewer, q="198.51.100.1") == []
    assert results(viewer, q="login") == []  # not a number: no match rather than every row
    assert results(viewer, q="12") == []  # too short a fragment to search


def test_the_log_search_uses_the_same_phone_reading():
    assert str(phone_condition("138 1234 5678")) == str(phone_condition("+8613812345678"))
    assert phone_condition("5678") is not None and phone_condition("abc") is None
    assert phone_condition("12") is None


def test_status_filter_agrees_with_the_status_column(setup, viewer):
    now = setup.now
    old = now - timedelta(minutes=10)  # long expired: the reason it is dead comes first
    rows = {
        CodeStatus.VALID: make_code(created=now - timedelta(minutes=1)),
        CodeStatus.USED: make_code(created=old, used_at=old, attempts=5, superseded_at=now),
        CodeStatus.EXPIRED: make_code(created=old, attempts=4),
        CodeStatus.SUPERSEDED: make_code(created=old, superseded_at=old, attempts=5),
        CodeStatus.LOCKED: make_code(created=old, attempts=5),
        CodeStatus.FAILED: make_code(created=old, state=VerificationCode.State.FAILED),
        CodeStatus.PENDING: make_code(state=VerificationCode.State.PENDING),
    }
    # An unknown outcome may have arrived: such a code is valid.
    unknown = make_code(state=VerificationCode.State.UNKNOWN, created=now - timedelta(seconds=5))
    for status, row in rows.items():
        assert code_status(row, now, 5) == status
        expected = {row.pk, unknown.pk} if status == CodeStatus.VALID else {row.pk}
        assert {code.pk for code in results(viewer, status=status)} == expected, status
        html = viewer.get(change_url(row)).content.decode()
        assert f"tencent-sms-code-{status}" in html
    assert len(results(viewer, status="nonsense")) == len(rows) + 1


def test_max_attempts_comes_from_the_setting(setup, conf, viewer):
    conf(MAX_ATTEMPTS=3)
    locked = make_code(attempts=3)
    assert "3 of 3" in viewer.get(CHANGELIST).content.decode()
    assert results(viewer, status=CodeStatus.LOCKED) == [locked]


def test_purpose_state_and_date_filters(setup, viewer):
    login = make_code(purpose="login", created=START - timedelta(days=2))
    reset = make_code(purpose="reset", state=VerificationCode.State.FAILED)
    response = viewer.get(CHANGELIST)
    html = response.content.decode()
    assert "?purpose=login" in html and "?purpose=reset" in html
    assert results(viewer, purpose="reset") == [reset]
    assert results(viewer, status=CodeStatus.FAILED) == [reset]
    # One status, one filter: the sending state is part of the code's status.
    assert "state__exact" not in html
    assert viewer.get(CHANGELIST, {"state__exact": "failed"}).status_code == 400
    since = (START - timedelta(days=3)).isoformat()
    until = (START - timedelta(days=1)).isoformat()
    assert results(viewer, created_at__gte=since, created_at__lt=until) == [login]
    # A purpose no longer among the newest codes can still be chosen.
    assert "?purpose=gone" in viewer.get(CHANGELIST, {"purpose": "gone"}).content.decode()


def test_changelist_queries_do_not_grow_with_rows(setup, conf, viewer):
    conf(DAILY_LIMIT=1000)  # the banner's query included
    counts = {}
    for rows in (1, 50):
        VerificationCode.objects.all().delete()
        for n in range(rows):
            log = SmsLog.objects.create(phone=PHONE, tpl_id=1001, status="sent")
            make_code(f"+86139000{n:05d}", created=START - timedelta(minutes=n), log=log)
        with CaptureQueriesContext(connection) as queries:
            response = viewer.get(CHANGELIST)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == rows
        counts[rows] = len(queries)
        for query in queries.captured_queries:
            sql = query["sql"].upper()
            if "COUNT(" in sql and CODES_TABLE.upper() in sql:
                assert "LIMIT" in sql, sql  # counts are capped
            assert "DISTINCT" not in sql, sql
    assert counts[1] == counts[50], counts


def test_counts_are_capped(viewer, monkeypatch):
    monkeypatch.setattr(VerificationCodeAdmin, "count_limit", 3)
    monkeypatch.setattr(VerificationCodeAdmin, "list_per_page", 2)
    for n in range(5):
        make_code(created=START - timedelta(minutes=n))
    response = viewer.get(CHANGELIST, {"purpose": "login"})
    assert "more than 3 verification codes" in response.content.decode()
    assert len(response.context["cl"].result_list) == 2


# The daily-budget banner --------------------------------------------------------------------


def text(response):
    """The page with HTML entities decoded, so a translated apostrophe matches either way."""
    return html_lib.unescape(response.content.decode())


def banner_pages(client):
    return {page: text(client.get(page)) for page in (CHANGELIST, LOG_CHANGELIST, DASHBOARD)}


def test_banner_appears_exactly_when_the_budget_is_used_up(setup, conf, viewer, sms_outbox):
    conf(DAILY_LIMIT=3)
    for n in range(2):
        send_code(f"+861390000000{n}")
        for page, html in banner_pages(viewer).items():
            assert BANNER not in html, (n, page)
    assert not otp_budget_status().exhausted

    send_code("+8613900000002")

    assert otp_budget_status().exhausted
    for page, html in banner_pages(viewer).items():
        assert "Today's verification-code budget of 3 is used up" in html, page
        assert "no codes are sent until midnight (Asia/Shanghai)" in html, page
        assert "TENCENT_SMS['OTP']['DAILY_LIMIT']" in html, page
    # …and it says what send_code does now.
    with pytest.raises(CodeRequestRefused) as refused:
        send_code("+8613900000003")
    assert refused.value.code == "daily_limit" and len(sms_outbox) == 3

    setup.advance(hours=14)  # midnight in Shanghai: a new budget
    assert not otp_budget_status().exhausted
    for page, html in banner_pages(viewer).items():
        assert BANNER not in html, page
    send_code("+8613900000003")


def test_the_day_is_the_local_calendar_day(setup, conf, viewer):
    conf(DAILY_LIMIT=2)
    midnight = datetime(2026, 11, 25, 0, 0, tzinfo=SHANGHAI)
    make_code(created=midnight - timedelta(seconds=1))  # yesterday in Shanghai (today in UTC)
    make_code(created=midnight)
    status = otp_budget_status()
    assert (status.used, status.limit, status.exhausted) == (1, 2, False)
    assert status.day_start == midnight and status.resets_at == midnight + timedelta(days=1)
    assert BANNER not in text(viewer.get(CHANGELIST))
    make_code(created=START)
    assert BANNER in text(viewer.get(CHANGELIST))


def test_failed_codes_count_against_the_budget_as_send_code_counts_them(setup, conf):
    conf(DAILY_LIMIT=1)
    make_code(state=VerificationCode.State.FAILED)
    assert otp_budget_status().exhausted
    with pytest.raises(CodeRequestRefused, match="today"):
        send_code(PHONE)


def test_no_banner_and_no_query_without_a_budget(setup, viewer):
    for n in range(3):
        make_code(f"+861390000000{n}")
    assert otp_budget_status() is None
    for page in (CHANGELIST, LOG_CHANGELIST, DASHBOARD):
        with CaptureQueriesContext(connection) as queries:
            html = text(viewer.get(page))
        assert BANNER not in html
        if page != CHANGELIST:  # the log pages never read the codes table without a budget
            assert not any(CODES_TABLE in q["sql"] for q in queries.captured_queries), page


def test_the_budget_costs_one_query_on_the_log_pages(setup, conf, viewer):
    def codes_queries(page):
        with CaptureQueriesContext(connection) as queries:
            viewer.get(page)
        return [q["sql"] for q in queries.captured_queries if CODES_TABLE in q["sql"]]

    conf(DAILY_LIMIT=5)
    for page in (LOG_CHANGELIST, DASHBOARD):
        (sql,) = codes_queries(page)
        assert "LIMIT" in sql.upper(), sql  # at most DAILY_LIMIT rows are read


def test_the_banner_links_to_todays_codes(setup, conf, viewer, client):
    conf(DAILY_LIMIT=1)
    make_code(created=START - timedelta(days=1))
    today = make_code(created=START)
    html = text(viewer.get(LOG_CHANGELIST))
    link = html.split(">Today's verification codes</a>")[0].rsplit('href="', 1)[1].split('"')[0]
    assert link.startswith(CHANGELIST + "?created_at__gte=")
    assert list(viewer.get(link).context["cl"].result_list) == [today]
    # Someone who cannot see codes gets the warning without the link.
    client.force_login(staff("logs-only", "tencent_sms.view_smslog"))
    html = text(client.get(LOG_CHANGELIST))
    assert BANNER in html and "Today's verification codes" not in html


def test_a_bad_budget_setting_does_not_break_the_pages(setup, conf, viewer):
    conf(DAILY_LIMIT="lots")
    assert otp_budget_status() is None
    assert viewer.get(LOG_CHANGELIST).status_code == 200


def test_the_day_is_the_sites_whatever_time_zone_a_page_is_shown_in(setup, conf):
    from django.utils import timezone

    conf(DAILY_LIMIT=1)
    # Today in Shanghai, but 17:00 on the 24th, yesterday, in UTC.
    make_code(created=datetime(2026, 11, 25, 1, 0, tzinfo=SHANGHAI))
    with timezone.override("UTC"):
        status = otp_budget_status()
    assert status.exhausted and status.time_zone == "Asia/Shanghai"
