"""The opt-out list in the admin: who sees, adds and removes what, on record; crafted POSTs; and
the refusal to resend a marketing message to a number on the list."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_tencent_sms import send_sms
from django_tencent_sms.account.optouts import is_opted_out, opt_out
from django_tencent_sms.models import SmsLog, SmsOptOut, SmsReply, SmsTemplate
from django_tencent_sms.signals import number_opted_out
from tests.helpers import staff

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"
MASKED = "+86 138 **** 5678"
WHEN = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CHANGELIST = reverse("admin:tencent_sms_smsoptout_changelist")
ADD = reverse("admin:tencent_sms_smsoptout_add")
VIEW = "tencent_sms.view_smsoptout"
FULL = "tencent_sms.view_full_phone"


def change_url(entry):
    return reverse("admin:tencent_sms_smsoptout_change", args=[entry.pk])


def delete_url(entry):
    return reverse("admin:tencent_sms_smsoptout_delete", args=[entry.pk])


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def clerk(client):
    """Staff who keep the list, without seeing whole numbers."""
    user = staff("clerk", VIEW, "tencent_sms.add_smsoptout", "tencent_sms.delete_smsoptout")
    client.force_login(user)
    client.user = user
    return client


def test_the_list_masks_numbers_and_shows_the_reply(client):
    reply = SmsReply.objects.create(phone=PHONE, text="退订", replied_at=WHEN)
    entry = SmsOptOut.objects.create(phone=PHONE, source="reply", reply=reply)
    client.force_login(staff("viewer", VIEW, "tencent_sms.view_smsreply"))
    listing = client.get(CHANGELIST).content.decode()
    assert MASKED in listing and "13812345678" not in listing and "退订" in listing
    detail = client.get(change_url(entry)).content.decode()
    assert MASKED in detail and "13812345678" not in detail
    assert reverse("admin:tencent_sms_smsreply_change", args=[reply.pk]) in detail
    client.force_login(staff("full", VIEW, FULL))
    assert "+86 138 1234 5678" in client.get(change_url(entry)).content.decode()


def test_the_list_needs_the_view_permission(client):
    client.force_login(staff("nobody", "tencent_sms.view_smslog"))
    assert client.get(CHANGELIST).status_code == 403


def test_url_lookups_beyond_the_filters_are_refused(client):
    SmsOptOut.objects.create(phone=PHONE, source="api")
    client.force_login(staff("viewer", VIEW))
    for lookup in ("phone__startswith", "phone__contains", "note__startswith"):
        assert client.get(CHANGELIST, {lookup: "+86138"}).status_code == 400, lookup
    assert client.get(CHANGELIST, {"source__exact": "api"}).status_code == 200


def test_staff_add_a_number_written_any_way(clerk):
    got = []
    number_opted_out.connect(receiver := lambda sender, entry, reply, **kw: got.append(entry))
    try:
        response = clerk.post(ADD, {"number": "138 1234 5678", "note": "asked by phone"})
    finally:
        number_opted_out.disconnect(receiver)
    assert response.status_code == 302
    entry = SmsOptOut.objects.get()
    assert (entry.phone.as_e164, entry.source, entry.added_by, entry.note) == (
        PHONE,
        "staff",
        clerk.user,
        "asked by phone",
    )
    assert [e.pk for e in got] == [entry.pk] and is_opted_out(PHONE)
    log = LogEntry.objects.get()
    assert log.action_flag == ADDITION and log.object_repr == f"Opt-out of {MASKED}"


def test_adding_a_number_listed_already_answers_the_same(clerk):
    first = clerk.post(ADD, {"number": PHONE}, follow=True)
    again = clerk.post(ADD, {"number": "+86 138-1234-5678", "note": "twice"}, follow=True)
    assert first.status_code == again.status_code == 200
    assert texts(first) == texts(again)  # whether it was listed is not revealed
    entry = SmsOptOut.objects.get()
    assert entry.note == "" and LogEntry.objects.filter(action_flag=ADDITION).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"number": "not a number"},
        {"number": ""},
        {"number": "123"},
        {"number": "+86 138 1234 5678\x00"},
        {"number": "1" * 10_000},
        {"number": PHONE, "note": "x" * 201},
        {},
    ],
)
def test_a_bad_add_is_a_form_error(clerk, data):
    response = clerk.post(ADD, data)
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not SmsOptOut.objects.exists()


def test_fields_the_form_does_not_offer_are_ignored(clerk):
    other = staff("other")
    reply = SmsReply.objects.create(phone=PHONE, text="hi", replied_at=WHEN)
    data = {"number": PHONE, "source": "reply", "added_by": other.pk, "reply": reply.pk}
    assert clerk.post(ADD, {**data, "phone": "+8613900000000"}).status_code == 302
    entry = SmsOptOut.objects.get()
    assert (entry.phone.as_e164, entry.source, entry.added_by, entry.reply) == (
        PHONE,
        "staff",
        clerk.user,
        None,
    )


def test_adding_needs_its_permission(client):
    client.force_login(staff("viewer", VIEW))
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {"number": PHONE}).status_code == 403
    assert not SmsOptOut.objects.exists()


def test_entries_are_never_edited(clerk):
    entry = SmsOptOut.objects.create(phone=PHONE, source="api", note="kept")
    assert clerk.get(change_url(entry)).status_code == 200  # read-only
    response = clerk.post(change_url(entry), {"number": "+8613900000000", "note": "changed"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert (entry.phone.as_e164, entry.note) == (PHONE, "kept")


def test_staff_remove_an_entry_on_record(clerk):
    entry = SmsOptOut.objects.create(phone=PHONE, source="reply")
    assert clerk.post(delete_url(entry), {"post": "yes"}).status_code == 302
    assert not is_opted_out(PHONE)
    log = LogEntry.objects.get()
    assert log.action_flag == DELETION and log.object_repr == f"Opt-out of {MASKED}"
    assert log.user == clerk.user


def test_removing_several_at_once_is_on_record(clerk):
    entries = [SmsOptOut.objects.create(phone=p, source="api") for p in (PHONE, "+8613987654321")]
    data = {"action": "delete_selected", "_selected_action": [e.pk for e in entries], "post": "yes"}
    assert clerk.post(CHANGELIST, data).status_code == 302
    assert not SmsOptOut.objects.exists()
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 2


def test_removing_needs_its_permission(client):
    entry = SmsOptOut.objects.create(phone=PHONE, source="api")
    client.force_login(staff("viewer", VIEW, "tencent_sms.add_smsoptout"))
    assert client.post(delete_url(entry), {"post": "yes"}).status_code == 403
    assert is_opted_out(PHONE)


def test_removing_an_entry_removed_meanwhile_is_no_error(clerk):
    entry = SmsOptOut.objects.create(phone=PHONE, source="api")
    SmsOptOut.objects.all().delete()
    response = clerk.post(delete_url(entry), {"post": "yes"})
    assert response.status_code == 302  # Django's "does not exist" message, not a 500


# Resending a marketing message --------------------------------------------------------------


def test_a_marketing_message_is_not_resent_to_an_opted_out_number(client, sms_sandbox):
    promo = SmsTemplate.objects.create(name="promo", tpl_id=9, text="大促{1}折", type="marketing")
    original = send_sms(PHONE, promo, ["5"])
    opt_out(PHONE)
    client.force_login(staff("resender", "tencent_sms.view_smslog", "tencent_sms.resend_smslog"))
    url = reverse("admin:tencent_sms_smslog_resend", args=[original.pk])
    page = client.get(url)
    # Said on the confirmation page, with nothing to submit...
    assert "opted out of marketing messages: will not be resent" in page.content.decode()
    assert page.context["sendable"] == 0
    # ...and refused when submitted anyway (a crafted POST, or an opt-out since).
    response = client.post(url, {"resend_token": page.context["token"]}, follow=True)
    (text,) = texts(response)
    assert "was skipped" in text and "opted out" in text and "5678" in text
    assert "13812345678" not in text
    assert len(sms_sandbox.messages) == 1
    attempt = SmsLog.objects.get(resend_of=original)
    assert attempt.status == "opted_out" and attempt.sid == ""


def test_a_test_message_of_a_marketing_template_says_the_number_opted_out(client, sms_sandbox):
    promo = SmsTemplate.objects.create(name="promo", tpl_id=9, text="大促{1}折", type="marketing")
    opt_out(PHONE)
    client.force_login(staff("tester", "tencent_sms.view_smstemplate", "tencent_sms.send_test_sms"))
    url = reverse("admin:tencent_sms_smstemplate_send_test", args=[promo.pk])
    response = client.post(url, {"phone": "138 1234 5678", "param_1": "5"})
    assert response.status_code == 200
    assert "opted out of marketing messages" in response.content.decode()
    assert sms_sandbox.requests == [] and SmsLog.objects.get().status == "opted_out"


def test_the_changelist_costs_the_same_queries_at_any_size(client):
    adder = staff("adder")

    def add(count, start):
        for i in range(start, start + count):
            reply = SmsReply.objects.create(phone=f"+86137{i:08d}", text="TD", replied_at=WHEN)
            SmsOptOut.objects.create(phone=reply.phone, source="reply", reply=reply)
            SmsOptOut.objects.create(phone=f"+86139{i:08d}", source="staff", added_by=adder)

    client.force_login(staff("viewer", VIEW))
    add(1, 0)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST).status_code == 200
    add(30, 1)
    with CaptureQueriesContext(connection) as many:
        assert client.get(CHANGELIST).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
