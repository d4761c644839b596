"""Refused requests are throttled too: probing the limits is not free.

Every test runs on both query paths (``otp_query_path``, ``tests/otp/fixtures.py``).
"""

import pytest
from django.test import RequestFactory

from django_tencent_sms.exceptions import CodeRequestRefused, InvalidMessage
from django_tencent_sms.models import CodeRefusal, VerificationCode
from django_tencent_sms.otp import send_code
from tests.helpers import PHONE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_query_path")]

PROBER = "203.0.113.66"
HONG_KONG = "+85291234567"


def request_from(ip):
    return RequestFactory().post("/", REMOTE_ADDR=ip)


def refused_code(phone, ip):
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(phone, request=request_from(ip))
    return refused.value


def test_an_ip_that_keeps_being_refused_is_refused_for_a_while(setup, conf, sms_outbox):
    conf(ALLOWED_REGIONS=["CN"], IP_REFUSAL_LIMIT=5)
    for _ in range(5):
        assert refused_code(HONG_KONG, PROBER).code == "region_not_allowed"
        setup.advance(60)
    # Even a request that would pass is refused now, before anything is written.
    throttled = refused_code(PHONE, PROBER)
    assert throttled.code == "too_many_refusals"
    assert throttled.retry_after == 3600 - 5 * 60  # when the first refusal leaves the hour
    assert sms_outbox == [] and not VerificationCode.objects.exists()
    assert CodeRefusal.objects.count() == 5  # a throttled request is not noted: it is cheap
    # Other clients are not affected, nor calls without a request.
    send_code(PHONE, request=request_from("198.51.100.7"))
    setup.advance(60)
    send_code("+8613900000001")
    setup.advance(throttled.retry_after - 60)
    send_code("+8613900000002", request=request_from(PROBER))
    assert len(sms_outbox) == 3


def test_limit_refusals_and_unusable_numbers_count_too(setup, conf, sms_outbox):
    conf(IP_REFUSAL_LIMIT=3)
    send_code(PHONE, request=request_from(PROBER))
    assert refused_code(PHONE, PROBER).code == "cooldown"
    for _ in range(2):
        with pytest.raises(InvalidMessage):
            send_code("12345", request=request_from(PROBER))
    assert refused_code("+8613900000001", PROBER).code == "too_many_refusals"
    assert len(sms_outbox) == 1


def test_ipv6_probers_are_throttled_by_their_network(setup, conf, sms_outbox):
    conf(ALLOWED_REGIONS=["CN"], IP_REFUSAL_LIMIT=3)
    for n in range(3):
        refused_code(HONG_KONG, f"2001:db8:5:6::{n + 1:x}")
    assert refused_code(PHONE, "2001:db8:5:6:ffff::1").code == "too_many_refusals"


def test_the_refusal_throttle_can_be_turned_off(setup, conf, sms_outbox):
    conf(ALLOWED_REGIONS=["CN"], IP_REFUSAL_LIMIT=None)
    for _ in range(40):
        refused_code(HONG_KONG, PROBER)
    send_code(PHONE, request=request_from(PROBER))
    assert len(sms_outbox) == 1 and not CodeRefusal.objects.exists()


def test_the_default_throttle_leaves_room_for_the_ip_caps(setup, conf, sms_outbox):
    conf(IP_HOURLY_LIMIT=10, RESEND_INTERVAL=0)
    codes = []
    for n in range(40):
        try:
            send_code(f"+86139000000{n:02d}", request=request_from(PROBER))
        except CodeRequestRefused as exc:
            codes.append(exc.code)
    # 10 sent, 30 refusals, then the IP is throttled.
    assert len(sms_outbox) == 10
    assert codes == ["ip_hourly_limit"] * 30
    assert refused_code(PHONE, PROBER).code == "too_many_refusals"
