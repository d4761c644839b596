"""A challenge before codes (``OTP["CHALLENGE"]``): Tencent Captcha, checked by the emulator
over a real socket, through the JSON endpoint, the pages and ``send_code``."""

import json
import logging
import uuid

import pytest
from django.test import Client
from django.utils import translation

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import CodeRequestRefused
from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import send_code
from django_tencent_sms.otp.captcha import TJCAPTCHA_URL
from django_tencent_sms.sandbox.captcha import (
    SANDBOX_CAPTCHA_APP_ID,
    SANDBOX_CAPTCHA_APP_SECRET_KEY,
    SANDBOX_RANDSTR,
    SANDBOX_TICKET,
)
from tests.helpers import PHONE
from tests.otp import flows
from tests.otp.flows import API_REQUEST, REQUEST_URL, VERIFY_URL, post_json

pytestmark = pytest.mark.django_db

CAPTCHA = "django_tencent_sms.otp.captcha.verify"


@pytest.fixture(autouse=True)
def site(settings):
    flows.mount(settings)


@pytest.fixture
def otp_defaults(otp_defaults):
    return flows.with_user_lookup(otp_defaults)


@pytest.fixture
def captcha(sms_sandbox_cloud, setup, conf):
    """Codes behind Tencent Captcha, both served by the emulator; returns a ``conf`` that
    keeps the captcha's settings."""

    def apply(**overrides):
        conf(
            **{
                "CHALLENGE": CAPTCHA,
                "CAPTCHA_APP_ID": SANDBOX_CAPTCHA_APP_ID,
                "CAPTCHA_APP_SECRET_KEY": SANDBOX_CAPTCHA_APP_SECRET_KEY,
                "CAPTCHA_ENDPOINT": sms_sandbox_cloud.cloud_endpoint,
                **overrides,
            }
        )

    apply()
    return apply


def ticket():
    return f"{SANDBOX_TICKET}-{uuid.uuid4().hex}"


def solved(**extra):
    return {"ticket": ticket(), "randstr": SANDBOX_RANDSTR, **extra}


def actions(sandbox):
    return [r.endpoint for r in sandbox.requests]


def error(response):
    return response.status_code, response.json()["error"]["code"]


# The JSON endpoint ---------------------------------------------------------------------------


def test_a_solved_captcha_lets_the_code_go(captcha, sms_sandbox_cloud):
    answer = solved()
    response = post_json(Client(REMOTE_ADDR="203.0.113.5"), API_REQUEST, {"phone": PHONE, **answer})
    assert response.status_code == 200
    assert actions(sms_sandbox_cloud) == ["DescribeCaptchaResult", "SendSms"]
    asked = sms_sandbox_cloud.requests[0].json
    assert asked == {
        "CaptchaType": 9,
        "Ticket": answer["ticket"],
        "UserIp": "203.0.113.5",
        "Randstr": SANDBOX_RANDSTR,
        "CaptchaAppId": SANDBOX_CAPTCHA_APP_ID,
        "AppSecretKey": SANDBOX_CAPTCHA_APP_SECRET_KEY,
    }


def test_no_captcha_no_code(captcha, sms_sandbox_cloud):
    response = post_json(Client(), API_REQUEST, {"phone": PHONE})
    assert error(response) == (403, "challenge_required")
    assert response.json()["error"]["message"] == (
        "Please complete the security check, then ask for the code again."
    )
    assert sms_sandbox_cloud.requests == []  # nothing to ask Tencent about, nothing sent
    assert not VerificationCode.objects.exists()


def test_a_replayed_ticket_fails(captcha, sms_sandbox_cloud, conf):
    captcha(RESEND_INTERVAL=0)
    answer = solved()
    assert post_json(Client(), API_REQUEST, {"phone": PHONE, **answer}).status_code == 200
    again = post_json(Client(), API_REQUEST, {"phone": "+8613912345678", **answer})
    assert error(again) == (403, "challenge_required")
    assert actions(sms_sandbox_cloud).count("SendSms") == 1


@pytest.mark.parametrize(
    "answer",
    [
        {"ticket": "forged", "randstr": SANDBOX_RANDSTR},  # Tencent: 15
        {"ticket": SANDBOX_TICKET + "-x", "randstr": "other"},  # Tencent: 7
        {"ticket": "", "randstr": ""},
        {"ticket": SANDBOX_TICKET + "x" * 3000, "randstr": SANDBOX_RANDSTR},  # too long
        {"ticket": SANDBOX_TICKET + "\x00", "randstr": SANDBOX_RANDSTR},
        {"ticket": SANDBOX_TICKET + "票", "randstr": SANDBOX_RANDSTR},
        {"ticket": SANDBOX_TICKET + " x", "randstr": SANDBOX_RANDSTR},
        {"randstr": SANDBOX_RANDSTR},
    ],
)
def test_bad_answers_are_refused(captcha, sms_sandbox_cloud, answer):
    response = post_json(Client(), API_REQUEST, {"phone": PHONE, **answer})
    assert error(response) == (403, "challenge_required")
    assert "SendSms" not in actions(sms_sandbox_cloud)


