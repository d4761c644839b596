"""The admin's lists and pages in a real browser, at 1280 and 390 px, in English and Chinese.

Each test saves full-page screenshots at both widths (see tests/browser.py) before it checks
what a person relies on: no sideways scrolling of the page, each default column of a list on a
1280 px screen, the words they need on the page.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from django_tencent_sms.models import SmsLog, SmsTemplate, VerificationCode
from tests.helpers import staff

PASSWORD = "correct horse battery staple"
LAPTOP, PHONE_WIDTH = 1280, 390
HEIGHT = 900

languages = pytest.mark.parametrize("language", ["en", "zh-hans"])

#: Sids as Tencent writes them: the legacy API's, then API 3.0's (longer).
SIDS = ["2019:6918207402461758117", "2433:156846498717308929218300241", ""]


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("ops", "ops@example.com", PASSWORD)


@pytest.fixture
def logs(transactional_db):
    """A day's worth of the send log's kinds of rows: sent, delivered, refused, voice, unknown."""
    template = SmsTemplate.objects.create(
        name="order-shipped-notification",
        tpl_id=1234567,
        text="Your order {1} has shipped and should arrive by {2}.",
        type=SmsTemplate.Type.NOTIFICATION,
    )
    code_template = SmsTemplate.objects.create(
        name="login-code",
        tpl_id=123456,
        text="Your code is {1}; it expires in {2} minutes.",
        type=SmsTemplate.Type.VERIFICATION,
    )
    now = timezone.now()
    rows = []
    kinds = [
        (SmsLog.Status.DELIVERED, 0, SIDS[1], 2, template),
        (SmsLog.Status.SENT, 0, SIDS[0], 1, code_template),
        (SmsLog.Status.FAILED, 1014, "", None, template),
        (SmsLog.Status.UNKNOWN, None, "", None, code_template),
        (SmsLog.Status.SENT, 0, SIDS[1], 1, None),
    ]
    for n, (status, result, sid, fee, tpl) in enumerate(kinds):
        created = now - timedelta(minutes=5 * n, seconds=7)
        rows.append(
            SmsLog.objects.create(
                phone=f"+861381234{5670 + n}",
                template=tpl,
                tpl_id=tpl.tpl_id if tpl else 7654321,
                params=["A-20261204-0001", "Friday"],
                sign="腾讯云",
                status=status,
                result=result,
                sid=sid,
                fee=fee,
                backend="django_tencent_sms.backends.tencent.TencentBackend",
                created_at=created,
                finished_at=created + timedelta(milliseconds=180),
                duration=timedelta(milliseconds=180),
                delivered_at=created + timedelta(seconds=4)
                if status == SmsLog.Status.DELIVERED
                else None,
            )
        )
    rows.append(
        SmsLog.objects.create(
            phone="+8613812349999",
            tpl_id=0,
            channel=SmsLog.Channel.VOICE,
            params=["482913"],
            status=SmsLog.Status.SENT,
            result=0,
            sid=SIDS[1],
            fee=1,
            created_at=now - timedelta(minutes=40),
        )
    )
    return rows


@pytest.fixture
def codes(logs):
    now = timezone.now()
    made = []
    for n, (state, log) in enumerate(
        [
            (VerificationCode.State.SENT, logs[1]),
            (VerificationCode.State.UNKNOWN, logs[3]),
            (VerificationCode.State.FAILED, None),
            (VerificationCode.State.SENT, logs[1]),
        ]
    ):
        created = now - timedelta(minutes=7 * n)
        made.append(
            VerificationCode.objects.create(
                phone=f"+861381234{5670 + n}",
                purpose="login" if n % 2 else "password-reset",
                code_hash="ab" * 32,
                state=state,
                created_at=created,
                expires_at=created + timedelta(minutes=5),
                used_at=created + timedelta(minutes=1) if n == 3 else None,
                attempts=n,
                log=log,
                ip="203.0.113.9",
            )
        )
    return made


def columns_off_screen(page) -> list[str]:
    """The headers of the changelist's columns not wholly on screen: beyond the window, or
    beyond the box that scrolls the table (where they hide until a person scrolls it)."""
    return page.js(
        """
        const visibleRight = el => {
          let right = window.innerWidth;
          for (let box = el.parentElement; box; box = box.parentElement) {
            if (getComputedStyle(box).overflowX !== 'visible') {
              right = Math.min(right, box.getBoundingClientRect().right);
            }
          }
          return right;
        };
        return Array.from(document.querySelectorAll('#result_list thead th'))
          .filter(th => th.getBoundingClientRect().right > visibleRight(th) + 0.5)
          .map(th => th.className + ': ' + th.textContent.trim());
        """
    )


def column_widths(page) -> dict[str, int]:
    """Each column's width in CSS pixels, for the failure message."""
    return page.js(
        "return Object.fromEntries(Array.from(document.querySelectorAll('#result_list thead th'))"
        ".map(th => [th.className.replace('sortable', '').trim(),"
        " Math.round(th.getBoundingClientRect().width)]))"
    )


