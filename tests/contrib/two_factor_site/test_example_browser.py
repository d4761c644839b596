"""The example's django-two-factor-auth variant (``DEMO_AUTH=two_factor``) in headless Chromium:
the staff account signs in to the admin with its password and the token texted by
``TencentSmsGateway``, read from the emulator; asking again at once is refused on the page;
a new user adds a phone in two_factor's setup wizard with the texted token.

It runs as ``DEMO_AUTH=two_factor python3 dev.py demo`` runs it
(``example_project.settings_two_factor``, a fresh database, the emulator, runserver).
Screenshots: ``example-two-factor-*.png``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.browser import ROOT, browser_page
from tests.test_example_browser import DEMO_PHONE, at, example_running, loaded

pytest.importorskip("two_factor", reason="the `two-factor` extra (in `test`) is not installed")


@pytest.fixture(scope="module")
def two_factor_site(browser_driver, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("example-two-factor")
    with example_running(tmp, "example_project.settings_two_factor") as site:
        site.database = tmp / "db.sqlite3"
        yield site


@pytest.fixture
def page(request, browser_driver, artifacts_dir, two_factor_site):
    yield from browser_page(request, browser_driver, two_factor_site.url, artifacts_dir)


def next_step(page, **fields: str) -> None:
    """Fill in the wizard's ``fields`` and press Next; wait for the next page."""
    for name, value in fields.items():
        page.find(f"main form input[name='{name}']").clear()
        page.find(f"main form input[name='{name}']").send_keys(value)
    page.js("window.__step = 1")
    page.find("main form button.btn-primary").click()
    page.wait_until(lambda p: loaded(p) and p.js("return window.__step") is None, "no next page")


def sign_in(page) -> None:
    page.open("/admin/")  # not verified: sent to two_factor's login
    page.wait_until(lambda p: at(p, "/account/login/"), "the admin did not ask for a login")
    next_step(page, **{"auth-username": "admin", "auth-password": "admin"})


def new_user(site, username: str, password: str) -> None:
    """A user of the running example, with a password and no second factor yet."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_project.settings_two_factor",
        "DEMO_DATABASE": str(site.database),
        "PYTHONPATH": str(ROOT),
    }
    script = (
        "from django.contrib.auth.models import User; "
        f"User.objects.create_user({username!r}, password={password!r})"
    )
    manage = str(ROOT / "example_project" / "manage.py")
    subprocess.run([sys.executable, manage, "shell", "-c", script], env=env, check=True)


def test_staff_sign_in_to_the_admin_with_the_texted_token(page, two_factor_site):
    sign_in(page)
    assert "We sent you a text message" in page.text
    page.screenshot("example-two-factor-1-token")
    token = two_factor_site.code_sent_to(DEMO_PHONE)
    [message] = two_factor_site.messages(DEMO_PHONE)
    assert message["text"].startswith("【腾讯云】您的验证码为" + token)  # the login-code template
    next_step(page, **{"token-otp_token": token})
    page.wait_until(lambda p: at(p, "/admin/"), "not let into the admin after the token")
    assert "Site administration" in page.text
    page.screenshot("example-two-factor-2-admin")


def test_asking_for_another_token_at_once_is_refused_on_the_page(page, two_factor_site):
    sign_in(page)  # a token (or, within the minute of another test's, already refused)
    sent = len(two_factor_site.messages(DEMO_PHONE))
    sign_in(page)  # again at once: the cooldown
    shown = page.text_of(".messages")
    assert "before asking for another code." in shown, shown
    assert len(two_factor_site.messages(DEMO_PHONE)) == sent
    page.screenshot("example-two-factor-3-cooldown")


def test_a_user_adds_a_phone_in_the_setup_wizard_with_the_texted_token(page, two_factor_site):
    phone = "+8613700137001"
    new_user(two_factor_site, "carol", "carol-password")
    page.open("/account/login/")
    next_step(page, **{"auth-username": "carol", "auth-password": "carol-password"})
    page.wait_until(lambda p: at(p, "/"), "no second factor yet: not signed in at once")
    page.open("/account/two_factor/setup/")
    next_step(page)  # welcome
    page.find("main form input[name='method-method'][value='sms']").click()
    next_step(page)
    next_step(page, **{"sms-number": phone})
    assert "We sent you a text message" in page.text
    page.screenshot("example-two-factor-4-setup-token")
    next_step(page, **{"validation-token": two_factor_site.code_sent_to(phone)})
    page.wait_until(lambda p: at(p, "/account/two_factor/setup/complete/"), "setup not complete")
    page.screenshot("example-two-factor-5-setup-complete")
