"""A code killed by wrong tries: the cooldown lets its number ask again at once, while the
per-number and per-IP caps and the daily budget still count every code sent; the pages, the
JSON endpoints and their answers agree."""

import re

import pytest
from django.test import RequestFactory

from django_tencent_sms.exceptions import CodeRequestRefused
from django_tencent_sms.otp import check_code, send_code
from tests.helpers import PHONE, last_code, wrong
from tests.otp import flows
from tests.otp.flows import API_REQUEST, API_VERIFY, VERIFY_URL, post_json, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_query_path")]

OTHER = "+8613912345678"


@pytest.fixture(autouse=True)
def site(settings):
    flows.mount(settings)


@pytest.fixture
def otp_defaults(otp_defaults):
    return flows.with_user_lookup(otp_defaults)


def from_ip(ip="203.0.113.7"):
    return RequestFactory().post("/", REMOTE_ADDR=ip)


def kill(code, phone=PHONE, tries=5):
    """Spend every try of the number's code with wrong guesses."""
    for _ in range(tries):
        check_code(phone, wrong(code))


def refusal(phone=PHONE, **kwargs):
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(phone, **kwargs)
    return refused.value


# The service ---------------------------------------------------------------------------------


def test_a_code_killed_by_wrong_tries_lets_its_number_ask_again_at_once(setup, sms_outbox):
    send_code(PHONE)
    kill(last_code(sms_outbox))
    assert check_code(PHONE, last_code(sms_outbox)).reason.value == "too_many_attempts"
    send_code(PHONE)  # no cooldown: the dead code could never be used
    assert len(sms_outbox) == 2
    assert check_code(PHONE, last_code(sms_outbox)).ok


def test_a_code_with_tries_left_still_holds_the_cooldown(setup, sms_outbox):
    send_code(PHONE)
    kill(last_code(sms_outbox), tries=4)  # one try left: it can still be used
    setup.advance(20)
    refused = refusal()
    assert refused.code == "cooldown" and refused.retry_after == 40
    assert len(sms_outbox) == 1


def test_a_used_code_no_longer_holds_the_cooldown(setup, sms_outbox):
    send_code(PHONE)
    assert check_code(PHONE, last_code(sms_outbox)).ok
    send_code(PHONE)
    assert len(sms_outbox) == 2


def test_killing_codes_never_gets_more_sms_than_the_per_number_cap(setup, conf, sms_outbox):
    conf(PHONE_HOURLY_LIMIT=3, PHONE_DAILY_LIMIT=10)
    for _ in range(3):
        send_code(PHONE)
        kill(last_code(sms_outbox))
    refused = refusal()
    assert refused.code == "phone_hourly_limit"
    assert len(sms_outbox) == 3
    setup.advance(hours=1, seconds=1)  # the hour has room again: one more
    send_code(PHONE)
    assert len(sms_outbox) == 4


def test_killing_codes_never_gets_more_sms_than_the_daily_cap(setup, conf, sms_outbox):
    conf(PHONE_HOURLY_LIMIT=None, PHONE_DAILY_LIMIT=4)
    for _ in range(4):
        send_code(PHONE)
        kill(last_code(sms_outbox))
    assert refusal().code == "phone_daily_limit"
    assert len(sms_outbox) == 4


def test_killing_codes_never_gets_more_sms_than_the_ip_cap(setup, conf, sms_outbox):
    conf(IP_HOURLY_LIMIT=2)
    send_code(PHONE, request=from_ip())
    kill(last_code(sms_outbox))
    send_code(PHONE, request=from_ip())
    kill(last_code(sms_outbox))
    assert refusal(request=from_ip()).code == "ip_hourly_limit"
    assert refusal(OTHER, request=from_ip()).code == "ip_hourly_limit"
    assert len(sms_outbox) == 2


def test_killed_codes_count_against_the_daily_budget(setup, conf, sms_outbox):
    conf(DAILY_LIMIT=2)
    for _ in range(2):
        send_code(PHONE)
        kill(last_code(sms_outbox))
    assert refusal().code == "daily_limit"
    assert refusal(OTHER).code == "daily_limit"
    assert len(sms_outbox) == 2


