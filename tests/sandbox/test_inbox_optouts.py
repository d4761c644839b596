"""The demo's path: a tester replies 退订 from the emulator's inbox, and the live site stops
sending marketing messages to that number. Real sockets throughout."""

from __future__ import annotations

import socket
from html.parser import HTMLParser

import pytest
import requests
from django.urls import reverse

from django_tencent_sms import send_sms
from django_tencent_sms.account.optouts import is_opted_out
from django_tencent_sms.exceptions import OptedOut
from django_tencent_sms.models import SmsOptOut, SmsTemplate
from tests.waiting import wait_until

TOKEN = "demo-callback-token-0123456789"
PHONE = "+8613711112222"


class Forms(HTMLParser):
    """The POST forms of a page: action and fields."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("method") == "post":
            self.forms.append({"action": attributes["action"], "fields": {}})
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""


@pytest.fixture
def site(live_server, settings, transactional_db, sandbox):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CALLBACK_TOKEN": TOKEN}
    url = reverse("tencent_sms_callbacks:reply", kwargs={"token": TOKEN})
    sandbox.reply_callback_url = live_server.url + url
    return sandbox


def inbox(sandbox, phone: str) -> str:
    response = requests.get(f"{sandbox.cloud_endpoint}/_sandbox/inbox", {"phone": phone}, timeout=5)
    assert response.status_code == 200
    return response.text


def test_replying_from_the_inbox_opts_the_number_out(site):
    sandbox = site
    promo = SmsTemplate.objects.create(name="promo", tpl_id=9, text="大促{1}折", type="marketing")
    send_sms(PHONE, promo, ["5"])
    page = inbox(sandbox, "137 1111 2222")
    (reply_form,) = [f for f in Forms(page).forms if "/inbox/reply" in f["action"]]
    assert reply_form["fields"]["text"] == "退订"  # filled in: one click in the demo

    response = requests.post(
        sandbox.cloud_endpoint + reply_form["action"],
        data=reply_form["fields"],
        headers={"Origin": sandbox.cloud_endpoint},  # as the browser sends it
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/_sandbox/inbox?phone=137+1111+2222"
    assert wait_until(lambda: SmsOptOut.objects.exists())
    assert is_opted_out(PHONE) and SmsOptOut.objects.get().source == "reply"
    assert wait_until(lambda: "accepted" in inbox(sandbox, PHONE))
    assert "<q>退订</q>" in inbox(sandbox, PHONE)

    with pytest.raises(OptedOut):
        send_sms(PHONE, promo, ["5"])
    assert len(sandbox.messages) == 1


def test_a_reply_waiting_for_a_pull_says_so(sandbox):
    requests.post(
        f"{sandbox.cloud_endpoint}/_sandbox/inbox/reply",
        data={"phone": PHONE, "text": "TD"},
        timeout=5,
    )
    assert "<q>TD</q>: waiting for the site to pull it" in inbox(sandbox, PHONE)


@pytest.mark.parametrize(
    "data",
    [
        {"phone": PHONE},
        {"phone": PHONE, "text": "  "},
        {"text": "退订"},
        {"phone": "not a number", "text": "退订"},
        {"phone": "123", "text": "退订"},
        {"phone": PHONE, "text": "x" * 1001},
    ],
)
def test_a_bad_reply_form_is_refused(sandbox, data):
    response = requests.post(f"{sandbox.cloud_endpoint}/_sandbox/inbox/reply", data=data, timeout=5)
    assert response.status_code == 400 and "error" in response.json()
    assert sandbox.pending_replies == []


def test_a_body_that_is_no_form_is_refused(sandbox):
    url = f"{sandbox.cloud_endpoint}/_sandbox/inbox/reply"
    assert requests.post(url, data=b"\xff\xfe", timeout=5).status_code == 400
    assert requests.get(url, timeout=5).status_code == 405
    assert sandbox.pending_replies == []


def test_another_site_cannot_reply_as_a_number(sandbox):
    response = requests.post(
        f"{sandbox.cloud_endpoint}/_sandbox/inbox/reply",
        data={"phone": PHONE, "text": "退订"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        timeout=5,
    )
    assert response.status_code == 403 and sandbox.pending_replies == []


def test_the_reply_form_escapes_what_was_typed(sandbox):
    typed = '"><script>alert(1)</script>13711112222'
    page = inbox(sandbox, typed)
    assert "<script>alert(1)" not in page
    (reply_form,) = [f for f in Forms(page).forms if "/inbox/reply" in f["action"]]
    assert reply_form["fields"]["phone"] == typed


def test_a_reply_the_site_did_not_take_says_so(sandbox):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    sandbox.reply_callback_url = f"http://127.0.0.1:{closed}/sms/callbacks/reply/x/"
    sandbox.reply(PHONE, "退订")
    assert wait_until(lambda: sandbox.pushes)
    assert "<q>退订</q>: pushed to the site: no answer" in inbox(sandbox, PHONE)


def test_a_reply_the_site_refused_says_so(live_server, transactional_db, sandbox):
    url = reverse("tencent_sms_callbacks:reply", kwargs={"token": "wrong-token-0123456789"})
    sandbox.reply_callback_url = live_server.url + url
    sandbox.reply(PHONE, "退订")
    assert wait_until(lambda: sandbox.pushes)
    assert "pushed to the site: refused, HTTP 403" in inbox(sandbox, PHONE)
    assert not SmsOptOut.objects.exists()
