"""The "call me instead" button in headless Chromium: ask for a call, hear the code (the
emulator's record of the call), type it, be signed in; and the Chinese page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from django_tencent_sms.models import SmsTemplate
from tests.helpers import PHONE
from tests.otp import flows
from tests.otp.flows import HOME, REQUEST_URL, VERIFY_URL


@pytest.fixture
def site(sandbox, settings, transactional_db):
    flows.mount(settings)
    SmsTemplate.objects.create(
        name="login-code",
        tpl_id=1001,
        text="您的验证码为{1}，{2}分钟内有效。",
        type=SmsTemplate.Type.VERIFICATION,
    )
    User.objects.create_user(PHONE, password="correct horse")
    otp = flows.with_user_lookup({"TEMPLATE": "login-code", "VOICE": True})
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OTP": otp}
    return sandbox


def test_a_person_signs_in_with_a_code_read_out_by_a_call(site, browser):
    browser.set_language("en").open(REQUEST_URL)
    browser.find("input[name=phone]").send_keys("138 1234 5678")
    browser.find("button.tencent-sms-call").click()
    browser.wait_until(lambda b: b.path.startswith(VERIFY_URL), "no verify page after the call")
    browser.screenshot("voice-verify-after-call.png")
    (call,) = site.calls
    assert call.channel == "voice" and call.mobile == PHONE[3:]
    browser.find("input[name=code]").send_keys(call.params[0])
    browser.find("form.tencent-sms-form button[type=submit]").click()
    browser.wait_until(lambda b: b.path.startswith(HOME), "not signed in with the voice code")


def test_the_call_button_in_chinese(site, browser):
    browser.set_language("zh-CN").open(REQUEST_URL)
    assert "改为来电告知验证码" in browser.text
    browser.find("input[name=phone]").send_keys("13812345678")
    browser.find("form.tencent-sms-form button[type=submit]").click()  # an SMS first
    browser.wait_until(lambda b: b.path.startswith(VERIFY_URL), "no verify page after the SMS")
    browser.find("button.tencent-sms-call").click()  # at once: the SMS's cooldown still runs
    browser.wait_until(lambda b: "秒" in b.text_of("ul.messages"), "no wait message")
    browser.screenshot("voice-verify-zh-cooldown.png")
    assert site.calls == []
