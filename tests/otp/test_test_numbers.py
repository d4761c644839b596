"""Test numbers (``OTP["TEST_NUMBERS"]``): a fixed code, no SMS, a marked log row, every limit."""

import logging

import pytest
from django.core import checks
from django.test import Client, override_settings

from django_tencent_sms.exceptions import CodeRequestRefused, ConfigurationError
from django_tencent_sms.models import SmsLog, VerificationCode
from django_tencent_sms.otp import send_code, verify_code
from django_tencent_sms.otp.test_numbers import TEST_NUMBER_BACKEND
from tests.helpers import PHONE
from tests.otp import flows
from tests.otp.flows import API_REQUEST, API_VERIFY, VERIFY_URL, logged_in_user, post_json

pytestmark = pytest.mark.django_db

TEST_PHONE = "+8613800000000"
TEST_CODE = "246810"


@pytest.fixture(autouse=True)
def site(settings):
    flows.mount(settings)


@pytest.fixture
def otp_defaults(otp_defaults):
    return {**flows.with_user_lookup(otp_defaults), "TEST_NUMBERS": {TEST_PHONE: TEST_CODE}}


def stored_text(row):
    return " ".join(str(getattr(row, f.attname)) for f in row._meta.concrete_fields)


def test_a_test_number_gets_its_code_and_no_request_leaves(sms_sandbox, setup, caplog):
    with caplog.at_level(logging.DEBUG, logger="django_tencent_sms"):
        record = send_code("138 0000 0000", "signup")
    assert sms_sandbox.requests == []  # nothing reached Tencent (its emulator)
    log = SmsLog.objects.get()
    assert (log.status, log.backend, log.fee) == (SmsLog.Status.SENT, TEST_NUMBER_BACKEND, 0)
    assert log.sid.startswith("test-")
    assert record.state == VerificationCode.State.SENT and record.log_id == log.pk
    # The fixed code is a secret like any other: not in the log row, the code's row, the logs.
    for row in (log, record):
        assert TEST_CODE not in stored_text(row)
    assert TEST_CODE not in caplog.text and "Test number +86 138 **** 0000" in caplog.text
    assert verify_code(TEST_PHONE, TEST_CODE, "signup")
    assert not verify_code(TEST_PHONE, TEST_CODE, "signup")  # single use, as any code


def test_other_numbers_are_unaffected(sms_sandbox, setup):
    send_code(PHONE, "signup")
    assert len(sms_sandbox.requests) == 1
    log = SmsLog.objects.get()
    assert log.backend != TEST_NUMBER_BACKEND and log.fee == 1
    assert not verify_code(PHONE, TEST_CODE, "signup")


def test_the_json_endpoint_signs_a_test_number_in(sms_sandbox, setup, alice):
    alice.username = TEST_PHONE
    alice.save()
    client = Client()
    assert post_json(client, API_REQUEST, {"phone": "13800000000"}).json()["ok"] is True
    wrong = post_json(client, API_VERIFY, {"phone": TEST_PHONE, "code": "135790"})
    assert wrong.json()["error"]["code"] == "wrong"
    response = post_json(client, API_VERIFY, {"phone": TEST_PHONE, "code": TEST_CODE})
    assert response.json() == {"ok": True}
    assert logged_in_user(client) == str(alice.pk)
    assert sms_sandbox.requests == []


def test_the_pages_sign_a_test_number_in(sms_sandbox, setup, alice):
    alice.username = TEST_PHONE
    alice.save()
    client = Client()
    response = flows.request_code(client, TEST_PHONE)
    assert response.status_code == 302
    response = client.post(VERIFY_URL, {"phone": TEST_PHONE, "code": TEST_CODE})
    assert response.status_code == 302 and logged_in_user(client) == str(alice.pk)
    assert sms_sandbox.requests == []


