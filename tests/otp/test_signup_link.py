"""``OTP["SIGNUP_URL"]``: "No account can be found" links to the site's sign-up page, only ever
one of this site, and W090 when the setting names none."""

import re

import pytest
from django.core import checks

from django_tencent_sms.otp.signup_link import check_signup_url
from tests.helpers import PHONE, last_code, wrong
from tests.otp import flows
from tests.otp.flows import VERIFY_URL, request_code, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    flows.mount(settings)


@pytest.fixture
def otp_defaults(otp_defaults):
    # Codes go to every number (flows.with_user_lookup): a right code can find no account.
    return flows.with_user_lookup(otp_defaults)


def no_account_page(client, sms_outbox):
    request_code(client)
    return client.post(VERIFY_URL, {"phone": PHONE, "code": last_code(sms_outbox)})


def signup_links(response):
    return re.findall(
        r'<p class="tencent-sms-signup"><a href="([^"]*)" class="tencent-sms-primary">',
        response.content.decode(),
    )


@pytest.mark.parametrize(
    ("setting", "link"), [("signup", "/signup/"), ("/join/?from=code", "/join/?from=code")]
)
def test_no_account_links_to_the_sign_up_page(client, setup, conf, sms_outbox, setting, link):
    conf(**flows.with_user_lookup({"TEMPLATE": "login-code"}), SIGNUP_URL=setting)
    response = no_account_page(client, sms_outbox)
    assert "No account can be found for this phone number." in text(response)
    assert signup_links(response) == [link]
    assert "No account yet? Create one" in text(response)
    # The code was used up by the right answer: nothing left to type.
    assert re.search(r'<input type="text" name="code"[^>]*disabled', response.content.decode())


def test_without_the_setting_there_is_no_link(client, setup, sms_outbox):
    response = no_account_page(client, sms_outbox)
    assert "No account can be found" in text(response)
    assert signup_links(response) == []


@pytest.mark.parametrize(
    "setting",
    [
        "https://evil.example/signup/",
        "//evil.example/signup/",
        "javascript:alert(1)",
        "no-such-url-name",
        "/join/\x00",
        "/\\evil.example",
        "/" + "a" * 3000,
        "   ",
    ],
)
def test_a_link_off_this_site_or_unusable_is_never_shown(client, setup, conf, sms_outbox, setting):
    conf(**flows.with_user_lookup({"TEMPLATE": "login-code"}), SIGNUP_URL=setting)
    response = no_account_page(client, sms_outbox)
    assert response.status_code == 200
    assert signup_links(response) == []
    (warning,) = check_signup_url()
    assert warning.id == "tencent_sms.W090" and isinstance(warning, checks.Warning)


def test_the_link_is_only_for_no_account(client, setup, conf, alice, sms_outbox):
    conf(**flows.with_user_lookup({"TEMPLATE": "login-code"}), SIGNUP_URL="signup")
    request_code(client)
    response = client.post(VERIFY_URL, {"phone": PHONE, "code": wrong(last_code(sms_outbox))})
    assert "The code is not correct." in text(response)
    assert signup_links(response) == []


def test_the_check_is_quiet_for_a_usable_setting_or_none(conf):
    assert check_signup_url() == []
    conf(SIGNUP_URL="signup")
    assert check_signup_url() == []
    conf(SIGNUP_URL="/join/")
    assert check_signup_url() == []


def test_a_setting_of_the_wrong_type_is_a_configuration_problem(conf):
    from django_tencent_sms.otp.conf import merged_otp_settings, otp_settings_problems

    conf(SIGNUP_URL=["signup"])
    assert any("SIGNUP_URL" in p for p in otp_settings_problems(merged_otp_settings()))
