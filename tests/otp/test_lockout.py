"""Targeted lockout: someone who spends a number's codes must not lock its owner out without
trace. The refusal says when it lifts; the admin lists the numbers at their limit; staff with
the permission clear them.

The service tests run on both query paths (``otp_query_path``).
"""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import translation

from django_tencent_sms.exceptions import CodeRequestRefused
from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import send_code
from tests.helpers import PHONE, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_query_path")]

OTHER = "+8613987654321"
CHANGELIST = reverse("admin:tencent_sms_verificationcode_changelist")


def spaced(refused):
    """The refusal's text, its no-break spaces (between a number and its unit) as spaces."""
    return str(refused).replace("\xa0", " ")


def refusal(phone=PHONE):
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(phone)
    return refused.value


def spend_the_day(setup, conf, phone=PHONE):
    conf(PHONE_HOURLY_LIMIT=None, PHONE_DAILY_LIMIT=3, RESEND_INTERVAL=0)
    for _ in range(3):
        send_code(phone)
        setup.advance(600)


def test_the_per_number_refusal_says_when_it_lifts(setup, conf, sms_outbox):
    spend_the_day(setup, conf)
    refused = refusal()
    assert refused.code == "phone_daily_limit"
    assert refused.retry_after == 24 * 3600 - 1800  # when the first code leaves the day
    assert spaced(refused).endswith("You can ask again in 23 hours, 30 minutes.")
    with translation.override("zh-hans"):
        assert "后可以再次获取" in str(refused) and "23" in str(refused)


def test_the_hourly_refusal_says_when_it_lifts_too(setup, conf, sms_outbox):
    conf(PHONE_HOURLY_LIMIT=1, RESEND_INTERVAL=0)
    send_code(PHONE)
    setup.advance(900)
    refused = refusal()
    assert refused.code == "phone_hourly_limit" and refused.retry_after == 2700
    assert "You can ask again in 45 minutes." in spaced(refused)


def test_cleared_codes_stop_counting_against_their_number(setup, conf, sms_outbox):
    spend_the_day(setup, conf)
    send_code(OTHER)
    refusal()
    now = setup()
    VerificationCode.objects.filter(phone=PHONE).update(uncounted_at=now)
    send_code(PHONE)  # the owner gets a code again
    assert len(sms_outbox) == 5
    # Counting starts again from there.
    for _ in range(2):
        setup.advance(1)
        send_code(PHONE)
    assert refusal().code == "phone_daily_limit"


def test_cleared_codes_stop_the_cooldown_too(setup, sms_outbox):
    send_code(PHONE)
    assert refusal().code == "cooldown"
    VerificationCode.objects.update(uncounted_at=setup())
    send_code(PHONE)
    assert len(sms_outbox) == 2


def test_cleared_codes_still_count_against_the_client(setup, conf, sms_outbox, rf):
    conf(IP_HOURLY_LIMIT=1, RESEND_INTERVAL=0)
    request = rf.post("/", REMOTE_ADDR="203.0.113.9")
    send_code(PHONE, request=request)
    VerificationCode.objects.update(uncounted_at=setup())
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, request=request)
    assert refused.value.code == "ip_hourly_limit"


# The admin -------------------------------------------------------------------------------


def listed(client, **query):
    response = client.get(CHANGELIST, query)
    assert response.status_code == 200
    return {code.phone.as_e164 for code in response.context["cl"].result_list}


def test_the_admin_lists_the_numbers_at_their_limit(setup, conf, sms_outbox, client):
    spend_the_day(setup, conf)
    send_code(OTHER)
    client.force_login(staff("viewer", "tencent_sms.view_verificationcode"))
    assert listed(client) == {PHONE, OTHER}
    assert listed(client, at_limit="day") == {PHONE}
    assert listed(client, at_limit="hour") == set()  # PHONE_HOURLY_LIMIT is off
    conf(PHONE_HOURLY_LIMIT=1, PHONE_DAILY_LIMIT=3, RESEND_INTERVAL=0)
    assert listed(client, at_limit="hour") == {PHONE, OTHER}  # one code each this hour


def clear(client, *codes):
    return client.post(
        CHANGELIST,
        {"action": "clear_limits", "_selected_action": [code.pk for code in codes]},
        follow=True,
    )


def test_staff_with_the_permission_clear_a_numbers_limits(setup, conf, sms_outbox, client):
    spend_the_day(setup, conf)
    send_code(OTHER)
    refusal()
    user = staff("support", "tencent_sms.view_verificationcode", "tencent_sms.clear_code_limits")
    client.force_login(user)
    response = clear(client, VerificationCode.objects.filter(phone=PHONE).first())
    assert "The code limits of 1 number were cleared." in response.content.decode()
    assert listed(client, at_limit="day") == set()
    send_code(PHONE)
    # Kept for the record, with a trace of who cleared them.
    assert VerificationCode.objects.filter(phone=PHONE).count() == 4
    assert VerificationCode.objects.filter(phone=OTHER, uncounted_at=None).count() == 1
    (entry,) = LogEntry.objects.filter(user=user)
    assert PHONE not in entry.object_repr  # masked, as everywhere in the admin


def test_without_the_permission_there_is_no_clearing(setup, conf, sms_outbox, client):
    spend_the_day(setup, conf)
    client.force_login(staff("viewer", "tencent_sms.view_verificationcode"))
    response = client.get(CHANGELIST)
    assert "clear_limits" not in response.content.decode()
    clear(client, *VerificationCode.objects.all())
    assert not VerificationCode.objects.exclude(uncounted_at=None).exists()
    assert refusal().code == "phone_daily_limit"


def test_the_admin_finds_an_ipv6_client_by_any_of_its_addresses(setup, sms_outbox, client, rf):
    send_code(PHONE, request=rf.post("/", REMOTE_ADDR="2001:db8:7:8:1:2:3:4"))
    client.force_login(staff("viewer", "tencent_sms.view_verificationcode"))
    assert listed(client, q="2001:db8:7:8:ffff::9") == {PHONE}
    assert listed(client, q="2001:db8:7:9::1") == set()


def test_the_admin_shows_a_withheld_code_as_not_sent(setup, settings, sms_outbox, client):
    from tests.helpers import user_by_username

    settings.AUTHENTICATION_BACKENDS = ["django_tencent_sms.otp.auth.PhoneCodeBackend"]
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "OTP": {**settings.TENCENT_SMS["OTP"], "USER_LOOKUP": user_by_username},
    }
    send_code(OTHER)  # no account: withheld
    client.force_login(staff("viewer", "tencent_sms.view_verificationcode"))
    response = client.get(CHANGELIST)
    assert "Not sent: no account" in response.content.decode()
    assert listed(client, status="withheld") == {OTHER}
    assert listed(client, status="valid") == set()
