"""The example site in Chinese: its own catalog (``example_project/locale``, on ``LOCALE_PATHS``)
is complete and compiled, no template of the site leaves text outside a translation tag, and its
pages read in Chinese next to the app's.

Runs on the example's settings as ``test_example_project.py`` does (its fixtures, imported).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import example_project.settings as example
from tests.test_example_project import (  # noqa: F401 - fixtures
    SIGN_IN,
    SIGN_UP,
    demo,
    example_site,
    text,
)
from tests.test_translations import (
    BRACE_PLACEHOLDER,
    HAN,
    PERCENT_PLACEHOLDER,
    compiled_view,
    parse_po,
    read_mo,
)

pytestmark = pytest.mark.django_db

EXAMPLE = Path(example.__file__).resolve().parent
CATALOG = EXAMPLE / "locale" / "zh_Hans" / "LC_MESSAGES"
TEMPLATES = sorted(
    path
    for folder in ("templates", "templates_allauth", "accounts", "demo")
    for path in (EXAMPLE / folder).rglob("*.html")
)
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(scope="module")
def entries():
    return parse_po((CATALOG / "django.po").read_text(encoding="utf-8"))


def test_the_example_reads_its_own_catalog():
    assert example.LOCALE_PATHS == [EXAMPLE / "locale"]


def test_every_entry_is_translated_into_chinese_with_its_placeholders(entries):
    messages = [e for e in entries if e.msgid and not e.obsolete]
    assert len(messages) > 30
    for entry in messages:
        assert "fuzzy" not in entry.flags, entry.label
        (translation,) = entry.msgstr.values()
        assert HAN.search(translation), entry.label
        for pattern in (PERCENT_PLACEHOLDER, BRACE_PLACEHOLDER):
            assert set(pattern.findall(translation)) == set(pattern.findall(entry.msgid))


def test_the_mo_is_compiled_from_the_current_po(entries):
    compiled = read_mo((CATALOG / "django.mo").read_bytes())
    compiled[""] = "".join(
        line for line in compiled.get("", "").splitlines(True) if not line.startswith("POT-")
    )
    assert compiled == compiled_view(entries), (
        "django.mo is stale: run `msgfmt --check -o django.mo django.po` in " + str(CATALOG)
    )


def untranslated_text(source: str) -> list[str]:
    """Words a template shows outside ``{% translate %}`` / ``{% blocktranslate %}``."""
    source = re.sub(r"{% comment %}.*?{% endcomment %}", " ", source, flags=re.S)
    source = re.sub(r"{% blocktranslate.*?{% endblocktranslate %}", " ", source, flags=re.S)
    source = re.sub(r"{%.*?%}|{{.*?}}", " ", source, flags=re.S)
    source = re.sub(r"<(style|script)\b.*?</\1>", " ", source, flags=re.S)
    source = re.sub(r"<[^>]*>", " ", source)
    return re.findall(r"[A-Za-z][A-Za-z'-]+", source)


def test_no_template_of_the_site_shows_untranslated_text():
    assert TEMPLATES
    found = {
        path.relative_to(EXAMPLE).as_posix(): untranslated_text(path.read_text())
        for path in TEMPLATES
    }
    assert {path: words for path, words in found.items() if words} == {}


def test_the_check_finds_untranslated_text():
    assert untranslated_text('<p>Hello {% translate "Hi" %} <a href="{% url "x" %}">there</a>') == [
        "Hello",
        "there",
    ]


def test_the_home_page_in_chinese(client):
    page = text(client.get("/", **ZH))
    assert "django-tencent-sms 示例" in page and "用发送到手机的验证码登录，无需密码。" in page
    assert "首页" in page and "注册" in page
    for english in ("Sign in with a code sent", "Create an account", "Home", "Sign up"):
        assert english not in page


def test_the_sign_in_page_in_chinese_is_chinese_in_the_app_and_the_site(client):
    page = text(client.get(SIGN_IN, **ZH))
    assert "使用手机号登录" in page and "发送验证码" in page  # the app's
    assert "首页" in page and "登录" in page  # the site's header
    assert not re.search(r"\b(Sign|Home|Phone|Send)\b", page), page


def test_the_staff_pages_in_chinese(client, demo):  # noqa: F811
    client.force_login(demo)
    home = text(client.get("/", **ZH))
    assert "欢迎，admin。" in home and "已登录：" in home and "退出登录" in home
    send = text(client.get("/send/", **ZH))
    assert "按模板发送短信" in send and "模板参数，用逗号分隔。" in send


def test_sign_up_in_chinese(client):
    page = text(client.get(SIGN_UP, **ZH))
    assert "使用手机号注册账号" in page
