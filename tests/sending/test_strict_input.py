"""Strict input: what Tencent or the database would refuse is refused first, by send_sms and
send_bulk alike, with ``InvalidMessage`` and before anything is written or sent.

Sent through the emulator over a real socket, so "nothing sent" means no request reached it.
"""

import pytest
from django.utils import translation

from django_tencent_sms import send_bulk, send_sms
from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.sending.validation import MAX_PARAMS

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"


@pytest.fixture
def notice(db):
    return SmsTemplate.objects.create(name="notice", tpl_id=7, text="您的订单{1}已发货。")


def send_one(template, params, **kwargs):
    return send_sms(PHONE, template, params, **kwargs)


def send_many(template, params, **kwargs):
    return send_bulk([PHONE, "+8613711113333"], template, params, **kwargs)


@pytest.fixture(params=[send_one, send_many], ids=["send_sms", "send_bulk"])
def send(request, sms_sandbox):
    """Each way of sending, to the emulator; afterwards, nothing may have been written or sent."""
    yield request.param
    assert not SmsLog.objects.exists()
    assert sms_sandbox.requests == []


def refused(send, *args, **kwargs) -> InvalidMessage:
    with pytest.raises(InvalidMessage) as info:
        send(*args, **kwargs)
    assert str(info.value)  # a message a form can show
    return info.value


@pytest.mark.parametrize(
    "value",
    ["A\x001", "A1\n", "\r", "A\x1b[31m", "\x7f", "\x85", "A\u2028B", "A\ud800"],
    ids=["nul", "newline", "cr", "escape", "del", "c1", "line-separator", "surrogate"],
)
@pytest.mark.parametrize("template", ["notice", 7001], ids=["by-name", "by-id-without-row"])
def test_control_and_broken_characters_in_a_parameter_are_refused(notice, send, value, template):
    error = refused(send, template, [value])
    assert error.code == "invalid_param" and error.params == {"index": 1}


@pytest.mark.parametrize("tpl_id", [-1, 0, 2**31, 10**20])
def test_a_template_id_that_is_not_a_positive_integer_is_refused(send, tpl_id):
    assert refused(send, tpl_id, ["A1"]).code == "invalid_tpl_id"


def test_a_template_row_with_id_zero_is_refused(send):
    SmsTemplate.objects.create(name="zero", tpl_id=0, text="{1}")
    assert refused(send, "zero", ["A1"]).code == "invalid_tpl_id"


@pytest.mark.parametrize("extend", ["abc", "12a", "１２", "-1", "1" * 33, -1, 1.5, None, b"12"])
def test_an_extend_that_is_not_digits_is_refused(notice, send, extend):
    assert refused(send, "notice", ["A1"], extend=extend).code == "invalid_extend"


@pytest.mark.parametrize(
    "sign", ["x", "一二三四五六七八九十一二三", "【腾讯云】", "腾讯\x00云", "腾讯\n云"]
)
def test_a_signature_tencent_would_refuse_is_refused(notice, send, sign):
    assert refused(send, "notice", ["A1"], sign=sign).code == "invalid_sign"


def test_a_signature_from_the_settings_is_checked_too(notice, send, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "SIGN": "一二三四五六七八九十一二三"}
    assert refused(send, "notice", ["A1"]).code == "invalid_sign"


@pytest.mark.parametrize("ext", ["order\x001", "order\udc80"])
def test_a_session_context_no_database_can_store_is_refused(notice, send, ext):
    assert refused(send, "notice", ["A1"], ext=ext).code == "invalid_ext"


def test_a_template_id_without_a_row_gets_the_parameter_count_cap(send):
    error = refused(send, 7001, ["1"] * (MAX_PARAMS + 1))
    assert error.code == "param_count" and error.params["max"] == MAX_PARAMS


