"""The dashboard's "Tencent's figures" section in a real browser, in English and in Chinese:
the button fetches from the emulator, the figures and the balance appear, a difference is
marked in words."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from django_tencent_sms import send_sms
from django_tencent_sms.models import SmsLog, SmsTemplate

PASSWORD = "correct horse battery staple"
TEXTS = {
    "en": ("en-US", "Fetch from Tencent", "Differs", "units left in unexpired packages"),
    "zh-hans": ("zh-CN", "从腾讯云获取", "不一致", "未过期套餐包共剩余"),
}


@pytest.fixture
def emulator(request, transactional_db):
    """The emulator on the backend the test names, knowing the "note" template."""
    sandbox = request.getfixturevalue(request.param)
    SmsTemplate.objects.create(name="note", tpl_id=7, text="Order {1} shipped")
    cache.clear()
    yield sandbox
    cache.clear()


@pytest.mark.parametrize(
    ("emulator", "language"),
    [("sms_sandbox", "en"), ("sms_sandbox_cloud", "zh-hans")],
    indirect=["emulator"],
)
def test_fetching_tencents_figures(browser, django_user_model, emulator, language):
    accept, button, differs, balance = TEXTS[language]
    emulator.set_packages([{"amount": 1000, "used": 100, "days": 30}])
    for phone in ("+8613711112200", "+8613711112201"):
        send_sms(phone, "note", ["A1"])
    SmsLog.objects.filter(phone="+8613711112200").delete()
    user = django_user_model.objects.create_superuser("ops", "ops@example.com", PASSWORD)
    browser.set_language(accept)
    browser.login(user, PASSWORD)
    browser.open("/admin/tencent_sms/smslog/dashboard/")
    section = browser.find("#tsms-tencent")
    assert "tsms-tencent-figures" not in browser.driver.page_source
    fetch = section.find_element("css selector", "button[name=tencent]")
    assert fetch.text == button
    fetch.click()
    browser.wait_for("#tsms-tencent-figures")
    browser.screenshot(f"admin-dashboard-tencent-figures-{language}.png")
    row = browser.find('#tsms-tencent-figures tr[data-figure="accepted"]')
    assert "tsms-differs" in row.get_attribute("class")
    assert differs in row.text
    assert row.text.split()[-4:-1] == ["2", "1", "1"]  # Tencent, log, difference
    assert balance in browser.text_of("#tsms-balance-total")
    assert "898" in browser.text_of("#tsms-balance-total")
    browser.assert_styled()
