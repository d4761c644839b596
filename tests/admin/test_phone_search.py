"""Masked means masked: staff who may not see whole numbers cannot find a row by its number.

An exact-number search is an oracle (10,000 guesses unmask a 4-digit mask), and so is a search
by digits; on the send log, the replies, the codes and the opt-out list alike. Staff with
``view_full_phone`` search as before."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from django_tencent_sms.models import SmsLog, SmsOptOut, SmsReply, VerificationCode
from tests.helpers import staff

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WHEN = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
PHONE = "+8613812345678"
OTHER = "+8613987654321"
FULL = "tencent_sms.view_full_phone"

#: The same number four ways, its digits, a fragment, and full-width digits.
NUMBER_TERMS = [
    "+8613812345678",
    "13812345678",
    "+86 138-1234-5678",
    "(0086) 138 1234 5678",
    "138.1234.5678",
    "5678",
    "812345",
    "１３８１２３４５６７８",
]

ADMINS = {
    "log": ("tencent_sms_smslog", "tencent_sms.view_smslog"),
    "reply": ("tencent_sms_smsreply", "tencent_sms.view_smsreply"),
    "code": ("tencent_sms_verificationcode", "tencent_sms.view_verificationcode"),
    "optout": ("tencent_sms_smsoptout", "tencent_sms.view_smsoptout"),
}


def make(kind, phone, **fields):
    if kind == "log":
        return SmsLog.objects.create(
            phone=phone, tpl_id=2001, params=["A-1"], status="sent", created_at=WHEN, **fields
        )
    if kind == "optout":
        return SmsOptOut.objects.create(phone=phone, source="api", created_at=WHEN, **fields)
    if kind == "reply":
        return SmsReply.objects.create(
            phone=phone, text=fields.pop("text", "好的"), replied_at=WHEN, **fields
        )
    return VerificationCode.objects.create(
        phone=phone,
        purpose="login",
        code_hash="x" * 64,
        created_at=WHEN,
        expires_at=WHEN,
        **fields,
    )


def search(client, kind, term):
    response = client.get(reverse(f"admin:{ADMINS[kind][0]}_changelist"), {"q": term})
    assert response.status_code == 200
    return response


def found(response):
    return list(response.context["cl"].result_list)


def login(client, kind, *perms):
    client.force_login(staff(f"staff-{kind}-{len(perms)}", ADMINS[kind][1], *perms))
    return client


@pytest.mark.parametrize("kind", sorted(ADMINS))
@pytest.mark.parametrize("term", NUMBER_TERMS)
def test_without_the_permission_no_number_finds_a_row(client, kind, term):
    make(kind, PHONE)
    make(kind, OTHER)
    response = search(login(client, kind), kind, term)
    assert found(response) == []
    # Said, not silent: the search was refused, not empty.
    assert any("needs the permission" in str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("kind", sorted(ADMINS))
@pytest.mark.parametrize("term", NUMBER_TERMS[:5] + NUMBER_TERMS[7:])
def test_with_the_permission_the_whole_number_finds_its_rows(client, kind, term):
    wanted = make(kind, PHONE)
    make(kind, OTHER)
    response = search(login(client, kind, FULL), kind, term)
    assert found(response) == [wanted]
    assert not list(get_messages(response.wsgi_request))


@pytest.mark.parametrize("kind", sorted(ADMINS))
def test_with_the_permission_a_fragment_finds_its_rows(client, kind):
    wanted = make(kind, PHONE)
    make(kind, OTHER)
    assert found(search(login(client, kind, FULL), kind, "5678")) == [wanted]


def test_without_the_permission_the_log_is_searched_by_sid(client):
    wanted = make("log", PHONE, sid="2019:8734524587")
    make("log", OTHER, sid="2019:1111")
    login(client, "log")
    assert found(search(client, "log", "2019:8734524587")) == [wanted]


def test_without_the_permission_codes_are_searched_by_ip(client):
    first = make("code", PHONE, ip="203.0.113.9")
    second = make("code", OTHER, ip="2001:db8::1")
    login(client, "code")
    assert found(search(client, "code", "203.0.113.9")) == [first]
    assert found(search(client, "code", "2001:DB8:0::1")) == [second]


def test_without_the_permission_replies_are_searched_by_their_words(client):
    wanted = make("reply", PHONE, text="退订 TD")
    make("reply", OTHER, text="好的")
    login(client, "reply")
    assert found(search(client, "reply", "td")) == [wanted]
    # A number in the text is not found either: it would answer for the phone column.
    make("reply", OTHER, text="call me on 13812345678")
    assert found(search(client, "reply", "13812345678")) == []


@pytest.mark.parametrize("kind", sorted(ADMINS))
def test_the_search_help_says_what_each_viewer_can_search(client, kind):
    html = search(login(client, kind), kind, "").content.decode()
    assert "Searching by phone number needs the permission" in html
    assert "Part of a number (like 5678)" not in html
    client.force_login(staff(f"full-{kind}", ADMINS[kind][1], FULL))
    html = search(client, kind, "").content.decode()
    assert "Part of a number (like 5678)" in html
