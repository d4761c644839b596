"""``send_given_code``: a code made elsewhere (django-allauth, a 2FA app) sent under every rule
of ``send_code``: the same caps and cooldown, the code stored only as its HMAC, redacted in the
log, and the template, parameters and lifetime overridable."""

import json
from datetime import timedelta

import pytest

from django_tencent_sms.exceptions import CodeRequestRefused, InvalidMessage
from django_tencent_sms.models import SmsLog, SmsTemplate, VerificationCode
from django_tencent_sms.otp import check_code, send_code, send_given_code
from tests.helpers import PHONE, START


def test_a_code_a_verification_template_cannot_carry_is_refused_before_anything(setup, sms_outbox):
    # Tencent's verification templates take at most 6 digits: allauth's default letter codes
    # must be configured numeric (README); a letter code is refused, nothing written or sent.
    with pytest.raises(InvalidMessage) as excinfo:
        send_given_code(PHONE, "QKNC-FJGX", "external")
    assert excinfo.value.code == "verification_param"
    assert not sms_outbox and not VerificationCode.objects.exists()
    assert not SmsLog.objects.exists()


def test_the_code_is_sent_and_stored_only_as_its_hmac(setup, sms_outbox):
    record = send_given_code(PHONE, "481516", "external")
    (message,) = sms_outbox
    assert message.params == ("481516", "5")
    assert (record.state, record.purpose) == (VerificationCode.State.SENT, "external")
    stored = json.dumps(
        [
            list(VerificationCode.objects.values().get().values()),
            list(SmsLog.objects.values().get().values()),
        ],
        default=str,
    )
    assert "481516" not in stored and "481516" not in repr(record)
    assert check_code(PHONE, "481516", "external").ok


def test_template_parameters_and_lifetime_can_be_the_callers(setup, sms_outbox):
    SmsTemplate.objects.create(
        name="other", tpl_id=2002, text="码{1}，{2}分钟", type=SmsTemplate.Type.VERIFICATION
    )
    record = send_given_code(
        PHONE, "4711", "external", template="other", params=["{code}", "{minutes}"], ttl=900
    )
    (message,) = sms_outbox
    assert (message.tpl_id, message.params) == (2002, ("4711", "15"))
    assert record.expires_at == START + timedelta(seconds=900)
    assert SmsLog.objects.get().params == ["******", "******"]


def test_it_shares_the_caps_with_send_code(setup, conf, sms_outbox):
    conf(PHONE_HOURLY_LIMIT=2, RESEND_INTERVAL=0)
    send_code(PHONE, "login")
    send_given_code(PHONE, "123456", "external")
    with pytest.raises(CodeRequestRefused) as info:
        send_given_code(PHONE, "654321", "external")
    assert info.value.code == "phone_hourly_limit" and len(sms_outbox) == 2


def test_the_cooldown_is_per_purpose(setup, sms_outbox):
    send_given_code(PHONE, "123456", "external")
    with pytest.raises(CodeRequestRefused) as info:
        send_given_code(PHONE, "123456", "external")
    assert info.value.code == "cooldown" and len(sms_outbox) == 1


def test_numbers_are_checked_as_send_codes_are(setup, sms_outbox):
    with pytest.raises(InvalidMessage):
        send_given_code("+861065529988", "123456")  # a landline
    with pytest.raises(CodeRequestRefused) as info:
        send_given_code("+449098790000", "123456")  # premium-rate
    assert info.value.code == "number_type" and sms_outbox == []


@pytest.mark.parametrize("code", ["", "1" * 65, "12\x0034", "12\n34", 123456, None])
def test_a_code_that_is_no_printable_text_is_refused_before_anything(setup, sms_outbox, code):
    with pytest.raises(ValueError, match="printable"):
        send_given_code(PHONE, code)
    assert sms_outbox == [] and not VerificationCode.objects.exists()
