"""Browser tests: Debian's headless Chromium, driven by Selenium, on pytest-django's live server.

Registered from ``tests/conftest.py``. Fixtures:

``browser``
    A :class:`Browser` on the live server, for one test: no cookies, English, ready to
    :meth:`~Browser.login`, :meth:`~Browser.set_language`, :meth:`~Browser.open` a page and
    save a :meth:`~Browser.screenshot`. It uses ``transactional_db``, so the live server sees the
    rows a test makes with the ORM (before or while the browser runs: Selenium needs no event loop
    in the test's thread, so the ORM works everywhere in the test).
``browser_driver``
    The Selenium ``WebDriver``, one Chromium for the whole session.
``artifacts_dir``
    Where screenshots go: ``$TENCENT_SMS_ARTIFACTS``, default ``build/test-artifacts/``.

For a site served some other way (a subprocess, say), a fixture of its own makes the page with
:func:`browser_page`: ``yield from browser_page(request, browser_driver, url, artifacts_dir)``.

The browser and its driver come from Debian (``apt-get install chromium chromium-driver``), never
from a download by a tool: ``/usr/bin/chromium`` and ``/usr/bin/chromedriver``, or
``$TENCENT_SMS_CHROMIUM`` and ``$TENCENT_SMS_CHROMEDRIVER``. Without them the tests skip as a
missing service, which ``TENCENT_SMS_TESTS_REQUIRE_SERVICES=1`` (CI) turns into a failure.

When a test that uses ``browser`` fails, the page it was on is saved as ``FAILED-<test>.png``.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import skip_service

if TYPE_CHECKING:
    from collections.abc import Iterator

    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

ROOT = Path(__file__).resolve().parent.parent

WINDOW_SIZE = (1280, 900)
TIMEOUT = 15  # seconds, for page loads and waits

#: Django language code → what a browser set to that language sends in Accept-Language.
BROWSER_LANGUAGES = {"zh-hans": "zh-CN", "zh-hant": "zh-TW"}


def chromium_path() -> Path:
    return Path(os.environ.get("TENCENT_SMS_CHROMIUM") or "/usr/bin/chromium")


def chromedriver_path() -> Path:
    return Path(os.environ.get("TENCENT_SMS_CHROMEDRIVER") or "/usr/bin/chromedriver")


def browser_languages(language: str) -> str:
    """The browser's language list for ``language``: "zh-hans" or "zh-CN" → "zh-CN,zh".

    Chromium adds the q-values when it makes the Accept-Language header of this list
    ("zh-CN,zh;q=0.9"), as it does for a person's language settings.
    """
    tag = BROWSER_LANGUAGES.get(language.lower(), language)
    primary = tag.split("-")[0]
    return tag if primary == tag else f"{tag},{primary}"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(os.environ.get("TENCENT_SMS_ARTIFACTS") or ROOT / "build" / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("FAILED-*.png"):  # from an earlier run: misleading next to this one's
        stale.unlink()
    return path


@pytest.fixture(scope="session")
def browser_driver() -> Iterator[WebDriver]:
    chromium, chromedriver = chromium_path(), chromedriver_path()
    if not os.access(chromium, os.X_OK):
        skip_service(
            f"Chromium not found at {chromium}: apt-get install chromium chromium-driver "
            "(or set TENCENT_SMS_CHROMIUM)"
        )
    if not os.access(chromedriver, os.X_OK):
        skip_service(
            f"chromedriver not found at {chromedriver}: apt-get install chromium-driver "
            "(or set TENCENT_SMS_CHROMEDRIVER)"
        )
    try:
        from selenium import webdriver
    except ImportError:
        skip_service("selenium is not installed: pip install -e '.[test]'")

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for argument in (
        "--headless=new",
        # Chromium refuses to run its sandbox as root (as CI runs), and containers often lack
        # what it needs; this browser only visits the test's own live server.
        "--no-sandbox",
        "--disable-dev-shm-usage",  # a container's /dev/shm is often too small for Chromium
        f"--window-size={WINDOW_SIZE[0]},{WINDOW_SIZE[1]}",
        "--lang=en-US",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        options.add_argument(argument)
    # Giving the driver's path keeps Selenium Manager (which downloads drivers) out of the way.
    service = webdriver.ChromeService(executable_path=str(chromedriver))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()


class Browser:
    """A page in headless Chromium, with the live server's address as its base."""

    def __init__(self, driver: WebDriver, base_url: str, artifacts_dir: Path) -> None:
        self.driver = driver
        self.base_url = base_url.rstrip("/")
        self.artifacts_dir = artifacts_dir
        self._user_agent = driver.execute_script("return navigator.userAgent")

    # Navigation and reading the page.

    def url(self, path: str) -> str:
        return path if "://" in path else self.base_url + "/" + path.lstrip("/")

    def open(self, path: str, *, status: int | None = 200) -> Browser:
        """Load ``path`` (relative to the live server) and check the HTTP status of the page.

        The status is the one of the final response, after redirects; ``status=None`` skips the
        check.
        """
        self.driver.get(self.url(path))
        if status is not None and self.status != status:
            raise AssertionError(
                f"GET {path} answered {self.status}, not {status}, at {self.driver.current_url}:\n"
                f"{self.text[:2000]}"
            )
        return self

    @property
    def status(self) -> int:
        """The HTTP status of the current page (the Navigation Timing API's responseStatus)."""
        return self.js("return performance.getEntriesByType('navigation')[0].responseStatus")

    @property
    def path(self) -> str:
        url = self.driver.current_url
        return url[len(self.base_url) :] if url.startswith(self.base_url) else url

    @property
    def title(self) -> str:
        return self.driver.title

    @property
    def lang(self) -> str:
        """The ``<html lang>`` attribute."""
        return self.js("return document.documentElement.lang")

    @property
    def text(self) -> str:
        """The text of the page as a person sees it (hidden elements left out)."""
        return self.js("return document.body ? document.body.innerText : ''")

    def text_of(self, css: str) -> str:
        """The text of the first element matching ``css`` as written in the HTML, spaces collapsed.

        Unlike ``.text`` and :attr:`text` it ignores CSS ``text-transform`` (the admin shows
        "Log out" as "LOG OUT").
        """
        return " ".join(self.find(css).get_attribute("textContent").split())

    def find(self, css: str) -> WebElement:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait_for(self, css: str, timeout: float = TIMEOUT) -> WebElement:
        """The first visible element matching ``css``, waiting for it to appear."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.wait import WebDriverWait

        return WebDriverWait(self.driver, timeout).until(
            expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css)),
            f"no visible {css!r} on {self.driver.current_url}",
        )

    def wait_until(self, condition, message: str, timeout: float = TIMEOUT):
        """Poll ``condition(browser)`` until it returns something true, and return that; fail
        with ``message`` (and the page's address and text) after ``timeout`` seconds."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.wait import WebDriverWait

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(
                lambda driver: condition(self)
            )
        except TimeoutException:
            raise AssertionError(
                f"{message} (waited {timeout} s) at {self.driver.current_url}:\n{self.text[:1000]}"
            ) from None

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def broken_resources(self) -> list[tuple[str, int]]:
        """Stylesheets, scripts, images… of the current page that answered 4xx or 5xx."""
        entries = self.js(
            "return performance.getEntriesByType('resource')"
            ".map(e => [e.name, e.responseStatus || 0])"
        )
        return [(name, status) for name, status in entries if status >= 400]

    def assert_styled(self) -> None:
        """Fail unless every resource of the page loaded and its stylesheets apply."""
        broken = self.broken_resources()
        assert not broken, f"resources that failed to load: {broken}"
        sheets = self.js(
            "return Array.from(document.querySelectorAll('link[rel=stylesheet]'))"
            ".map(l => [l.href, !!(l.sheet && l.sheet.cssRules.length)])"
        )
        assert sheets, f"no stylesheet on {self.driver.current_url}"
        empty = [href for href, applied in sheets if not applied]
        assert not empty, f"stylesheets that did not apply: {empty}"

    # Session: language and login.

    def cdp(self, command: str, **params):
        """A Chrome DevTools Protocol command on the current tab."""
        return self.driver.execute_cdp_cmd(command, params)

    def set_language(self, language: str) -> Browser:
        """Make the browser ask for ``language`` from now on, as a browser set to it would.

        ``language`` is a Django code ("en", "zh-hans") or a browser one ("zh-CN"). It sets the
        Accept-Language header (and ``navigator.language``) and drops Django's language cookie,
        which would take precedence.
        """
        from django.conf import settings

        self.cdp(
            "Network.setUserAgentOverride",
            userAgent=self._user_agent,
            acceptLanguage=browser_languages(language),
        )
        self.cdp("Network.deleteCookies", name=settings.LANGUAGE_COOKIE_NAME, url=self.base_url)
        return self

    def login(self, user, password: str | None = None, *, login_path: str = "/admin/login/"):
        """Log in as ``user`` (a user object or a username).

        With ``password``, through the login form at ``login_path``, as a person would. Without,
        by giving the browser the session cookie of a session made for the user object with
        Django's test client (``force_login``): quicker, and the user needs no usable password.
        """
        if password is None:
            from django.conf import settings
            from django.test import Client

            if isinstance(user, str):
                raise TypeError("login() without a password needs a user object, not a username")
            client = Client()
            client.force_login(user)
            self.cdp(
                "Network.setCookie",
                name=settings.SESSION_COOKIE_NAME,
                value=client.cookies[settings.SESSION_COOKIE_NAME].value,
                url=self.base_url,
                httpOnly=True,
            )
            return self
        username = user if isinstance(user, str) else user.get_username()
        self.open(login_path)
        self.find("input[name=username]").send_keys(username)
        self.find("input[name=password]").send_keys(password)
        self.find("form input[type=submit], form button[type=submit]").click()
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.wait import WebDriverWait

        try:
            WebDriverWait(self.driver, TIMEOUT).until(
                lambda driver: (
                    self.js("return document.readyState") == "complete"
                    and not self.path.startswith(login_path)
                )
            )
        except TimeoutException:
            raise AssertionError(
                f"still on the login page after logging in as {username!r}:\n{self.text[:1000]}"
            ) from None
        return self

    # Artefacts.

    def screenshot(self, name: str) -> Path:
        """Save the whole page (not only the window) as ``<artifacts_dir>/<name>``; PNG."""
        if not name.endswith(".png"):
            name += ".png"
        metrics = self.cdp("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        shot = self.cdp(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={
                "x": 0,
                "y": 0,
                "width": max(size["width"], WINDOW_SIZE[0]),
                "height": max(size["height"], 1),
                "scale": 1,
            },
        )
        path = self.artifacts_dir / name
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def reset(self) -> None:
        """Forget cookies and the language; leave the page (between tests)."""
        self.cdp("Network.clearBrowserCookies")
        self.set_language("en-US")
        self.driver.get("about:blank")


