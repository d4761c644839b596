"""Masked means masked, in the sort order too: staff who see masked numbers cannot sort a list
by its phone column, not even with a crafted ``?o=``.

Sorting by number is a search in another form: which rows come before and after
``+86 138 **** 5678`` tells the hidden digits by bisection. Staff with ``view_full_phone`` sort as
before. Through the real admin, on every list that shows a number: the send log, the replies
and the verification codes.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from django_tencent_sms.models import SmsLog, SmsReply, VerificationCode
from tests.helpers import staff

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
FULL = "tencent_sms.view_full_phone"

#: Per list: its URL name, the permission to view it, its time column.
ADMINS = {
    "log": ("tencent_sms_smslog", "tencent_sms.view_smslog", "created_time"),
    "reply": ("tencent_sms_smsreply", "tencent_sms.view_smsreply", "replied_at"),
    "code": ("tencent_sms_verificationcode", "tencent_sms.view_verificationcode", "created_time"),
}

#: Oldest first; the numbers in another order, so that each order shows.
PHONES = ["+8613800000003", "+8613800000001", "+8613800000002"]


def make(kind, phone, when):
    if kind == "log":
        return SmsLog.objects.create(
            phone=phone, tpl_id=2001, params=["A-1"], status="sent", created_at=when
        )
    if kind == "reply":
        return SmsReply.objects.create(phone=phone, text="好的", replied_at=when)
    return VerificationCode.objects.create(
        phone=phone, purpose="login", code_hash="x" * 64, created_at=when, expires_at=when
    )


@pytest.fixture(params=sorted(ADMINS))
def kind(request):
    return request.param


@pytest.fixture
def rows(kind):
    return [make(kind, phone, WHEN + timedelta(minutes=i)) for i, phone in enumerate(PHONES)]


def changelist(client, kind, **params):
    response = client.get(reverse(f"admin:{ADMINS[kind][0]}_changelist"), params)
    assert response.status_code == 200, params
    return response


def phones(response):
    return [str(row.phone)[-1] for row in response.context["cl"].result_list]


def columns(client, kind):
    """The indexes ``?o=`` uses for the phone column and the time column, for this viewer
    (the checkbox column of the actions, when there are some, counts)."""
    shown = changelist(client, kind).context["cl"].list_display
    phone = "full_phone" if "full_phone" in shown else "masked_phone"
    return shown.index(phone), shown.index(ADMINS[kind][2])


def viewer(client, kind, *perms):
    client.force_login(staff(f"staff-{kind}-{len(perms)}", ADMINS[kind][1], *perms))
    return client


def phone_header(response):
    html = response.content.decode()
    column = "column-full_phone" if "column-full_phone" in html else "column-masked_phone"
    start = html.index(column) - 60
    return html[start : html.index(">", start + 60)]


NEWEST_FIRST = ["2", "1", "3"]
OLDEST_FIRST = ["3", "1", "2"]
BY_PHONE = ["1", "2", "3"]


def test_masked_staff_get_no_sortable_phone_column(client, kind, rows):
    response = changelist(viewer(client, kind), kind)
    phone, _time = columns(client, kind)
    assert "masked_phone" not in response.context["cl"].sortable_by
    assert "sortable" not in phone_header(response)
    assert f"o={phone}" not in response.content.decode()
    assert phones(response) == NEWEST_FIRST


def test_a_crafted_order_by_phone_is_ignored_for_masked_staff(client, kind, rows):
    viewer(client, kind)
    phone, time = columns(client, kind)
    for crafted in (f"{phone}", f"-{phone}", f"{phone}.{phone}", f"-{phone}.-{phone}"):
        response = changelist(client, kind, o=crafted)
        assert phones(response) == NEWEST_FIRST, crafted
        assert "sortable" not in phone_header(response)  # nor shown as sorted by it
    # Beside a column that may be sorted: that one applies, the phone one does not.
    for crafted in (f"{phone}.{time}", f"{time}.{phone}", f"-{phone}.{time}"):
        assert phones(changelist(client, kind, o=crafted)) == OLDEST_FIRST, crafted


@pytest.mark.parametrize(
    "crafted",
    [
        "2",
        "-2",
        "2.1",
        "1.2",
        "-2.-1",
        "2.1.2",
        "02",
        "2 ",
        "2x",
        "x2",
        "garbage",
        "-",
        ".",
        "..",
        "-0",
        "99",
        "-99",
        str(10**30),
        "nan",
        "1e3",
        "２",
        "%00",
        "2,1",
        "1-2",
        "",
    ],
)
def test_any_crafted_order_is_a_page_never_an_error_nor_a_phone_sort(client, kind, rows, crafted):
    viewer(client, kind)
    order = phones(changelist(client, kind, o=crafted))
    assert order in (NEWEST_FIRST, OLDEST_FIRST, NEWEST_FIRST[::-1], OLDEST_FIRST[::-1])
    assert order not in (BY_PHONE, BY_PHONE[::-1])


def test_the_column_index_shifts_with_the_actions_and_is_refused_either_way(client):
    for i, number in enumerate(PHONES):
        make("log", number, WHEN + timedelta(minutes=i))
    # With the resend action the checkbox column comes first: the phone column is o=2.
    client.force_login(staff("resender", "tencent_sms.view_smslog", "tencent_sms.resend_smslog"))
    phone, _time = columns(client, "log")
    assert phone == 2
    assert phones(changelist(client, "log", o="2")) == NEWEST_FIRST
    assert phones(changelist(client, "log", o="-2")) == NEWEST_FIRST
    assert phones(changelist(client, "log", o="2.1")) == OLDEST_FIRST  # 1: the time column


def test_staff_who_see_whole_numbers_sort_by_them(client, kind, rows):
    response = changelist(viewer(client, kind, FULL), kind)
    phone, time = columns(client, kind)
    assert "sortable" in phone_header(response)
    assert phones(changelist(client, kind, o=f"{phone}")) == BY_PHONE
    assert phones(changelist(client, kind, o=f"-{phone}")) == BY_PHONE[::-1]
    assert phones(changelist(client, kind, o=f"{time}.{phone}")) == OLDEST_FIRST
    sorted_page = changelist(client, kind, o=f"{phone}")
    assert "sorted ascending" in phone_header(sorted_page)


def test_what_counts_as_a_phone_column():
    from django.contrib.admin import AdminSite
    from django.db.models import F
    from django.db.models.functions import Lower

    from django_tencent_sms.admin.log import SmsLogAdmin

    def column(order):
        def show(obj):
            return ""

        if order is not None:
            show.admin_order_field = order
        return show

    model_admin = SmsLogAdmin(SmsLog, AdminSite())
    for phone_column in (
        "phone",
        "phone__contains",
        "masked_phone",
        column("phone"),
        column("-phone"),
        column("phone__national_number"),
        column(F("phone")),
        column(F("phone").desc()),
        column(Lower("phone").asc()),
    ):
        assert model_admin.orders_by_phone(phone_column), phone_column
    for other in ("created_at", "sid", "template_label", "nothing", column(None), column("fee")):
        assert not model_admin.orders_by_phone(other), other
