"""The shipped sign-in pages on a fresh site, in headless Chromium at 390 and 1280 px, in English
and Chinese: their own stylesheet applies (a sans-serif system font, no horizontal scrolling,
buttons and fields big enough to touch), a dead code's page says so with the field disabled,
and "no account" leads to sign-up. Each page is saved as ``signin-<page>-<lang>-<width>.png``."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth.models import User

from django_tencent_sms.models import SmsTemplate
from tests.browser import viewport
from tests.helpers import PHONE
from tests.otp import flows
from tests.otp.flows import REQUEST_URL, VERIFY_URL

WIDTHS = (390, 1280)
LANGUAGES = ("en", "zh-hans")
NO_ACCOUNT = "+8613912345678"


@pytest.fixture
def site(sms_sandbox, settings, transactional_db):
    flows.mount(settings)
    SmsTemplate.objects.create(
        name="login-code",
        tpl_id=1001,
        text="您的验证码为{1}，{2}分钟内有效。",
        type=SmsTemplate.Type.VERIFICATION,
    )
    User.objects.create_user(PHONE, password="correct horse")
    otp = flows.with_user_lookup({"TEMPLATE": "login-code", "SIGNUP_URL": "signup"})
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OTP": otp}
    return sms_sandbox


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def width(request, browser):
    """The page's viewport, ``width`` CSS pixels wide, as a phone (390) or a laptop shows it."""
    with viewport(browser, request.param):
        yield request.param


@pytest.fixture(params=LANGUAGES)
def language(request, browser):
    browser.set_language(request.param)
    return request.param


def shoot(browser, name: str, width: int) -> None:
    """The whole page, ``width`` wide, as ``<artifacts>/signin-<name>.png``."""
    height = browser.js("return document.documentElement.scrollHeight")
    shot = browser.cdp(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": width, "height": max(height, 1), "scale": 1},
    )
    (browser.artifacts_dir / f"signin-{name}.png").write_bytes(base64.b64decode(shot["data"]))


def assert_laid_out(browser, width: int) -> None:
    """What a person relies on: the stylesheet applies, nothing scrolls sideways, the font is a
    sans-serif system one, and every field and button fits the screen and a finger."""
    # The browser's own favicon request is the site's business, not these pages'.
    broken = [r for r in browser.broken_resources() if not r[0].endswith("/favicon.ico")]
    assert not broken, f"resources that failed to load: {broken}"
    sheets = browser.js(
        "return Array.from(document.styleSheets).map(s => [s.href, s.cssRules.length])"
    )
    assert any(
        href and href.endswith("/django_tencent_sms/pages.css") and rules for href, rules in sheets
    ), sheets
    assert browser.js("return window.innerWidth") == width
    overflow = browser.js("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"
    family = browser.js("return getComputedStyle(document.body).fontFamily")
    first = family.split(",")[0].strip().strip("\"'").lower()
    assert first not in {"serif", "times", "times new roman"} and "sans-serif" in family, family
    section = browser.js(
        "return document.querySelector('section.tencent-sms').getBoundingClientRect().toJSON()"
    )
    for control in browser.find_all(
        "section input:not([type=hidden]), section button, section a.tencent-sms-primary"
    ):
        box = browser.js("return arguments[0].getBoundingClientRect().toJSON()", control)
        # Inside the page and inside its box: nothing sticks out on a phone.
        assert 0 <= section["left"] <= box["left"], (control.get_attribute("outerHTML"), box)
        assert box["right"] <= section["right"] <= width, (control.get_attribute("outerHTML"), box)
        assert box["height"] >= 44, (control.get_attribute("outerHTML"), box)


def ask(browser, phone: str) -> None:
    browser.find("input[name=phone]").send_keys(phone)
    browser.find("form.tencent-sms-form button[type=submit]").click()
    browser.wait_until(lambda b: b.path.startswith(VERIFY_URL), "no verify page")


def wrong_try(browser, code: str) -> None:
    """Type ``code`` and send it; wait for the next page, which says it is wrong."""
    field = browser.find("input[name=code]")
    field.clear()
    field.send_keys(code)
    browser.js("document.documentElement.dataset.answered = 'not yet'")  # gone on the next page
    browser.find("form.tencent-sms-form button[type=submit]").click()
    browser.wait_until(
        lambda b: b.js(
            "return document.readyState === 'complete'"
            " && !document.documentElement.dataset.answered"
        ),
        "the page did not answer the code",
    )
    browser.wait_until(lambda b: b.find_all(".errorlist li"), "no error for the wrong code")


def test_the_sign_in_pages_fit_and_read_well(site, browser, width, language):
    tag = f"{language}-{width}"
    browser.open(REQUEST_URL)
    shoot(browser, f"1-request-{tag}", width)
    assert_laid_out(browser, width)

    browser.find("input[name=phone]").send_keys("12345")
    browser.find("form.tencent-sms-form button[type=submit]").click()
    browser.wait_until(lambda b: b.find_all(".errorlist li"), "no error for a bad number")
    shoot(browser, f"2-request-error-{tag}", width)
    assert_laid_out(browser, width)

    browser.find("input[name=phone]").clear()
    ask(browser, "138 1234 5678")
    assert browser.find(".tencent-sms-countdown").is_displayed()
    shoot(browser, f"3-verify-{tag}", width)
    assert_laid_out(browser, width)

    code = site.messages[-1].params[0]
    wrong = "000000" if code != "000000" else "111111"
    wrong_try(browser, wrong)
    assert browser.find("input[name=code]").is_enabled()
    shoot(browser, f"4-verify-wrong-{tag}", width)
    assert_laid_out(browser, width)


def test_a_dead_code_disables_the_field_and_asks_again_at_once(site, browser, width, language):
    tag = f"{language}-{width}"
    browser.open(REQUEST_URL)
    ask(browser, "138 1234 5678")
    code = site.messages[-1].params[0]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        wrong_try(browser, wrong)
    field = browser.find("input[name=code]")
    assert not field.is_enabled() and field.get_attribute("value") == ""
    assert not browser.find("form.tencent-sms-form button[type=submit]").is_enabled()
    assert not browser.find_all(".tencent-sms-countdown")
    shoot(browser, f"5-verify-dead-{tag}", width)
    assert_laid_out(browser, width)

    browser.find("a.tencent-sms-primary").click()
    browser.wait_until(
        lambda b: b.path.startswith(REQUEST_URL) and not b.path.startswith(VERIFY_URL),
        "no way to a new code",
    )
    browser.find("form.tencent-sms-form button[type=submit]").click()  # the number is kept
    browser.wait_until(lambda b: b.path.startswith(VERIFY_URL), "no new code at once")
    assert browser.find("input[name=code]").is_enabled()
    assert len(site.messages) == 2


def test_no_account_offers_sign_up(site, browser, width, language):
    tag = f"{language}-{width}"
    browser.open(REQUEST_URL)
    ask(browser, NO_ACCOUNT)
    browser.find("input[name=code]").send_keys(site.messages[-1].params[0])
    browser.find("form.tencent-sms-form button[type=submit]").click()
    link = browser.wait_until(lambda b: b.find_all(".tencent-sms-signup a"), "no sign-up link")[0]
    assert link.is_displayed() and link.get_attribute("href").endswith("/signup/")
    shoot(browser, f"6-no-account-{tag}", width)
    assert_laid_out(browser, width)