_call_report = pytest.StashKey()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_call_report] = report


@pytest.fixture
def browser(request, live_server, transactional_db, browser_driver, artifacts_dir):
    # live_server comes first so that it is stopped after the browser: Chromium keeps connections
    # open, and the server's threads for them must close while the database is still shared.
    yield from browser_page(request, browser_driver, live_server.url, artifacts_dir)


def browser_page(
    request: pytest.FixtureRequest, driver: WebDriver, base_url: str, artifacts_dir: Path
) -> Iterator[Browser]:
    """A :class:`Browser` on ``base_url`` for one test, reset first; for a fixture to yield from.

    When the test fails, the page it was on is saved as ``FAILED-<test>.png``.
    """
    page = Browser(driver, base_url, artifacts_dir)
    page.reset()
    yield page
    report = request.node.stash.get(_call_report, None)
    if report is not None and report.failed:
        name = re.sub(r"[^\w.-]+", "-", request.node.nodeid).strip("-")
        try:
            path = page.screenshot(f"FAILED-{name}.png")
        except Exception as exc:  # the browser may be what failed
            report.sections.append(("browser", f"no screenshot: {exc!r}"))
        else:
            report.sections.append(("browser", f"screenshot of the page: {path}"))


@contextlib.contextmanager
def viewport(page, width: int):
    """``page`` (a ``browser_page``) as a phone (under 600 CSS pixels) or a laptop ``width``
    pixels wide shows it, until the block ends."""
    page.cdp(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=844 if width < 600 else 900,
        deviceScaleFactor=1,
        mobile=width < 600,
    )
    try:
        yield width
    finally:
        page.cdp("Emulation.clearDeviceMetricsOverride")
