"""SMS pumping: codes go only to numbers that receive them, and a client cannot spread its
requests over addresses it owns by the billion.

Every test runs on both query paths (``otp_query_path``, ``tests/otp/fixtures.py``).
"""

import phonenumbers
import pytest
from django.test import RequestFactory

from django_tencent_sms.exceptions import CodeRequestRefused, ConfigurationError
from django_tencent_sms.models import SmsLog, VerificationCode
from django_tencent_sms.otp import send_code
from django_tencent_sms.otp.forms import RequestCodeForm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_query_path")]

Type = phonenumbers.PhoneNumberType


def uk(kind):
    return phonenumbers.format_number(
        phonenumbers.example_number_for_type("GB", kind), phonenumbers.PhoneNumberFormat.E164
    )


def request_from(ip):
    return RequestFactory().post("/", REMOTE_ADDR=ip)


# Number types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [Type.PREMIUM_RATE, Type.TOLL_FREE, Type.VOIP, Type.PAGER, Type.UAN, Type.PERSONAL_NUMBER],
    ids=lambda kind: phonenumbers.PhoneNumberType.to_string(kind),
)
def test_numbers_that_pumping_pays_for_get_no_code(setup, conf, sms_outbox, kind):
    conf(ALLOWED_REGIONS=["GB", "CN"])
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(uk(kind), "login")
    assert refused.value.code == "number_type" and refused.value.retry_after is None
    # Refused before anything is written or sent.
    assert sms_outbox == []
    assert not VerificationCode.objects.exists() and not SmsLog.objects.exists()


def test_a_uk_mobile_gets_its_code(setup, conf, sms_outbox):
    conf(ALLOWED_REGIONS=["GB", "CN"])
    record = send_code(uk(Type.MOBILE), "login")
    assert record.state == VerificationCode.State.SENT
    assert [m.e164 for m in sms_outbox] == [uk(Type.MOBILE)]


def test_fixed_line_or_mobile_numbers_get_codes(setup, sms_outbox):
    send_code("+12015550123", "login")  # North America: a number's type cannot be told
    assert len(sms_outbox) == 1


def test_a_site_can_widen_the_number_types(setup, conf, sms_outbox):
    conf(NUMBER_TYPES=["MOBILE", "FIXED_LINE_OR_MOBILE", "VOIP"])
    send_code(uk(Type.VOIP), "login")
    with pytest.raises(CodeRequestRefused):
        send_code(uk(Type.PREMIUM_RATE), "login")
    assert len(sms_outbox) == 1


@pytest.mark.parametrize("types", [[], "MOBILE", ["MOBILE", "CELL"], None])
def test_bad_number_types_are_refused_as_a_setting(setup, conf, types):
    conf(NUMBER_TYPES=types)
    with pytest.raises(ConfigurationError, match="NUMBER_TYPES"):
        send_code(uk(Type.MOBILE))


def test_the_form_shows_the_number_type_refusal_on_the_number(setup, conf, sms_outbox):
    conf(ALLOWED_REGIONS=["GB", "CN"])
    form = RequestCodeForm({"phone": uk(Type.PREMIUM_RATE)})
    assert form.send(None, "login") is False
    assert form.error_code == "number_type" and form.errors["phone"]
    assert sms_outbox == []


# IPv6 networks -----------------------------------------------------------------------------


def test_ipv6_clients_are_counted_by_their_64(setup, conf, sms_outbox):
    conf(IP_HOURLY_LIMIT=10, RESEND_INTERVAL=0)
    refused = []
    for n in range(30):
        ip = f"2001:db8:1:2:{n:x}:{n * 7:x}:0:{n + 1:x}"  # 30 addresses of one /64
        try:
            send_code(f"+86139000000{n:02d}", request=request_from(ip))
        except CodeRequestRefused as exc:
            refused.append(exc.code)
    assert len(sms_outbox) == 10
    assert refused == ["ip_hourly_limit"] * 20
    # Another /64 is another client.
    send_code("+8613800000000", request=request_from("2001:db8:1:3::1"))
    assert len(sms_outbox) == 11


def test_ipv4_clients_are_counted_by_their_address(setup, conf, sms_outbox):
    conf(IP_HOURLY_LIMIT=1)
    send_code("+8613900000001", request=request_from("203.0.113.9"))
    send_code("+8613900000002", request=request_from("203.0.113.10"))
    with pytest.raises(CodeRequestRefused):
        # The same client, written as an IPv4-mapped IPv6 address.
        send_code("+8613900000003", request=request_from("::ffff:203.0.113.9"))
    assert len(sms_outbox) == 2


def test_the_ipv6_prefix_is_a_setting(setup, conf, sms_outbox):
    conf(IP_HOURLY_LIMIT=1, IPV6_PREFIX=48)
    record = send_code("+8613900000001", request=request_from("2001:db8:1:2::1"))
    assert record.ip == "2001:db8:1::"
    with pytest.raises(CodeRequestRefused):
        send_code("+8613900000002", request=request_from("2001:db8:1:ffff::1"))
    conf(IPV6_PREFIX=0)
    with pytest.raises(ConfigurationError, match="IPV6_PREFIX"):
        send_code("+8613900000003")