@pytest.mark.parametrize("value", [42, ["t"], {"t": 1}, True])
def test_answers_that_are_no_text_are_invalid(captcha, sms_sandbox_cloud, value):
    response = post_json(Client(), API_REQUEST, {"phone": PHONE, "ticket": value, "randstr": "r"})
    assert error(response) == (400, "invalid")
    assert sms_sandbox_cloud.requests == []


def test_a_huge_body_is_refused_unread(captcha, sms_sandbox_cloud):
    body = json.dumps({"phone": PHONE, "ticket": "t" * 10_000, "randstr": "r"})
    assert error(post_json(Client(), API_REQUEST, body)) == (413, "too_large")
    assert sms_sandbox_cloud.requests == []


def test_a_ticket_of_tencent_size_fits_the_body(captcha, sms_sandbox_cloud):
    answer = solved(ticket=SANDBOX_TICKET + "t" * 2000)
    assert post_json(Client(), API_REQUEST, {"phone": PHONE, **answer}).status_code == 200


def test_failed_challenges_count_as_refusals(captcha, conf):
    captcha(IP_REFUSAL_LIMIT=2)
    client = Client()
    for _ in range(2):
        post_json(client, API_REQUEST, {"phone": PHONE, "ticket": "forged", "randstr": "r"})
    response = post_json(client, API_REQUEST, {"phone": PHONE, **solved()})
    assert error(response) == (429, "too_many_refusals")


# Failing closed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault", [{"kind": "http_error", "status": 502}, {"kind": "not_json"}, {"kind": "drop"}]
)
def test_captcha_unreachable_refuses_clearly(captcha, sms_sandbox_cloud, fault, caplog):
    sms_sandbox_cloud.fail_next(**fault)
    with caplog.at_level(logging.INFO, logger="django_tencent_sms"):
        response = post_json(Client(), API_REQUEST, {"phone": PHONE, **solved()})
    assert error(response) == (503, "challenge_unavailable")
    assert "SendSms" not in actions(sms_sandbox_cloud)
    assert "Tencent Captcha" in caplog.text
    assert SANDBOX_CAPTCHA_APP_SECRET_KEY not in caplog.text


def test_a_closed_port_refuses_clearly(captcha, conf):
    captcha(CAPTCHA_ENDPOINT="http://127.0.0.1:9")
    response = post_json(Client(), API_REQUEST, {"phone": PHONE, **solved()})
    assert error(response) == (503, "challenge_unavailable")


def test_a_wrong_api_key_refuses_clearly(captcha, settings, caplog):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "SECRET_KEY": "not-the-key"}
    response = post_json(Client(), API_REQUEST, {"phone": PHONE, **solved()})
    assert error(response) == (503, "challenge_unavailable")
    assert "AuthFailure.SignatureFailure" in caplog.text and "not-the-key" not in caplog.text


def test_a_wrong_app_secret_key_fails_the_challenge(captcha, sms_sandbox_cloud, caplog):
    captcha(CAPTCHA_APP_SECRET_KEY="wrong-secret")
    with caplog.at_level(logging.INFO, logger="django_tencent_sms"):
        response = post_json(Client(), API_REQUEST, {"phone": PHONE, **solved()})
    assert error(response) == (403, "challenge_required")
    assert "CaptchaCode 100" in caplog.text and "wrong-secret" not in caplog.text


def broken_verifier(request, phone, purpose):
    raise RuntimeError("a bug in the site's verifier")


def truthy_verifier(request, phone, purpose):
    return "yes"


def test_a_verifier_that_raises_refuses_and_never_500s(setup, conf):
    conf(CHALLENGE="tests.otp.test_challenge.broken_verifier")
    response = post_json(Client(), API_REQUEST, {"phone": PHONE})
    assert error(response) == (503, "challenge_unavailable")


def test_only_true_passes(setup, conf):
    conf(CHALLENGE="tests.otp.test_challenge.truthy_verifier")
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, "signup")
    assert refused.value.code == "challenge_required"


def test_send_code_without_a_request_is_challenged_too(captcha, sms_sandbox_cloud):
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, "signup")
    assert refused.value.code == "challenge_required" and sms_sandbox_cloud.requests == []


# A soft limit: CHALLENGE_AFTER ---------------------------------------------------------------


def test_the_challenge_comes_after_the_soft_limit(captcha, sms_sandbox_cloud):
    captcha(CHALLENGE_AFTER=2, RESEND_INTERVAL=0)
    client = Client()
    for _ in range(2):
        assert post_json(client, API_REQUEST, {"phone": PHONE}).status_code == 200
    assert error(post_json(client, API_REQUEST, {"phone": PHONE})) == (403, "challenge_required")
    assert post_json(client, API_REQUEST, {"phone": PHONE, **solved()}).status_code == 200
    # From another network too: the number is past its soft limit.
    other = post_json(Client(REMOTE_ADDR="198.51.100.1"), API_REQUEST, {"phone": PHONE})
    assert error(other) == (403, "challenge_required")