def test_a_withheld_code_killed_by_wrong_tries_behaves_as_a_sent_one(setup, conf, sms_outbox):
    # No account uses the number: no SMS, but the same answers as for a registered number.
    conf(ACCOUNT_PURPOSES=("login",))
    send_code(OTHER)
    kill("123456", phone=OTHER)
    send_code(OTHER)
    assert sms_outbox == []


# The pages -----------------------------------------------------------------------------------


def code_input(html):
    return re.search(r'<input type="text" name="code"[^>]*>', html).group(0)


def spend_on_the_page(client, code, tries=5):
    response = None
    for _ in range(tries):
        response = client.post(VERIFY_URL, {"phone": PHONE, "code": wrong(code)})
    return response


def test_after_the_last_wrong_try_the_page_says_so_and_asks_again_at_once(
    client, setup, sms_outbox
):
    flows.request_code(client)
    code = last_code(sms_outbox)
    response = spend_on_the_page(client, code, tries=4)
    assert "1 more try is allowed" in text(response)
    assert "disabled" not in code_input(response.content.decode())

    response = spend_on_the_page(client, code, tries=1)
    html = response.content.decode()
    assert "The code is not correct. No tries are left: request a new code." in text(response)
    field = code_input(html)
    assert "disabled" in field and "value=" not in field  # empty: the wrong guess is gone
    assert re.search(r'<button type="submit" disabled>Sign in</button>', html)
    assert flows.countdown(response) is None  # no waiting for a dead code
    assert 'class="tencent-sms-primary">Ask for a new code</a>' in html

    # Reloaded, the page still says so.
    page = client.get(VERIFY_URL)
    assert "This code can no longer be used. You can ask for a new one now." in text(page)
    assert "disabled" in code_input(page.content.decode())

    # And a new code is sent at once, whose page is a fresh one.
    response = flows.request_code(client)
    assert response.status_code == 302 and len(sms_outbox) == 2
    page = client.get(VERIFY_URL)
    assert "disabled" not in code_input(page.content.decode())
    assert 55 <= flows.countdown(page) <= 60


def test_a_wrong_try_with_tries_left_keeps_the_countdown(client, setup, sms_outbox):
    flows.request_code(client)
    response = spend_on_the_page(client, last_code(sms_outbox), tries=1)
    assert flows.countdown(response) == 60
    assert flows.request_code(client).status_code == 200  # refused: the cooldown
    assert len(sms_outbox) == 1


def test_an_expired_code_lets_the_page_ask_again(client, setup, conf, sms_outbox):
    conf(TTL=30)
    flows.request_code(client)
    setup.advance(31)
    response = client.post(VERIFY_URL, {"phone": PHONE, "code": last_code(sms_outbox)})
    assert "The code has expired." in text(response)
    assert "disabled" in code_input(response.content.decode())
    assert flows.countdown(response) is None
    assert flows.request_code(client).status_code == 302 and len(sms_outbox) == 2


# The JSON endpoints --------------------------------------------------------------------------


def test_the_json_endpoints_give_the_same_answers(client, setup, sms_outbox):
    assert post_json(client, API_REQUEST, {"phone": PHONE}).status_code == 200
    code = last_code(sms_outbox)
    for _ in range(5):
        answer = post_json(client, API_VERIFY, {"phone": PHONE, "code": wrong(code)})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "wrong"
    assert answer.json()["error"]["attempts_left"] == 0
    answer = post_json(client, API_REQUEST, {"phone": PHONE})
    assert answer.status_code == 200 and len(sms_outbox) == 2
    # One wrong try is not enough to skip the cooldown.
    post_json(client, API_VERIFY, {"phone": PHONE, "code": wrong(last_code(sms_outbox))})
    answer = post_json(client, API_REQUEST, {"phone": PHONE})
    assert answer.status_code == 429 and answer.json()["error"]["code"] == "cooldown"


def test_the_json_endpoints_keep_the_per_number_cap(client, setup, conf, sms_outbox):
    conf(PHONE_HOURLY_LIMIT=2)
    for _ in range(2):
        assert post_json(client, API_REQUEST, {"phone": PHONE}).status_code == 200
        for _ in range(5):
            post_json(client, API_VERIFY, {"phone": PHONE, "code": wrong(last_code(sms_outbox))})
    answer = post_json(client, API_REQUEST, {"phone": PHONE})
    assert answer.status_code == 429
    assert answer.json()["error"]["code"] == "phone_hourly_limit"
    assert len(sms_outbox) == 2
