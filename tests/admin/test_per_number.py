""" "Ask Tencent about this number" on a log's page, through the real admin, against the emulator
with both backends: who sees it, who may post it, what it shows and applies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from django_tencent_sms import send_sms
from django_tencent_sms.exceptions import SmsError
from django_tencent_sms.models import SmsLog, SmsTemplate
from tests.helpers import staff

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"
BUTTON = "Ask Tencent about this number"


@pytest.fixture
def sandbox(sandbox):
    SmsTemplate.objects.create(name="note", tpl_id=7, text="Order {1} shipped")
    return sandbox


@pytest.fixture
def auditor(client):
    client.force_login(staff("auditor", "tencent_sms.view_smslog", "tencent_sms.view_full_phone"))
    return client


@pytest.fixture
def viewer(client):
    client.force_login(staff("viewer", "tencent_sms.view_smslog"))
    return client


def ask_url(log):
    return reverse("admin:tencent_sms_smslog_ask_tencent", args=[log.pk])


def change_url(log):
    return reverse("admin:tencent_sms_smslog_change", args=[log.pk])


def test_the_records_are_shown_and_applied_as_a_callback_would(sandbox, auditor):
    log = send_sms(PHONE, "note", ["A1"])
    other = send_sms(PHONE, "note", ["A2"])
    page = auditor.get(change_url(log))
    assert BUTTON in page.content.decode() and ask_url(log) in page.content.decode()
    answer = auditor.post(ask_url(log))
    assert answer.status_code == 200
    html = answer.content.decode()
    assert log.sid in html and other.sid in html and "DELIVRD" in html
    assert "this message" in html and f"#{other.pk}" in html
    assert "+86 137 1111 2222" in html  # the whole number: this staff member may see it
    for row in (log, other):
        row.refresh_from_db()
        assert row.status == SmsLog.Status.DELIVERED and row.report_code == "DELIVRD"


def test_without_view_full_phone_no_button_and_a_crafted_post_is_refused(sandbox, viewer):
    log = send_sms(PHONE, "note", ["A1"])
    assert BUTTON not in viewer.get(change_url(log)).content.decode()
    before = len(sandbox.requests)
    assert viewer.post(ask_url(log)).status_code == 403
    assert len(sandbox.requests) == before  # Tencent was not asked


def test_get_is_not_allowed_and_csrf_is_required(sandbox):
    log = send_sms(PHONE, "note", ["A1"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff("auditor", "tencent_sms.view_smslog", "tencent_sms.view_full_phone"))
    assert client.get(ask_url(log)).status_code == 405
    before = len(sandbox.requests)
    assert client.post(ask_url(log)).status_code == 403
    assert len(sandbox.requests) == before


def test_tencent_refusing_is_a_message_not_a_500(sandbox, auditor):
    log = send_sms(PHONE, "note", ["A1"])
    sandbox.fail_next("not_json")
    answer = auditor.post(ask_url(log))
    assert answer.status_code == 302 and answer.url == change_url(log)
    (message,) = get_messages(answer.wsgi_request)
    assert "Tencent could not be asked" in str(message)


def test_an_unknown_log_or_an_anonymous_visitor(sandbox, auditor):
    assert (
        auditor.post(reverse("admin:tencent_sms_smslog_ask_tencent", args=[999])).status_code == 404
    )
    log = send_sms(PHONE, "note", ["A1"])
    anonymous = Client().post(ask_url(log))
    assert anonymous.status_code == 302 and "login" in anonymous.url


def test_an_unknown_log_whose_record_is_certain_gets_its_sid(sandbox, auditor, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": 0.3}
    sandbox.fail_next("lost_answer", delay=1)
    with pytest.raises(SmsError) as caught:
        send_sms(PHONE, "note", ["A1"])
    log = caught.value.log
    assert log.status == SmsLog.Status.UNKNOWN
    (message,) = sandbox.messages
    answer = auditor.post(ask_url(log))
    assert answer.status_code == 200
    assert f"sid {message.sid} recorded" in " ".join(
        str(m) for m in get_messages(answer.wsgi_request)
    )
    log.refresh_from_db()
    assert log.sid == message.sid and log.status == SmsLog.Status.DELIVERED
    assert "this message" in answer.content.decode()
    assert len(sandbox.messages) == 1


def test_an_unknown_log_with_two_possible_records_stays_unknown(sandbox, auditor, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": 0.3}
    sandbox.fail_next("lost_answer", delay=1)
    with pytest.raises(SmsError) as caught:
        send_sms(PHONE, "note", ["A1"])
    log = caught.value.log
    stranger = send_sms(PHONE, "note", ["A2"])
    SmsLog.objects.filter(pk=stranger.pk).delete()
    answer = auditor.post(ask_url(log))
    assert "stays unknown" in " ".join(str(m) for m in get_messages(answer.wsgi_request))
    log.refresh_from_db()
    assert log.status == SmsLog.Status.UNKNOWN and log.sid == ""
    assert answer.content.decode().count("no log of this site") == 2


@pytest.mark.parametrize("sandbox", ["v5"], indirect=True)
def test_view_full_phone_alone_is_not_enough(sandbox, client):
    log = send_sms(PHONE, "note", ["A1"])
    client.force_login(staff("peeker", "tencent_sms.view_full_phone"))
    before = len(sandbox.requests)
    assert client.post(ask_url(log)).status_code == 403
    assert len(sandbox.requests) == before


@pytest.mark.parametrize("sandbox", ["v5"], indirect=True)
def test_a_log_older_than_tencent_keeps_is_not_asked_about(sandbox, auditor):
    log = send_sms(PHONE, "note", ["A1"])
    SmsLog.objects.filter(pk=log.pk).update(created_at=log.created_at - timedelta(days=9))
    before = len(sandbox.requests)
    answer = auditor.post(ask_url(log))
    assert answer.status_code == 302
    assert "7 days" in str(next(iter(get_messages(answer.wsgi_request))))
    assert len(sandbox.requests) == before


def test_a_backend_that_cannot_ask_says_so(db, auditor, settings):
    settings.TENCENT_SMS = {"BACKEND": "django_tencent_sms.backends.locmem.LocmemBackend"}
    SmsTemplate.objects.create(name="note", tpl_id=7, text="Order {1} shipped")
    log = send_sms(PHONE, "note", ["A1"])
    answer = auditor.post(ask_url(log))
    assert answer.status_code == 302
    assert "cannot ask Tencent" in str(next(iter(get_messages(answer.wsgi_request))))