def test_the_soft_limit_counts_the_network_too(captcha):
    captcha(CHALLENGE_AFTER=1)
    client = Client(REMOTE_ADDR="198.51.100.7")
    assert post_json(client, API_REQUEST, {"phone": PHONE}).status_code == 200
    response = post_json(client, API_REQUEST, {"phone": "+8613912345678"})
    assert error(response) == (403, "challenge_required")


def test_past_the_soft_limit_a_challenge_stands_in_for_the_number_caps(captcha):
    captcha(CHALLENGE_AFTER=2, PHONE_HOURLY_LIMIT=2, IP_HOURLY_LIMIT=4, RESEND_INTERVAL=0)
    for n in range(2):  # someone else spends the number's codes
        post_json(Client(REMOTE_ADDR=f"198.51.100.{n}"), API_REQUEST, {"phone": PHONE})
    owner = Client(REMOTE_ADDR="203.0.113.9")
    assert post_json(owner, API_REQUEST, {"phone": PHONE, **solved()}).status_code == 200
    assert post_json(owner, API_REQUEST, {"phone": PHONE, **solved()}).status_code == 200
    # The network's caps still hold.
    for _ in range(2):
        post_json(owner, API_REQUEST, {"phone": "+8613912345678", **solved()})
    assert error(post_json(owner, API_REQUEST, {"phone": PHONE, **solved()})) == (
        429,
        "ip_hourly_limit",
    )


def test_without_a_soft_limit_the_number_caps_stay(captcha):
    captcha(PHONE_HOURLY_LIMIT=1, RESEND_INTERVAL=0)
    client = Client()
    assert post_json(client, API_REQUEST, {"phone": PHONE, **solved()}).status_code == 200
    again = post_json(client, API_REQUEST, {"phone": PHONE, **solved()})
    assert error(again) == (429, "phone_hourly_limit")


# The pages -----------------------------------------------------------------------------------


def test_the_page_loads_the_widget_only_with_the_captcha(setup, conf, captcha):
    page = Client().get(REQUEST_URL).content.decode()
    assert f'<script src="{TJCAPTCHA_URL}"' in page and "new TencentCaptcha(" in page
    assert 'name="ticket"' in page and f'"{SANDBOX_CAPTCHA_APP_ID}"' in page
    conf()
    assert TJCAPTCHA_URL not in Client().get(REQUEST_URL).content.decode()


def test_the_page_sends_with_a_solved_captcha(captcha, sms_sandbox_cloud):
    client = Client()
    response = client.post(REQUEST_URL, {"phone": PHONE, **solved()})
    assert response.status_code == 302 and response["Location"].startswith(VERIFY_URL)
    assert actions(sms_sandbox_cloud) == ["DescribeCaptchaResult", "SendSms"]


def test_the_page_says_why_without_one(captcha, sms_sandbox_cloud):
    response = Client().post(REQUEST_URL, {"phone": PHONE})
    assert response.status_code == 200
    assert "Please complete the security check" in flows.text(response)
    assert sms_sandbox_cloud.requests == []


def test_the_page_asks_for_it_after_the_soft_limit(captcha):
    captcha(CHALLENGE_AFTER=0)
    page = Client().post(REQUEST_URL, {"phone": PHONE}).content.decode()
    assert "var needed = true;" in page
    captcha(CHALLENGE_AFTER=5)
    assert "var needed = false;" in Client().get(REQUEST_URL).content.decode()


def test_the_page_says_when_the_captcha_is_unreachable(captcha, conf):
    captcha(CAPTCHA_ENDPOINT="http://127.0.0.1:9")
    response = Client().post(REQUEST_URL, {"phone": PHONE, **solved()})
    assert response.status_code == 200
    assert "The security check is not available right now" in flows.text(response)


def test_the_secret_key_is_not_in_the_settings_repr(captcha):
    shown = repr(sms_settings)
    assert SANDBOX_CAPTCHA_APP_SECRET_KEY not in shown and "CAPTCHA_APP_SECRET_KEY" in shown


def test_the_refusals_are_translated(captcha, conf):
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, "signup")
    with translation.override("zh-hans"):
        assert str(refused.value) == "请先完成安全验证，再重新获取验证码。"
    conf(CHALLENGE="tests.otp.test_challenge.broken_verifier")
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, "signup")
    with translation.override("zh-hans"):
        assert str(refused.value) == "安全验证暂时不可用，请稍后再试。"


def test_the_emulator_speaks_the_clients_names():
    from django_tencent_sms.protocol.tc3 import captcha as client
    from django_tencent_sms.sandbox import captcha as emulator

    for name in ("CAPTCHA_ACTION", "CAPTCHA_SERVICE", "CAPTCHA_VERSION", "CAPTCHA_TYPE"):
        assert getattr(emulator, name) == getattr(client, name)
