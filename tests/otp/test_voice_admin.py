"""A voice code in the admin: the channel in both lists, no template, no code, no resend."""

import pytest
from django.urls import reverse

from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.models import SmsLog
from django_tencent_sms.otp import send_code
from django_tencent_sms.sending.api import resend
from tests.helpers import PHONE, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(setup, conf, sms_outbox):
    conf(VOICE=True)
    record = send_code(PHONE, "login", channel="voice")
    return record, sms_outbox[-1].code


def test_the_log_shows_a_call_without_its_code(call, client):
    record, code = call
    client.force_login(staff("viewer", "tencent_sms.view_smslog"))
    listing = client.get(reverse("admin:tencent_sms_smslog_changelist")).content.decode()
    assert "Voice call" in listing and "☎ voice code" in listing
    page = client.get(reverse("admin:tencent_sms_smslog_change", args=[record.log_id]))
    text = page.content.decode()
    assert "a voice call reading a code: no template" in text
    assert "verification codes are never shown" in text
    assert code not in text
    filtered = client.get(reverse("admin:tencent_sms_smslog_changelist") + "?channel=sms")
    assert "☎ voice code" not in filtered.content.decode()


def test_the_codes_list_shows_the_channel(call, client):
    client.force_login(staff("codes", "tencent_sms.view_verificationcode"))
    url = reverse("admin:tencent_sms_verificationcode_changelist")
    listing = client.get(url + "?channel=voice").content.decode()
    assert "Voice call" in listing


def test_a_call_is_never_resent(call):
    record, _ = call
    log = SmsLog.objects.get(pk=record.log_id)
    with pytest.raises(InvalidMessage) as refused:
        resend(log)
    assert refused.value.code == "verification_code"
