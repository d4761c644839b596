"""The example site's sign-in and sign-up pages in headless Chromium at 390 and 1280 px, in
English and Chinese, as ``dev.py demo`` runs it (``test_example_browser.py``'s site): nothing
scrolls sideways, the font is a sans-serif system one, the words are the language's, a dead
code's page offers a new code at once, and "no account" leads to sign-up. Each page is saved as
``example-signin-<page>-<lang>-<width>.png``."""

# ruff: noqa: F811 - the fixtures imported from test_example_browser are parameters here

from __future__ import annotations

import pytest

from tests.browser import viewport
from tests.otp.test_signin_browser import LANGUAGES, WIDTHS, shoot, wrong_try
from tests.test_example_browser import (  # noqa: F401 - fixtures
    DEMO_PHONE,
    ask_for_code,
    at,
    enter_code,
    example_site,
    loaded,
    page,
)

#: Words of each language the sign-in page shows (the app's and the site's).
WORDS = {
    "en": ("Sign in with your phone number", "Home", "Send code"),
    "zh-hans": ("使用手机号登录", "首页", "发送验证码"),
}


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def width(request, page):
    with viewport(page, request.param):
        yield request.param


@pytest.fixture(params=LANGUAGES)
def language(request, page):
    page.set_language(request.param)
    return request.param


def laid_out(page, width: int) -> None:
    overflow = page.js("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.path} scrolls sideways by {overflow} px"
    family = page.js("return getComputedStyle(document.body).fontFamily")
    assert family.split(",")[0].strip().strip("\"'").lower() not in {"serif", "times"}, family
    assert "sans-serif" in family, family
    section = page.js(
        "return (document.querySelector('section.tencent-sms') || document.querySelector('main'))"
        ".getBoundingClientRect().toJSON()"
    )
    for control in page.find_all(
        "main input:not([type=hidden]), main button, main a.tencent-sms-primary"
    ):
        box = page.js("return arguments[0].getBoundingClientRect().toJSON()", control)
        # Inside the page and inside its box: nothing sticks out on a phone.
        assert 0 <= section["left"] <= box["left"], (control.get_attribute("outerHTML"), box)
        assert box["right"] <= section["right"] <= width, (control.get_attribute("outerHTML"), box)


def test_the_sign_in_pages(page, example_site, width, language):
    tag = f"{language}-{width}"
    page.open("/phone/login/")
    for word in WORDS[language]:
        assert word in page.text, (word, page.text)
    shoot(page, f"example-1-request-{tag}", width)
    laid_out(page, width)

    phone = f"+86139{WIDTHS.index(width)}{LANGUAGES.index(language)}000001"
    ask_for_code(page, phone)
    assert at(page, "/phone/login/verify/")
    shoot(page, f"example-2-verify-{tag}", width)
    laid_out(page, width)

    for _ in range(5):
        wrong_try(page, "000000")  # no account uses the number: every code is wrong
    assert not page.find("input[name=code]").is_enabled()
    assert not page.find_all(".tencent-sms-countdown")
    shoot(page, f"example-3-verify-dead-{tag}", width)
    laid_out(page, width)

    page.find(".tencent-sms-new-code a").click()
    page.wait_until(lambda p: at(p, "/phone/login/"), "no way to a new code")
    ask_for_code(page, phone)
    assert at(page, "/phone/login/verify/"), page.text  # at once: the dead code holds no wait


def test_the_sign_up_pages(page, example_site, width, language):
    tag = f"{language}-{width}"
    page.open("/accounts/signup/")
    assert ("使用手机号注册账号" if language == "zh-hans" else "Create an account") in page.text
    shoot(page, f"example-4-signup-{tag}", width)
    laid_out(page, width)
    phone = f"+86137{WIDTHS.index(width)}{LANGUAGES.index(language)}000002"
    ask_for_code(page, phone)
    assert at(page, "/accounts/signup/verify/")
    shoot(page, f"example-5-signup-verify-{tag}", width)
    laid_out(page, width)
    enter_code(page, example_site.code_sent_to(phone))
    page.wait_until(lambda p: at(p, "/accounts/signup/finish/"), "no last step")
    shoot(page, f"example-6-signup-finish-{tag}", width)
    laid_out(page, width)
