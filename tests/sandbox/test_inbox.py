"""The sandbox's inbox page, ``GET /_sandbox/inbox``, and ``GET /_sandbox/messages?phone=``.

No Django needed. Requests go over a real socket; the clock is faked and no
test sleeps. The last tests drive headless Chromium (skipped as a missing service without it).
"""

from __future__ import annotations

import io
import re
import threading
from datetime import datetime
from html.parser import HTMLParser

import pytest
import requests

from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.sandbox import Sandbox, SandboxMessage
from django_tencent_sms.sandbox.cli import serve
from django_tencent_sms.sandbox.inbox import filter_messages, render_inbox, verification_code
from tests.sandbox.helpers import sandbox_fixtures
from tests.waiting import wait_until

APP_ID = "1400000000"
KEY = "inbox-test-key"
NOW = 1_700_000_000
ALICE = "13711112222"
BOB = "13833334444"
TEMPLATES = {
    20: "您的验证码是{1}，{2}分钟内有效。",
    21: "Your code is {1}.",
    30: "{1}alert(1){2}",
    40: "Your order {1} has shipped.",
}
#: Their types in Tencent's console: only 20 and 21 are verification templates.
KINDS = {20: "verification", 21: "verification", 30: "notification", 40: "notification"}


clock, sandbox = sandbox_fixtures(
    now=NOW, sdk_app_id=APP_ID, app_key=KEY, templates=TEMPLATES, template_kinds=KINDS
)


def grouped(mobile: str) -> str:
    """A mainland mobile number as every page shows it: ``+86 137 1111 2222``."""
    return f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"


def send(
    sb: Sandbox,
    params: list[str],
    *,
    mobile: str = ALICE,
    tpl_id: int = 20,
    sign: str = "腾讯云",
    nationcode: str = "86",
) -> dict:
    now = int(sb.clock())
    body = {
        "tel": {"nationcode": nationcode, "mobile": mobile},
        "tpl_id": tpl_id,
        "params": params,
        "sign": sign,
        "sig": v5_signature(KEY, "42", now, mobiles=[mobile]),
        "time": now,
    }
    url = f"{sb.url}/sendsms?sdkappid={APP_ID}&random=42"
    answer = requests.post(url, json=body, timeout=5).json()
    assert answer["result"] == 0, answer
    return answer


def base(sb: Sandbox) -> str:
    return f"http://127.0.0.1:{sb.port}/_sandbox"