def test_a_test_number_used_from_many_ips_meets_the_number_caps(setup, conf):
    conf(TEST_NUMBERS={TEST_PHONE: TEST_CODE}, RESEND_INTERVAL=0, PHONE_HOURLY_LIMIT=3, LENGTH=6)
    for n in range(3):
        client = Client(REMOTE_ADDR=f"198.51.100.{n}")
        assert post_json(client, API_REQUEST, {"phone": TEST_PHONE}).status_code == 200
    response = post_json(Client(REMOTE_ADDR="198.51.100.9"), API_REQUEST, {"phone": TEST_PHONE})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "phone_hourly_limit"
    # So guessing the fixed code gets no more tries than guessing any code.
    assert VerificationCode.objects.filter(phone=TEST_PHONE).count() == 3


def test_a_test_number_is_rate_limited_per_ip(setup, conf, clock):
    conf(TEST_NUMBERS={TEST_PHONE: TEST_CODE}, RESEND_INTERVAL=0, IP_HOURLY_LIMIT=2)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        assert post_json(client, API_REQUEST, {"phone": TEST_PHONE}).status_code == 200
    response = post_json(client, API_REQUEST, {"phone": TEST_PHONE})
    assert response.json()["error"]["code"] == "ip_hourly_limit"


def test_the_cooldown_applies_to_a_test_number(setup):
    send_code(TEST_PHONE, "signup")
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(TEST_PHONE, "signup")
    assert refused.value.code == "cooldown"


# The setting's checks ------------------------------------------------------------------------


def check_ids(numbers, **otp):
    with override_settings(
        TENCENT_SMS={"OTP": {"TEMPLATE": "login-code", "TEST_NUMBERS": numbers, **otp}}
    ):
        found = checks.run_checks(include_deployment_checks=True)
    for message in found:
        assert TEST_CODE not in message.msg and "98765" not in message.msg
    return {m.id for m in found}


@pytest.mark.parametrize(
    "numbers",
    [
        {"not a number": TEST_CODE},
        {"+861": TEST_CODE},
        {"+862012345678": TEST_CODE},  # a landline gets no SMS, so no code either
        {"a\x00b" * 10_000: TEST_CODE},
        {42: TEST_CODE},
        {TEST_PHONE: "98765"},  # one digit short of LENGTH
        {TEST_PHONE: "2468100"},
        {TEST_PHONE: "24681x"},
        {TEST_PHONE: "２４６８１０"},  # full-width digits
        {TEST_PHONE: 246810},
        {TEST_PHONE: None},
        {TEST_PHONE: TEST_CODE, "13800000000": TEST_CODE},  # one number twice
        ["+8613800000000"],
        "+8613800000000",
    ],
)
def test_bad_test_numbers_are_errors_and_refuse_sends(numbers, db):
    assert "tencent_sms.E050" in check_ids(numbers)
    with (
        override_settings(TENCENT_SMS={"OTP": {"TEMPLATE": 1001, "TEST_NUMBERS": numbers}}),
        pytest.raises(ConfigurationError) as refused,
    ):
        send_code(PHONE, "signup")
    assert TEST_CODE not in str(refused.value)
    assert not VerificationCode.objects.exists()


def test_good_test_numbers_pass_the_checks_and_warn_on_deploy():
    found = check_ids({TEST_PHONE: TEST_CODE, "13900000000": "135790"})
    assert "tencent_sms.E050" not in found and "tencent_sms.W050" in found
    assert "tencent_sms.E050" not in check_ids({TEST_PHONE: "24681357"}, LENGTH=8)
    with override_settings(TENCENT_SMS={"OTP": {"TEMPLATE": "login-code", "LENGTH": 6}}):
        assert "tencent_sms.W050" not in {
            m.id for m in checks.run_checks(include_deployment_checks=True)
        }


def test_the_deploy_warning_is_only_for_deploy_checks():
    with override_settings(TENCENT_SMS={"OTP": {"TEST_NUMBERS": {TEST_PHONE: TEST_CODE}}}):
        assert "tencent_sms.W050" not in {m.id for m in checks.run_checks()}
        assert "tencent_sms.W050" in {
            m.id for m in checks.run_checks(include_deployment_checks=True)
        }
