"""content: a message's template and content checked once, for one number or many."""

import phonenumbers
import pytest

from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.sending.content import (
    REDACTED,
    is_verification,
    prepare_content,
    prepare_message,
    template_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def code():
    return SmsTemplate.objects.create(
        name="code", tpl_id=9, text="验证码{1}，{2}分钟内有效", type=SmsTemplate.Type.VERIFICATION
    )


def test_the_content_builds_the_message_the_log_row_and_the_bulk_message(notice):
    content = prepare_content("notice", ["A1"], ext="order-1")
    assert (content.template, content.tpl_id, content.params) == (notice, 7, ("A1",))
    assert (content.sign, content.ext, content.text) == ("腾讯云", "order-1", "您的订单A1已发货。")
    number = phonenumbers.parse("+8613711112222")
    message = content.message(number)
    assert message == prepare_message("+8613711112222", "notice", ["A1"], ext="order-1")[0]
    assert message.template_name == "notice"
    row = content.row(number, status=SmsLog.Status.PENDING, backend="b")
    assert (row.template, row.tpl_id, row.params, row.sign, row.ext) == (
        notice, 7, ["A1"], "腾讯云", "order-1"
    )  # fmt: skip
    bulk = content.bulk_message([number, number])
    assert bulk.phones == (number, number) and list(bulk.messages()) == [message, message]


def test_secret_parameters_are_redacted_in_the_row_and_hidden_from_repr(code):
    content = prepare_content(code, ["123456", "5"])
    assert content.secret
    assert content.stored_params() == [REDACTED, REDACTED]
    assert "123456" not in repr(content)
    plain = prepare_content(7001, ["123456", "5"])  # a Tencent ID without a row
    assert not plain.secret and plain.stored_params(hidden=[0]) == [REDACTED, "5"]
    assert "123456" not in repr(plain)


def test_bad_content_is_refused_by_code(notice):
    with pytest.raises(InvalidMessage) as info:
        prepare_content("notice", ["A1", "extra"])
    assert info.value.code == "param_count"
    with pytest.raises(InvalidMessage) as info:
        prepare_message("12345", "notice", ["A1"])
    assert info.value.code == "invalid_phone"


def test_a_log_names_its_template_by_row_or_by_id_once_the_row_is_gone(code):
    log = SmsLog.objects.create(phone="+8613711112222", template=code, tpl_id=9, params=[])
    assert template_of(log) == code and is_verification(log)
    code.delete()
    log.refresh_from_db()
    assert template_of(log) == 9
    assert not is_verification(log)  # no row left to say so
    SmsTemplate.objects.create(name="code2", tpl_id=9, text="{1}", type="verification")
    assert is_verification(log)  # by its ID
