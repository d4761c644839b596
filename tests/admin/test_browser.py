"""The SMS log's admin pages in a real browser, in English and in Chinese.

Each test saves a full-page screenshot into the artefacts directory (see tests/browser.py) before
it checks what a person would see.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from django_tencent_sms.models import SmsLog, SmsTemplate

SID = "2019:6918207402461758117"
PASSWORD = "correct horse battery staple"

#: What each language shows: the Accept-Language a browser sends, then Django's admin chrome
#: (Django's own translations) and this app's names (ours).
LANGUAGES = {
    "en": {
        "accept": "en-US",
        "lang": "en",
        "site_title": "Django site admin",
        "site_header": "Django administration",
        "home": "Home",
        "logout": "Log out",
        "app": "Tencent SMS",
        "changelist_title": "Select SMS log to view",
        "view_title": "View SMS log",
        "sid_label": "Tencent sid",
    },
    "zh-hans": {
        "accept": "zh-CN",
        "lang": "zh-hans",
        "site_title": "Django 站点管理员",
        "site_header": "Django 管理",
        "home": "首页",
        "logout": "注销",
        "app": "腾讯云短信",
        "changelist_title": "选择短信发送记录查看",
        "view_title": "查看 短信发送记录",
        "sid_label": "腾讯 sid",
    },
}

languages = pytest.mark.parametrize("language", list(LANGUAGES))


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("ops", "ops@example.com", PASSWORD)


@pytest.fixture
def sms_log(transactional_db):
    template = SmsTemplate.objects.create(
        name="login-code",
        tpl_id=123456,
        text="Your code is {1}; it expires in {2} minutes.",
        type=SmsTemplate.Type.VERIFICATION,
    )
    created = timezone.now() - timedelta(minutes=5)
    return SmsLog.objects.create(
        phone="+8613812345678",
        template=template,
        tpl_id=template.tpl_id,
        params=["482913", "5"],
        sign="腾讯云",
        status=SmsLog.Status.SENT,
        result=0,
        sid=SID,
        fee=1,
        backend="django_tencent_sms.backends.tencent.TencentBackend",
        created_at=created,
        finished_at=created + timedelta(milliseconds=180),
        duration=timedelta(milliseconds=180),
    )


@pytest.fixture
def admin_page(browser, superuser):
    """Open an admin page logged in as the superuser, in a language, and screenshot it."""

    def open_page(path: str, language: str, screenshot: str):
        browser.set_language(LANGUAGES[language]["accept"])
        browser.login(superuser, PASSWORD)
        browser.open(path)
        browser.screenshot(f"{screenshot}-{language}.png")
        return browser

    return open_page


def assert_admin_chrome(page, language: str) -> None:
    """The admin's frame around every page, in ``language``, styled."""
    expected = LANGUAGES[language]
    assert page.lang == expected["lang"]
    assert page.title.endswith(f" | {expected['site_title']}"), page.title
    assert page.text_of("#site-name") == expected["site_header"]
    assert page.text_of("#logout-form button") == expected["logout"]
    page.assert_styled()


@languages
def test_changelist(admin_page, sms_log, language):
    expected = LANGUAGES[language]
    page = admin_page("/admin/tencent_sms/smslog/", language, "admin-smslog-changelist")

    assert_admin_chrome(page, language)
    assert page.title == f"{expected['changelist_title']} | {expected['site_title']}"
    breadcrumbs = page.find(".breadcrumbs").text
    assert expected["home"] in breadcrumbs
    assert expected["app"] in breadcrumbs
    assert SID in page.find("#result_list").text


@languages
def test_detail(admin_page, sms_log, language):
    expected = LANGUAGES[language]
    page = admin_page(
        f"/admin/tencent_sms/smslog/{sms_log.pk}/change/", language, "admin-smslog-detail"
    )

    assert_admin_chrome(page, language)
    assert f" | {expected['view_title']} | " in page.title, page.title
    assert expected["app"] in page.find(".breadcrumbs").text
    text = page.find("#content").text
    assert expected["sid_label"] in text
    assert SID in text


@languages
def test_dashboard(admin_page, sms_log, language):
    page = admin_page("/admin/tencent_sms/smslog/dashboard/", language, "admin-smslog-dashboard")

    assert_admin_chrome(page, language)
    assert page.find("#content h1").text.strip()


def test_login_page_follows_the_browser_language(browser):
    """Before logging in, the language comes from the browser alone (Accept-Language)."""
    browser.set_language("zh-CN").open("/admin/login/")
    assert browser.lang == "zh-hans"
    assert browser.find("#site-name").text == "Django 管理"
    browser.set_language("en").open("/admin/login/")
    assert browser.lang == "en"
    assert browser.find("#site-name").text == "Django administration"


def test_login_without_a_password_uses_a_session_cookie(browser, superuser):
    browser.login(superuser).open("/admin/")
    assert browser.path == "/admin/"
    assert browser.text_of("#user-tools strong") == "ops"