def inbox(sb: Sandbox, phone: str | None = None) -> requests.Response:
    params = {} if phone is None else {"phone": phone}
    response = requests.get(f"{base(sb)}/inbox", params=params, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return response


class Page(HTMLParser):
    """The parts of the page the tests read: rows of cells, elements by id, tags seen."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.headers: list[str] = []
        self.by_id: dict[str, str] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._cell: list[str] | None = None
        self._open_ids: list[tuple[str, str, list[str]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        if attributes.get("id"):
            self._open_ids.append((tag, attributes["id"], []))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            if tag == "th":
                self.headers.append(text)
            else:
                self.rows[-1].append(text)
            self._cell = None
        if self._open_ids and self._open_ids[-1][0] == tag:
            _, ident, parts = self._open_ids.pop()
            self.by_id[ident] = "".join(parts)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        for _, _, parts in self._open_ids:
            parts.append(data)

    @property
    def messages(self) -> list[list[str]]:
        return [row for row in self.rows if row]

    def tag(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def local(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


# The page -----------------------------------------------------------------------------------


def test_messages_newest_first_with_their_rendered_text(sandbox, clock):
    first = send(sandbox, ["111111", "5"])
    clock.now += 61
    send(sandbox, ["2222"], mobile=BOB, tpl_id=21, sign="")
    clock.now += 61
    send(sandbox, ["333333", "10"], sign="测试")

    page = Page(inbox(sandbox).text)
    assert page.headers[:3] == ["Time (时间)", "Number (手机号)", "Text (短信内容)"]
    assert "SID" in page.headers and "Fee (计费条数)" in page.headers
    assert [row[2] for row in page.messages] == [
        "【测试】您的验证码是333333，10分钟内有效。",
        "【腾讯云】Your code is 2222.",  # no sign in the request: the default one
        "【腾讯云】您的验证码是111111，5分钟内有效。",
    ]
    oldest = page.messages[-1]
    assert oldest[0] == local(NOW)
    assert page.messages[0][0] == local(NOW + 122)
    assert oldest[1] == grouped(ALICE)  # in full: a development tool, fake numbers
    assert page.messages[1][1] == grouped(BOB)
    assert oldest[3:] == ["111111, 5", "20 verification code (验证码)", first["sid"], "1"]
    assert page.tag("html")[0]["lang"] == "en"
    assert {"lang": "zh-CN", "class": "text", "data-label": "Text (短信内容)"} in page.tag("td")
    assert "<caption>3 messages, newest first" in inbox(sandbox).text
    assert not page.tag("section")  # no number filtered on: no code on top


def test_the_page_refreshes_itself(sandbox):
    response = inbox(sandbox)
    page = Page(response.text)
    assert {"http-equiv": "refresh", "content": "3"} in page.tag("meta")
    assert "visibilityState" in response.text
    # Only the page's own inline style and script may run: no 'unsafe-inline', nothing external.
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "unsafe" not in csp
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/]+=*';", csp)
    linked = [a for a in page.tag("script") + page.tag("link") if a.get("src") or a.get("href")]
    # The one link is the page's icon, inline: a browser asks for no /favicon.ico.
    assert linked == [{"rel": "icon", "href": "data:,"}] and "img-src data:;" in csp
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "typed",
    [
        ALICE,
        "137 1111 2222",
        "137-1111-2222",
        " +86 137 1111 2222 ",
        "(+86) 137-1111-2222",
        "+8613711112222",
        "008613711112222",
    ],
)
def test_filter_by_number_in_any_format(sandbox, clock, typed):
    send(sandbox, ["1001", "5"])
    clock.now += 1
    send(sandbox, ["2002", "5"], mobile=BOB)
    clock.now += 1
    send(sandbox, ["3003", "5"])

    page = Page(inbox(sandbox, typed).text)
    assert [row[3] for row in page.messages] == ["3003, 5", "1001, 5"]
    assert {row[1] for row in page.messages} == {grouped(ALICE)}
    assert {"type": "search", "id": "phone", "name": "phone", "value": typed} == {
        k: v for k, v in page.tag("input")[0].items() if k in ("type", "id", "name", "value")
    }


@pytest.mark.parametrize("typed", ["13711112223", "1371111", "8613711112222 0"])
def test_filter_matches_whole_numbers_only(sandbox, typed):
    send(sandbox, ["1001", "5"])
    text = inbox(sandbox, typed).text
    assert not Page(text).messages
    assert "No messages to" in text


def test_a_filter_without_digits_shows_everything(sandbox):
    send(sandbox, ["1001", "5"])
    send(sandbox, ["2002", "5"], mobile=BOB)
    assert len(Page(inbox(sandbox, "all of them").text).messages) == 2


def test_newest_code_for_the_number_filtered_on(sandbox, clock):
    send(sandbox, ["1111", "5"])
    clock.now += 1
    send(sandbox, ["222222", "5"])
    clock.now += 1
    send(sandbox, ["999999", "5"], mobile=BOB)  # newer, but another number

    page = Page(inbox(sandbox, "+86 137 1111 2222").text)
    assert page.by_id["code"] == "222222"
    assert page.by_id["code-title"] == "Newest code (最新验证码) for " + grouped(ALICE)
    assert {"type": "button", "id": "copy"} in page.tag("button")
    assert Page(inbox(sandbox, BOB).text).by_id["code"] == "999999"


def test_no_code_when_the_newest_message_has_none(sandbox, clock):
    send(sandbox, ["1234", "5"])
    clock.now += 1
    send(sandbox, ["none"], tpl_id=21)  # the older code is stale: not shown
    page = Page(inbox(sandbox, ALICE).text)
    assert "code" not in page.by_id
    assert page.by_id["no-code"] == "The newest message to this number has no code (4–10 digits)."


def test_a_notifications_digits_are_not_a_code(sandbox, clock):
    """ "Your order A1234 has shipped." carries no code: only verification templates do."""
    send(sandbox, ["482913", "5"])
    clock.now += 1
    send(sandbox, ["A1234"], tpl_id=40)
    page = Page(inbox(sandbox, ALICE).text)
    assert "code" not in page.by_id  # neither 1234 nor the older message's code
    assert page.by_id["no-code"] == (
        "The newest message to this number has no code: template 40 is a notification "
        "template, and only verification-code templates carry one."
    )
    assert [row[4] for row in page.messages] == [
        "40 notification (通知)",
        "20 verification code (验证码)",
    ]


def test_waiting_for_a_number_with_no_messages(sandbox):
    text = inbox(sandbox, BOB).text
    assert "Waiting for a message to this number" in text
    assert "No messages to 13833334444 yet: send one from the site" in text


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (["1234"], "1234"),
        (["Li", "code 56789", "4321"], "56789"),
        (["123", "12345678901", "0042"], "0042"),  # 3 and 11 digits are not codes
        (["abc1234567890x"], "1234567890"),
        (["２０２４", "x"], None),  # only ASCII digits
        ([], None),
    ],
)
def test_verification_code_is_the_first_run_of_4_to_10_digits(params, code):
    message = SandboxMessage(sid="s", nationcode="86", mobile=ALICE, tpl_id=1, params=params)
    assert verification_code(message, "verification") == code
    for other in ("notification", "marketing", ""):
        assert verification_code(message, other) is None
    call = SandboxMessage(sid="c", nationcode="86", mobile=ALICE, tpl_id=0, params=params,
                          channel="voice")  # fmt: skip
    assert verification_code(call) == code  # a voice-code call is one, whatever its template


def test_filter_messages_keeps_order_and_other_countries():
    uk = SandboxMessage(sid="1", nationcode="44", mobile="7700900123", tpl_id=1)
    cn = SandboxMessage(sid="2", nationcode="86", mobile=ALICE, tpl_id=1)
    assert filter_messages([uk, cn], "07700 900123") == [uk]  # with the trunk prefix
    assert filter_messages([uk, cn], "+44 7700 900123") == [uk]
    assert filter_messages([uk, cn], "") == [uk, cn]


def test_every_value_is_escaped(sandbox):
    sign = '<img src=x onerror="alert(1)">&amp;'
    send(sandbox, ["<script>", "</script>"], tpl_id=30, sign=sign)
    typed = f'"><script>alert(document.cookie)</script>{ALICE}'
    response = inbox(sandbox, typed)
    text = response.text

    assert "<script>alert" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;amp;" in text
    page = Page(text)
    assert len(page.tag("script")) == 1  # the page's own
    assert not page.tag("img")
    # As a person sees them: the text exactly as sent, the filter exactly as typed.
    assert page.messages[0][2] == f"【{sign}】<script>alert(1)</script>"
    assert page.messages[0][3] == "<script>, </script>"
    assert page.tag("input")[0]["value"] == typed
    assert page.tag("form")[1]["action"].startswith("/_sandbox/inbox/clear?phone=%22%3E%3Cscript")


def test_empty_state(sandbox):
    text = inbox(sandbox).text
    page = Page(text)
    assert "No messages yet: send one from the site" in text
    assert not page.tag("table")
    assert not page.tag("section")
    assert "<title>SMS sandbox inbox (0)</title>" in text


def test_clear_returns_to_the_inbox_empty(sandbox, clock):
    send(sandbox, ["1234", "5"])
    sandbox.fail_next("http_error")
    page = Page(inbox(sandbox, ALICE).text)
    [clear] = [f for f in page.tag("form") if f["action"].startswith("/_sandbox/inbox/clear")]
    assert clear["action"] == f"/_sandbox/inbox/clear?phone={ALICE}"

    url = f"http://127.0.0.1:{sandbox.port}{clear['action']}"
    response = requests.post(url, timeout=5, allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/_sandbox/inbox?phone={ALICE}"
    assert sandbox.messages == [] and sandbox.requests == []
    send(sandbox, ["5678", "5"])  # the pending fault went too: a reset

    sandbox.reset()
    followed = requests.post(f"{base(sandbox)}/inbox/clear", timeout=5)
    assert followed.url == f"{base(sandbox)}/inbox"
    assert "No messages yet: send one from the site" in followed.text


def test_inbox_routes_and_methods(sandbox):
    assert requests.post(f"{base(sandbox)}/inbox", timeout=5).status_code == 405
    response = requests.get(f"{base(sandbox)}/inbox/clear", timeout=5)
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")
    assert requests.get(f"{base(sandbox)}/inbox/", timeout=5).status_code == 200


def test_unknown_templates_show_their_parameters(clock):
    with Sandbox(APP_ID, KEY, clock=clock) as sb:  # no templates: any tpl_id is accepted
        send(sb, ["5678", "x<y"], tpl_id=77)
        page = Page(inbox(sb, ALICE).text)
        [row] = page.messages
        assert row[2] == "【腾讯云】template 77: 5678, x<y"
        assert row[3:5] == ["5678, x<y", "77 type not set"]
        # Of no known type: no code, and the page says how to mark it.
        assert "code" not in page.by_id
        assert "--template-kind 77=verification" in page.by_id["no-code"]
        sb.set_template_kind(77, "verification")
        assert Page(inbox(sb, ALICE).text).by_id["code"] == "5678"


def test_a_time_out_of_the_platforms_range_is_shown_as_is():
    message = SandboxMessage(sid="s", nationcode="86", mobile=ALICE, tpl_id=1, received_at=1e20)
    assert Page(render_inbox([message])).messages[0][0] == "1e+20"


# The JSON variant ---------------------------------------------------------------------------


def test_json_messages_filter_by_number_and_carry_the_code(sandbox, clock):
    send(sandbox, ["1111", "5"])
    clock.now += 1
    send(sandbox, ["2222", "5"], mobile=BOB)
    clock.now += 1
    send(sandbox, ["no", "code"], tpl_id=30)
    clock.now += 1
    send(sandbox, ["A1234"], tpl_id=40)

    def get(phone=None):
        params = {} if phone is None else {"phone": phone}
        response = requests.get(f"{base(sandbox)}/messages", params=params, timeout=5)
        assert response.status_code == 200
        return response.json()

    # Newest first, as the inbox lists them; a notification's "A1234" is no code.
    everything = get()
    assert [m["code"] for m in everything] == [None, None, "2222", "1111"]
    assert [m["kind"] for m in everything] == [
        "notification",
        "notification",
        "verification",
        "verification",
    ]
    assert [m["params"] for m in everything] == [["A1234"], ["no", "code"], ["2222", "5"],
                                                 ["1111", "5"]]  # fmt: skip
    for typed in (ALICE, "+86 137-1111-2222", "008613711112222"):
        alice = get(typed)
        assert [(m["mobile"], m["code"]) for m in alice] == [
            (ALICE, None),
            (ALICE, None),
            (ALICE, "1111"),
        ]
        assert alice[-1]["text"] == "【腾讯云】您的验证码是1111，5分钟内有效。"
        assert alice[-1]["params"] == ["1111", "5"]
    assert [m["code"] for m in get("138 3333 4444")] == ["2222"]
    assert get("13900000000") == []
    assert len(get("")) == 4


# The command line ---------------------------------------------------------------------------


def test_the_command_line_prints_the_inbox_url(clock):
    out = io.StringIO()
    stop = threading.Event()
    sb = Sandbox(APP_ID, KEY, templates=TEMPLATES, template_kinds=KINDS, clock=clock, port=0)
    thread = threading.Thread(
        target=serve, args=(sb,), kwargs={"stdout": out, "stop_event": stop}, daemon=True
    )
    thread.start()
    try:
        assert wait_until(lambda: "Ctrl-C" in out.getvalue())
        url = re.search(r"Inbox: (\S+)", out.getvalue()).group(1)
        assert url == f"http://127.0.0.1:{sb.port}/_sandbox/inbox"
        send(sb, ["8642", "5"])
        assert "【腾讯云】您的验证码是8642" in requests.get(url, timeout=5).text
        messages = re.search(r"Messages \(JSON\): (\S+)", out.getvalue()).group(1)
        assert requests.get(messages, timeout=5).json()[0]["code"] == "8642"
    finally:
        stop.set()
        thread.join(5)


# In a browser -------------------------------------------------------------------------------


@pytest.fixture
def page_in_chromium(browser_driver, sandbox):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    def open_inbox(phone: str):
        browser_driver.get(f"{base(sandbox)}/inbox?phone={phone}")
        return browser_driver

    def wait(driver, timeout):
        # The page reloads itself: an element found a moment ago may be gone.
        ignored = (NoSuchElementException, StaleElementReferenceException)
        return WebDriverWait(driver, timeout, ignored_exceptions=ignored)

    yield open_inbox, By, wait
    browser_driver.get("about:blank")  # stop the page refreshing itself against a closed port


def test_in_chromium_the_style_and_script_run_and_the_page_refreshes(
    page_in_chromium, sandbox, clock
):
    open_inbox, by, wait = page_in_chromium
    send(sandbox, ["1357", "5"])
    driver = open_inbox(ALICE)
    code = driver.find_element(by.ID, "code")
    assert code.text == "1357"
    # The inline style applies (the CSP allows it by hash): the code is large.
    assert float(code.value_of_css_property("font-size").removesuffix("px")) >= 40
    assert driver.execute_script("return document.documentElement.lang") == "en"

    # The inline script runs: the copy button answers (clipboard or, failing that, selection).
    driver.find_element(by.ID, "copy").click()
    status = wait(driver, 5).until(lambda d: d.find_element(by.ID, "copy-status").text)
    assert status in ("Copied (已复制)", "Selected: press Ctrl-C (已选中)")
    driver.execute_script("window.getSelection().removeAllRanges()")

    # A new code shows up without anyone reloading the page.
    clock.now += 60
    send(sandbox, ["8642", "5"])
    wait(driver, 15).until(lambda d: d.find_element(by.ID, "code").text == "8642")
    texts = [td.text for td in driver.find_elements(by.CSS_SELECTOR, "td.text")]
    assert texts == [
        "【腾讯云】您的验证码是8642，5分钟内有效。",
        "【腾讯云】您的验证码是1357，5分钟内有效。",
    ]


@pytest.mark.parametrize("width", [390, 1280])
def test_in_chromium_the_inbox_fits_the_screen(page_in_chromium, browser_driver, sandbox, width):
    """On a phone as on a desktop: no sideways scrolling, the code in view, every field of a
    message readable (a card's labels at 390 px, the table's columns at 1280 px)."""
    open_inbox, by, wait = page_in_chromium
    send(sandbox, ["482913", "5"])
    send(sandbox, ["A1234"], tpl_id=40, mobile=BOB)
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    browser_driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        for phone in (ALICE, ""):
            driver = open_inbox(phone)
            wait(driver, 5).until(lambda d: d.find_elements(by.CSS_SELECTOR, "tbody tr"))
            assert driver.execute_script("return window.innerWidth") == width
            scroll = driver.execute_script("return document.documentElement.scrollWidth")
            assert scroll <= width, f"the page scrolls sideways at {width} px ({scroll} px wide)"
            texts = driver.find_elements(by.CSS_SELECTOR, "td.text")
            assert all(t.is_displayed() and t.rect["x"] + t.rect["width"] <= width for t in texts)
            if phone:
                code = driver.find_element(by.ID, "code")
                assert code.is_displayed() and code.text == "482913"
                assert code.rect["x"] + code.rect["width"] <= width
        headers = driver.find_element(by.CSS_SELECTOR, "thead")
        labels = driver.execute_script(
            "return Array.from(document.querySelectorAll('tbody tr:first-child td'))"
            ".map(td => getComputedStyle(td, '::before').content)"
        )
        if width < 640:  # cards: each field labelled, the table's header out of sight
            assert labels[:3] == ['"Time (时间)"', '"Number (手机号)"', '"Text (短信内容)"']
            assert headers.rect["height"] <= 1
        else:  # a table: its seven columns side by side under their headings
            assert set(labels) == {"none"}
            cells = driver.find_elements(by.CSS_SELECTOR, "tbody tr:first-child td")
            assert len({cell.rect["y"] for cell in cells}) == 1 and len(cells) == 7
            assert headers.is_displayed()
    finally:
        browser_driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
