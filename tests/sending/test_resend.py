"""``sending.api.resend()``: the same message again, as a new linked log, through send_sms."""

import pytest
from django.contrib.auth.models import AnonymousUser

from django_tencent_sms import send_sms
from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.sending.api import resend

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"


def test_resend_copies_the_message_and_links_it(sms_outbox):
    template = SmsTemplate.objects.create(name="shipped", tpl_id=2001, text="订单{1}已发货")
    original = send_sms(PHONE, template, ["SF1"], sign="商城", ext="order-1", extend="12")
    new = resend(original, user=AnonymousUser())
    assert new.pk != original.pk and new.resend_of == original and new.resent_by is None
    first, second = sms_outbox
    assert (second.tpl_id, second.params, second.sign, second.ext, second.extend) == (
        first.tpl_id,
        first.params,
        "商城",
        "order-1",
        "12",
    )
    assert list(original.resends.all()) == [new]


def test_a_message_sent_by_id_is_resent_by_id(sms_outbox):
    original = send_sms(PHONE, 777, ["a", "b"])
    new = resend(original)
    assert new.template is None and new.tpl_id == 777 and sms_outbox[1].params == ("a", "b")


def test_verification_codes_are_never_resent(sms_outbox):
    SmsTemplate.objects.create(name="code", tpl_id=1001, text="验证码{1}", type="verification")
    by_name = send_sms(PHONE, "code", ["123456"])
    by_id = SmsLog.objects.create(phone=PHONE, tpl_id=1001, params=["654321"], status="sent")
    for log in (by_name, by_id):
        with pytest.raises(InvalidMessage) as caught:
            resend(log)
        assert caught.value.code == "verification_code"
        assert "123456" not in str(caught.value) and "654321" not in str(caught.value)
    assert len(sms_outbox) == 1 and SmsLog.objects.count() == 2


def test_resend_validates_again(sms_outbox):
    template = SmsTemplate.objects.create(name="shipped", tpl_id=2001, text="订单{1}已发货")
    original = send_sms(PHONE, template, ["SF1"])
    template.text = "订单{1}已于{2}发货"  # the template changed since: two parameters now
    template.save()
    original.refresh_from_db()
    with pytest.raises(InvalidMessage) as caught:
        resend(original)
    assert caught.value.code == "param_count" and len(sms_outbox) == 1
