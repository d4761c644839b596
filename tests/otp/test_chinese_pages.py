"""The sign-in pages in Chinese: sentences joined without a space after the full stop, and the
dead-code and sign-up texts translated."""

import re

import pytest
from django.utils import translation

from django_tencent_sms.otp.forms import two_sentences
from tests.helpers import PHONE, last_code, wrong
from tests.otp import flows
from tests.otp.flows import API_REQUEST, API_VERIFY, VERIFY_URL, post_json

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def site(settings):
    flows.mount(settings)


@pytest.fixture
def otp_defaults(otp_defaults):
    return {**flows.with_user_lookup(otp_defaults), "SIGNUP_URL": "signup"}


def errors(response):
    """The error messages of the page, exactly as written in the HTML."""
    return re.findall(r"<li>([^<]*)</li>", response.content.decode())


def test_a_wrong_code_in_chinese_has_no_space_between_sentences(client, setup, sms_outbox):
    client.post(flows.REQUEST_URL, {"phone": PHONE}, **ZH)
    code = last_code(sms_outbox)
    response = client.post(VERIFY_URL, {"phone": PHONE, "code": wrong(code)}, **ZH)
    assert "验证码错误。还可以再试 4 次。" in errors(response)
    for _ in range(4):
        response = client.post(VERIFY_URL, {"phone": PHONE, "code": wrong(code)}, **ZH)
    assert "验证码错误。尝试次数已用完，请重新获取验证码。" in errors(response)
    html = response.content.decode()
    assert ">重新获取验证码</a>" in html
    page = client.get(VERIFY_URL, **ZH)
    assert "此验证码已无法使用，现在就可以重新获取。" in page.content.decode()


def test_the_json_answer_in_chinese_has_no_space_either(client, setup, sms_outbox):
    post_json(client, API_REQUEST, {"phone": PHONE}, **ZH)
    answer = post_json(
        client, API_VERIFY, {"phone": PHONE, "code": wrong(last_code(sms_outbox))}, **ZH
    )
    assert answer.json()["error"]["message"] == "验证码错误。还可以再试 4 次。"


def test_english_keeps_its_space():
    with translation.override("en"):
        assert two_sentences("One.", "Two.") == "One. Two."
    with translation.override("zh-hans"):
        assert two_sentences("一。", "二。") == "一。二。"


def test_the_sign_up_link_in_chinese(client, setup, sms_outbox):
    client.post(flows.REQUEST_URL, {"phone": PHONE}, **ZH)
    response = client.post(VERIFY_URL, {"phone": PHONE, "code": last_code(sms_outbox)}, **ZH)
    html = response.content.decode()
    assert "找不到使用此手机号的账号。" in html
    assert '<a href="/signup/" class="tencent-sms-primary">还没有账号？立即注册</a>' in html


def test_labels_end_with_the_full_width_colon_in_chinese(client, setup):
    html = client.get(flows.REQUEST_URL, **ZH).content.decode()
    assert '<label for="id_phone">手机号：</label>' in html
    html = client.get(flows.REQUEST_URL).content.decode()
    assert '<label for="id_phone">Phone number:</label>' in html