def test_a_template_id_without_a_row_gets_the_total_size_cap(send, settings):
    # Each parameter within its own limit, together longer than one message may be.
    assert refused(send, 7001, ["一二三四五六七八九十一二"] * 38).code == "too_long"
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "MAX_PARAM_LENGTH": None}
    assert refused(send, 7001, ["x" * 451]).code == "too_long"


def test_a_template_id_without_a_row_gets_the_per_parameter_length(send):
    assert refused(send, 7001, ["1234567890123"]).code == "param_too_long"


def test_a_signature_counts_towards_the_size_of_a_template_without_a_row(send):
    params = ["一二三四五六七八九十"] * 44 + ["一二三四五六七八"]  # 448 characters
    assert refused(send, 7001, params, sign="腾讯云").code == "too_long"


def test_what_is_within_every_limit_still_goes_out(sms_sandbox):
    # Approved at Tencent, unknown to the site (no SmsTemplate row).
    sms_sandbox.add_template(7001, "".join(f"{{{n}}}" for n in range(1, MAX_PARAMS + 1)))
    log = send_sms(PHONE, 7001, ["A1"] * MAX_PARAMS, sign="腾讯云", extend=12, ext="order-1")
    assert log.status == SmsLog.Status.SENT and log.extend == "12"
    assert len(sms_sandbox.requests) == 1
    sms_sandbox.add_template(7002, "".join(f"{{{n}}}" for n in range(1, 45)))
    summary = send_bulk([PHONE], 7002, ["一二三四五六七八九十"] * 44, sign="腾讯云")
    assert summary.sent == 1


def test_the_new_refusals_are_translated(notice):
    with translation.override("zh-hans"):
        messages = []
        for template, params, kwargs in [
            ("notice", ["A\x00"], {}),
            (-1, ["A1"], {}),
            (7001, ["1"] * (MAX_PARAMS + 1), {}),
            ("notice", ["A1"], {"ext": "\x00"}),
        ]:
            with pytest.raises(InvalidMessage) as info:
                send_sms(PHONE, template, params, **kwargs)
            messages.append(info.value.messages[0])
    assert messages == [
        "第 1 个参数含有控制字符（如 NUL 或换行）或损坏的字符，腾讯不会发送。",
        "-1 不是腾讯模板 ID：模板 ID 为正整数。",
        f"模板最多接受 {MAX_PARAMS} 个参数，实际给出 {MAX_PARAMS + 1} 个。",
        "会话上下文（ext）含有 NUL 或损坏的字符。",
    ]


@pytest.fixture
def verification(db):
    return SmsTemplate.objects.create(
        name="code", tpl_id=8, text="验证码{1}，{2}分钟内有效。", type=SmsTemplate.Type.VERIFICATION
    )


@pytest.mark.parametrize("code", ["1234567", "12a4", "１２３４", "12 34", "-1"])
def test_a_verification_parameter_is_at_most_six_digits(send, verification, code):
    with pytest.raises(InvalidMessage) as info:
        send(verification, ["123456", code] if code == "-1" else [code, "5"])
    error = info.value
    assert error.code == "verification_param" and error.params["max"] == 6
    assert error.params["index"] == (2 if code == "-1" else 1)


def test_six_digits_and_an_empty_parameter_pass(sms_sandbox, verification):
    send_sms(PHONE, verification, ["012345", ""])
    assert sms_sandbox.messages[0].params == ["012345", ""]


@pytest.mark.parametrize("param", ["https://a.cn/x", "see www.qq.com", "HTTP://X"])
def test_a_link_in_a_parameter_is_refused(send, notice, param):
    with pytest.raises(InvalidMessage) as info:
        send(notice, [param])
    assert info.value.code == "param_link" and info.value.params == {"index": 1}


@pytest.mark.parametrize("param", ["a.b", "3.5", "www", "http"])
def test_text_that_only_looks_like_a_link_passes(sms_sandbox, notice, param):
    send_sms(PHONE, notice, [param])
    assert sms_sandbox.messages[0].params == [param]
