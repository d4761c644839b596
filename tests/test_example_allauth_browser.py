"""The example's django-allauth variant (``DEMO_AUTH=allauth``) in headless Chromium: phone
sign-up and login by code on allauth's pages, the codes read from the emulator, and a landline
refused on the form.

It runs as ``DEMO_AUTH=allauth python3 dev.py demo`` runs it (``example_project.settings_allauth``,
a fresh database, the emulator, runserver). Screenshots: ``example-allauth-*.png``.
"""

from __future__ import annotations

import pytest

from tests.browser import browser_page
from tests.test_example_browser import DEMO_PHONE, at, example_running, loaded

NEW_PHONE = "+8613700137000"


@pytest.fixture(scope="module")
def allauth_site(browser_driver, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("example-allauth")
    with example_running(tmp, "example_project.settings_allauth") as site:
        yield site


@pytest.fixture
def page(request, browser_driver, artifacts_dir, allauth_site):
    yield from browser_page(request, browser_driver, allauth_site.url, artifacts_dir)


def submit(page, field: str, value: str) -> None:
    """Type ``value`` into the main form's ``field`` and send it; wait for the next page."""
    start = page.path
    page.find(f"main form input[name={field}]").clear()
    page.find(f"main form input[name={field}]").send_keys(value)
    page.find("main form button[type=submit]").click()
    page.wait_until(
        lambda p: loaded(p) and (p.path != start or p.find_all(".errorlist")),
        f"no answer to the {field}",
    )


def test_sign_up_with_a_phone_number_and_the_code_from_the_emulator(page, allauth_site):
    page.open("/")
    page.find("main a[href='/accounts/signup/']").click()
    page.wait_until(lambda p: at(p, "/accounts/signup/"), "the sign-up link did not lead there")
    page.screenshot("example-allauth-signup-1-form")

    submit(page, "phone", NEW_PHONE)
    assert page.path == "/accounts/phone/verify/"
    assert f"A verification code has been sent to {NEW_PHONE}." in page.text
    page.screenshot("example-allauth-signup-2-code-sent")

    code = allauth_site.code_sent_to(NEW_PHONE)
    assert code.isdigit() and len(code) == 6  # ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT
    [message] = allauth_site.messages(NEW_PHONE)
    assert message["text"].startswith("【腾讯云】您的验证码为")  # the site's OTP template
    submit(page, "code", code)
    page.wait_until(lambda p: at(p, "/"), "not sent home after the right code")
    assert page.text_of("header .user").startswith("Signed in as")
    assert "+86 137 0013 7000" in page.text_of("header .user")
    page.screenshot("example-allauth-signup-3-signed-in")


def test_login_by_code(page, allauth_site):
    page.open("/")
    page.find("main a[href='/accounts/login/code/']").click()
    page.wait_until(lambda p: at(p, "/accounts/login/code/"), "no login-by-code page")
    submit(page, "phone", DEMO_PHONE)
    assert page.path == "/accounts/login/code/confirm/"
    page.screenshot("example-allauth-login-1-code-sent")
    submit(page, "code", allauth_site.code_sent_to(DEMO_PHONE))
    page.wait_until(lambda p: at(p, "/"), "not sent home after the right code")
    assert page.text_of("header .user").startswith("Signed in as admin (+86 138 0013 8000)")
    page.screenshot("example-allauth-login-2-signed-in")


def test_a_landline_is_refused_on_the_sign_up_form(page, allauth_site):
    landline = "+861065529988"
    page.open("/accounts/signup/")
    submit(page, "phone", landline)
    assert page.path == "/accounts/signup/"
    assert "is a landline number and cannot receive SMS." in page.text_of(".errorlist")
    assert allauth_site.messages(landline) == []
    page.screenshot("example-allauth-signup-landline")
