"""The example project end to end, in headless Chromium: sign in with a code read from the
emulator, a wrong code, the cooldown, and an admin who finds a message by number and resends it.

The example runs as ``dev.py demo`` runs it: its own settings, a fresh SQLite database (migrated,
then ``demo_setup``), the emulator (``manage.py tencent_sms_sandbox``) and ``runserver``, each a
subprocess on a free port. Every step is saved as a screenshot in the artefacts directory
(``example-*.png``; see tests/browser.py).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError

import pytest

from tests.browser import ROOT, browser_page
from tests.waiting import wait_until

DEMO_PHONE = "+8613800138000"  # demo_setup gives it to admin/admin
START_TIMEOUT = 60  # seconds for a server to answer, migrations and checks included
LOG_PAGE = r"/admin/tencent_sms/smslog/(\d+)/change/"
DEMO_LIMITS = ("--limits", ",,50,100")  # as dev.py demo runs the emulator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> bytes | None:
    """The body of a 200 answer, or None when the server does not answer (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read()
    except (URLError, OSError):
        return None


@dataclass
class ExampleSite:
    url: str
    sandbox_url: str

    def messages(self, phone: str) -> list[dict]:
        """What the emulator received for ``phone`` (E.164), oldest first (it lists them newest
        first, as its inbox does)."""
        received = json.loads(get(f"{self.sandbox_url}/_sandbox/messages") or b"[]")
        return [m for m in reversed(received) if f"+{m['nationcode']}{m['mobile']}" == phone]

    def code_sent_to(self, phone: str, count: int = 1) -> str:
        """The code in the ``count``-th message to ``phone`` (the template's first parameter)."""
        assert wait_until(lambda: len(self.messages(phone)) >= count), (
            f"the emulator got no message {count} for {phone}: {self.messages(phone)}"
        )
        return self.messages(phone)[count - 1]["params"][0]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def example_site(browser_driver, tmp_path_factory):
    """The example project and the emulator, running, with the demo's data."""
    with example_running(tmp_path_factory.mktemp("example")) as site:
        yield site


@contextmanager
def example_running(tmp: Path, settings: str = "example_project.settings") -> Iterator[ExampleSite]:
    """The example with ``settings`` and the emulator, as ``dev.py demo`` runs them, on a fresh
    database in ``tmp``; stopped on exit."""
    site_port, sandbox_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "PYTHONPATH": str(ROOT),
        "DEMO_DATABASE": str(tmp / "db.sqlite3"),
        "SANDBOX_PORT": str(sandbox_port),
        "DJANGO_DEBUG": "1",
        "DEMO_USERNAME": "admin",
        "DEMO_PASSWORD": "admin",
    }
    manage = [sys.executable, str(ROOT / "example_project" / "manage.py")]
    for command in (["migrate", "--noinput"], ["demo_setup"]):
        done = subprocess.run(
            [*manage, *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
        if done.returncode:
            pytest.fail(f"manage.py {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    logs = {"emulator": tmp / "emulator.log", "site": tmp / "site.log"}
    # The demo's limits (dev.py): the admin resends a message within seconds of the first.
    procs = [
        start(
            [*manage, "tencent_sms_sandbox", "--port", str(sandbox_port), *DEMO_LIMITS],
            env,
            logs["emulator"],
        ),
        start([*manage, "runserver", "--noreload", f"127.0.0.1:{site_port}"], env, logs["site"]),
    ]
    site = ExampleSite(f"http://127.0.0.1:{site_port}", f"http://127.0.0.1:{sandbox_port}")
    try:
        for url in (f"{site.sandbox_url}/_sandbox/messages", f"{site.url}/"):
            started = wait_until(
                lambda url=url: get(url) is not None or any(p.poll() is not None for p in procs),
                timeout=START_TIMEOUT,
            )
            if not started or any(p.poll() is not None for p in procs):
                output = "\n".join(f"--- {name}\n{path.read_text()}" for name, path in logs.items())
                pytest.fail(f"the example did not start ({url}):\n{output}")
        yield site
    finally:
        for proc in procs:
            stop(proc)


@pytest.fixture
def page(request, browser_driver, artifacts_dir, example_site):
    yield from browser_page(request, browser_driver, example_site.url, artifacts_dir)


def loaded(page) -> bool:
    return page.js("return document.readyState") == "complete"


def at(page, pattern: str) -> bool:
    """Whether the page has loaded and its path (query left out) matches ``pattern``."""
    return loaded(page) and re.fullmatch(pattern, page.path.partition("?")[0]) is not None


def ask_for_code(page, phone: str) -> None:
    """On a page asking for a number: type it, send, and wait for the answer (the next step,
    or this page with an error)."""
    start_path = page.path
    page.find("input[name=phone]").clear()
    page.find("input[name=phone]").send_keys(phone)
    page.find("form.tencent-sms-form button[type=submit]").click()
    page.wait_until(
        lambda p: loaded(p) and (p.path != start_path or p.find_all(".errorlist")),
        "no answer to the number",
    )


def enter_code(page, code: str) -> None:
    page.find("input[name=code]").send_keys(code)
    page.find("form.tencent-sms-form button[type=submit]").click()


def countdown(page) -> int:
    return int(page.find(".tencent-sms-countdown .tencent-sms-seconds").text)


def test_sign_in_with_a_code_read_from_the_emulator(page, example_site):
    page.open("/")
    page.screenshot("example-signin-1-home")
    page.find("main a[href='/phone/login/']").click()
    page.wait_until(lambda p: at(p, "/phone/login/"), "the sign-in link did not lead there")
    assert page.find("h1").text == "Sign in with your phone number"

    ask_for_code(page, "138 0013 8000")
    assert page.path == "/phone/login/verify/"
    assert "We sent a code to +86 138 **** 8000." in page.text
    assert 55 <= countdown(page) <= 60
    page.screenshot("example-signin-2-code-sent")

    code = example_site.code_sent_to(DEMO_PHONE)
    # The page the developer reads it on, linked from every page of the site in DEBUG.
    inbox = page.find(".dev a").get_attribute("href")
    assert inbox == f"{example_site.sandbox_url}/_sandbox/inbox"
    page.open(f"{inbox}?phone=%2B8613800138000")
    assert code in page.text
    page.screenshot("example-signin-3-emulator-inbox")

    page.open("/phone/login/verify/")
    enter_code(page, code)
    page.wait_until(lambda p: at(p, "/"), "not sent home after the right code")
    assert page.text_of("header .user").startswith("Signed in as admin (+86 138 0013 8000)")
    page.screenshot("example-signin-4-signed-in")


def test_a_wrong_code_shows_an_error(page, example_site):
    # No account uses this number: no SMS goes out, yet the pages say what they say for any
    # number, and every code typed is wrong.
    phone = "+8613900000001"
    page.open("/phone/login/")
    ask_for_code(page, phone)
    enter_code(page, "000000")
    error = page.wait_until(
        lambda p: loaded(p) and p.find_all(".errorlist li"), "no error for a wrong code"
    )
    assert error[0].text == "The code is not correct. 4 more tries are allowed."
    assert page.path == "/phone/login/verify/"
    assert page.find_all("header .user a[href='/phone/login/']")  # still signed out
    page.screenshot("example-wrong-code")
    assert example_site.messages(phone) == []


def test_asking_again_right_away_shows_the_countdown(page, example_site):
    phone = "+8613900000002"
    page.open("/phone/login/")
    ask_for_code(page, phone)
    page.find(".tencent-sms-new-code a").click()
    page.wait_until(lambda p: at(p, "/phone/login/"), "no way back to ask for a new code")
    assert page.find("input[name=phone]").get_attribute("value") == phone  # remembered

    ask_for_code(page, phone)
    assert page.path == "/phone/login/"
    assert "a moment ago" in page.find(".errorlist").text, page.text
    first = countdown(page)
    assert 0 < first <= 60
    page.screenshot("example-cooldown")
    # The number counts down in the page, without a reload.
    page.wait_until(lambda p: countdown(p) < first, "the countdown does not count", timeout=5)
    # No account uses the number: the cooldown runs as for any number, and no SMS went out.
    assert example_site.messages(phone) == []


def test_an_admin_finds_a_message_by_number_and_resends_it(page, example_site):
    phone = "+8613711112222"
    page.login("admin", "admin")

    # Staff send a notification from the site's page.
    from selenium.webdriver.support.select import Select

    page.open("/send/")
    page.find("input[name=phone]").send_keys("137 1111 2222")
    Select(page.find("select[name=template]")).select_by_visible_text("order-shipped")
    page.find("input[name=params]").send_keys("A1234, SF100200300")
    page.find("main form button[type=submit]").click()
    page.wait_until(
        lambda p: loaded(p) and p.find_all(".messages .success"), "no confirmation of the send"
    )
    page.screenshot("example-admin-1-sent")

    # The SMS log, searched by the number as a person types it.
    page.open("/admin/tencent_sms/smslog/")
    page.find("#searchbar").send_keys("137 1111 2222\n")
    page.wait_until(lambda p: loaded(p) and "q=" in p.path, "the search was not submitted")
    rows = page.find_all("#result_list tbody tr")
    assert len(rows) == 1, page.text
    # The demo's admin may see whole numbers: in the list as on the log's page.
    assert "+86 137 1111 2222" in rows[0].text
    page.screenshot("example-admin-2-found")

    rows[0].find_element("css selector", "a").click()
    page.wait_until(lambda p: at(p, LOG_PAGE), "the log's page did not open")
    original = re.match(LOG_PAGE, page.path).group(1)
    page.find(".object-tools a[href$='/resend/']").click()
    page.wait_until(lambda p: at(p, r"/admin/tencent_sms/smslog/\d+/resend/"), "no confirmation")
    page.screenshot("example-admin-3-confirm")
    page.find("#content form input[type=submit]").click()
    page.wait_until(lambda p: at(p, LOG_PAGE), "not back on a log's page")
    assert re.match(LOG_PAGE, page.path).group(1) != original  # the new message's page
    assert page.find_all(".messagelist .success"), page.text
    page.screenshot("example-admin-4-resent")

    page.open("/admin/tencent_sms/smslog/?q=137+1111+2222")
    assert len(page.find_all("#result_list tbody tr")) == 2, page.text
    page.screenshot("example-admin-5-two-rows")
    assert [m["params"] for m in example_site.messages(phone)] == [["A1234", "SF100200300"]] * 2
