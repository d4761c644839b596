"""The "call me instead" buttons of the shipped pages, and ``channel`` on the JSON endpoint.

Against the emulator over a real socket (both backends), with the pages and endpoints mounted
as ``otp.urls`` mounts them.
"""

import pytest
from django.test import Client
from django.utils import translation

from django_tencent_sms.models import VerificationCode
from tests.helpers import PHONE
from tests.otp import flows
from tests.otp.flows import API_REQUEST, REQUEST_URL, VERIFY_URL, post_json, request_code, text

pytestmark = pytest.mark.django_db

CALL_BUTTON = "Call me with the code instead"
VERIFY_CALL_BUTTON = "No SMS? Call me with the code instead"


@pytest.fixture(autouse=True)
def site(settings):
    flows.mount(settings)


@pytest.fixture
def otp_defaults(otp_defaults):
    return flows.with_user_lookup(otp_defaults)


@pytest.fixture
def voice(sandbox, setup, conf, alice):
    conf(**flows.with_user_lookup({"TEMPLATE": "login-code"}), VOICE=True)
    return sandbox


def test_the_link_shows_only_when_voice_is_available(sandbox, setup, conf, alice, client):
    assert CALL_BUTTON not in text(client.get(REQUEST_URL))
    request_code(client)
    assert VERIFY_CALL_BUTTON not in text(client.get(VERIFY_URL))
    conf(**flows.with_user_lookup({"TEMPLATE": "login-code"}), VOICE=True)
    assert CALL_BUTTON in text(client.get(REQUEST_URL))
    assert VERIFY_CALL_BUTTON in text(client.get(VERIFY_URL))


def test_call_me_instead_on_the_request_page(voice, client):
    response = request_code(client, channel="voice")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY_URL)
    (call,) = voice.calls
    assert call.mobile == PHONE[3:]
    assert VerificationCode.objects.get().channel == "voice"


def test_call_me_instead_on_the_verify_page_after_the_wait(voice, client, clock):
    request_code(client)
    response = client.post(VERIFY_URL, {"call": "1"}, follow=True)
    assert "Please wait 60 seconds before asking for another code." in text(response)
    assert voice.calls == []  # one cooldown for both channels
    clock.advance(61)
    response = client.post(VERIFY_URL, {"call": "1"}, follow=True)
    assert "We are calling your phone now" in text(response)
    (call,) = voice.calls
    code = call.params[0]
    response = client.post(VERIFY_URL, {"phone": PHONE, "code": code})
    assert response.status_code == 302 and flows.logged_in_user(client) is not None


def test_the_verify_page_calls_only_the_sessions_number(voice, client):
    response = client.post(VERIFY_URL, {"call": "1"}, follow=True)
    assert "Ask for a code first." in text(response)
    assert voice.calls == []


def test_messages_in_chinese(voice, client, clock):
    with translation.override("zh-hans"):
        request_code(client, HTTP_ACCEPT_LANGUAGE="zh-hans")
        page = text(client.get(VERIFY_URL, HTTP_ACCEPT_LANGUAGE="zh-hans"))
        assert "没收到短信？改为来电告知验证码" in page
        clock.advance(61)
        response = client.post(
            VERIFY_URL, {"call": "1"}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        assert "正在给您打电话" in text(response)


@pytest.mark.parametrize("channel", ["VOICE", "call", "", "sms ", "v" * 500])
def test_an_unknown_channel_on_the_page_is_a_form_error(voice, client, channel):
    response = request_code(client, channel=channel)
    assert response.status_code == 200
    assert "The channel must be sms or voice." in text(response)
    assert not VerificationCode.objects.exists()


# JSON -----------------------------------------------------------------------------------------


def test_the_api_sends_a_voice_code(voice):
    response = post_json(Client(), API_REQUEST, {"phone": PHONE, "channel": "voice"})
    assert response.status_code == 200 and response.json()["ok"] is True
    assert len(voice.calls) == 1


@pytest.mark.parametrize(
    ("channel", "code"),
    [
        ("VOICE", "invalid_channel"),
        ("Voice", "invalid_channel"),
        ("fax", "invalid_channel"),
        ("", "invalid_channel"),
        (["voice"], "invalid"),
        ({"a": 1}, "invalid"),
        (1, "invalid"),
        (True, "invalid"),
    ],
)
def test_the_api_refuses_any_other_channel_with_a_400(voice, channel, code):
    response = post_json(Client(), API_REQUEST, {"phone": PHONE, "channel": channel})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and error["field"] == "channel"
    assert voice.calls == [] and not VerificationCode.objects.exists()


def test_a_huge_channel_is_too_large_not_a_500(voice):
    response = post_json(Client(), API_REQUEST, {"phone": PHONE, "channel": "v" * 5000})
    assert response.status_code == 413


def test_the_api_says_when_voice_is_off(sandbox, setup, conf, alice):
    response = post_json(Client(), API_REQUEST, {"phone": PHONE, "channel": "voice"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "voice_unavailable"


def test_the_api_refuses_a_call_abroad(voice, conf):
    conf(
        **{**flows.with_user_lookup({"TEMPLATE": "login-code"}), "ACCOUNT_PURPOSES": ()}, VOICE=True
    )
    response = post_json(Client(), API_REQUEST, {"phone": "+85251234567", "channel": "voice"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "voice_region"
    assert voice.calls == []


def test_the_api_shares_the_cooldown(voice):
    client = Client()
    assert post_json(client, API_REQUEST, {"phone": PHONE}).status_code == 200
    response = post_json(client, API_REQUEST, {"phone": PHONE, "channel": "voice"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "cooldown"