def page_overflow(page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0: it does not)."""
    return page.js("return document.documentElement.scrollWidth - window.innerWidth")


def open_at(page, path: str, width: int, screenshot: str):
    page.driver.set_window_size(width, HEIGHT)
    try:
        page.open(path)
        page.screenshot(f"{screenshot}-{width}.png")
        return page_overflow(page), columns_off_screen(page), column_widths(page)
    finally:
        page.driver.set_window_size(LAPTOP, HEIGHT)


def check_list(browser, superuser, path: str, language: str, name: str) -> None:
    browser.set_language(language)
    browser.login(superuser)
    small = open_at(browser, path, PHONE_WIDTH, f"{name}-{language}")
    overflow, hidden, widths = open_at(browser, path, LAPTOP, f"{name}-{language}")
    columns = browser.find_all("#result_list thead th")
    assert len(columns) > 3
    assert hidden == [], f"columns off a 1280 px screen: {hidden} (widths: {widths})"
    assert overflow <= 0, f"the page scrolls {overflow} px sideways at 1280 px"
    # On a phone the table scrolls inside its own box; the page itself does not.
    assert small[0] <= 0, f"the page scrolls {small[0]} px sideways at 390 px"


@languages
def test_the_send_log_fits_a_laptop_screen(browser, superuser, logs, language):
    check_list(browser, superuser, "/admin/tencent_sms/smslog/", language, "lists-smslog")
    for column in ("created_time", "status_label", "result_label", "sid", "fee"):
        assert browser.find_all(f"#result_list th.column-{column}"), column


@languages
def test_verification_codes_fit_a_laptop_screen(browser, superuser, codes, language):
    check_list(browser, superuser, "/admin/tencent_sms/verificationcode/", language, "lists-codes")
    assert browser.find_all("#result_list th.column-status_label")
    assert browser.find_all("#result_list th.column-log_link")


# Pages ----------------------------------------------------------------------------------------

WORDS = {
    "en": {"search": "needs the permission", "duration": "180 ms", "count": "2 SMS templates"},
    "zh-hans": {"search": "按手机号搜索需要", "duration": "180 毫秒", "count": "2 条短信模板"},
}


def visit(browser, path: str, name: str, language: str) -> str:
    """Open ``path`` at both widths; fail if the page scrolls sideways; the 1280 px text."""
    for width in (PHONE_WIDTH, LAPTOP):
        overflow, _hidden, _widths = open_at(browser, path, width, f"{name}-{language}")
        assert overflow <= 0, f"{path} scrolls {overflow} px sideways at {width} px"
    browser.open(path)
    return browser.text


@languages
def test_the_log_detail_shows_times_and_the_duration(browser, superuser, logs, language):
    browser.set_language(language).login(superuser)
    text = visit(browser, f"/admin/tencent_sms/smslog/{logs[0].pk}/change/", "log-detail", language)
    assert WORDS[language]["duration"] in text and "0:00:00" not in text
    assert "+86 138 1234 5670" in text


@languages
def test_the_code_detail_has_one_status(browser, superuser, codes, language):
    browser.set_language(language).login(superuser)
    path = f"/admin/tencent_sms/verificationcode/{codes[0].pk}/change/"
    text = visit(browser, path, "code-detail", language)
    status = {"en": "Code status", "zh-hans": "验证码状态"}[language]
    assert status in text


@languages
def test_the_template_list_counts_its_templates(browser, superuser, logs, language):
    browser.set_language(language).login(superuser)
    visit(browser, "/admin/tencent_sms/smstemplate/", "templates", language)
    assert browser.find(".paginator").text.strip() == WORDS[language]["count"]


@languages
def test_a_refused_number_search_says_why_on_screen(browser, logs, language):
    viewer = staff("viewer", "tencent_sms.view_smslog")
    browser.set_language(language).login(viewer)
    visit(browser, "/admin/tencent_sms/smslog/?q=5678", "search-refused", language)
    message = browser.wait_for(".messagelist li")
    assert WORDS[language]["search"] in message.text
