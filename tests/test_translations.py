"""The shipped Simplified Chinese catalog: complete, placeholders intact, compiled, and shown.

The .po is read with a small stdlib parser (no polib); the .mo is read straight from its
binary layout, so a stale compile shows up as a difference between the two.
"""

from __future__ import annotations

import ast
import re
import struct
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import formats, translation

import django_tencent_sms
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.result_codes import RESULT_CODES

LC_MESSAGES = Path(django_tencent_sms.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

SHANGHAI = ZoneInfo("Asia/Shanghai")
HAN = re.compile(r"[\u4e00-\u9fff]")
#: ``%(name)s``-style placeholders (with their conversion) and ``{name}`` / ``{1}`` ones.
PERCENT_PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACE_PLACEHOLDER = re.compile(r"\{\w*\}")


# -- A tiny .po reader ------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    @property
    def label(self) -> str:
        return self.key.replace("\x04", " | ")


KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _unquote(text: str) -> str:
    # PO string escapes are C's; the catalog has only \" \\ \n \t, which Python reads the same.
    return ast.literal_eval(text)


def parse_po(text: str) -> list[Entry]:
    """Entries of a .po file, header (msgid "") included; obsolete ``#~`` entries are marked."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry = Entry(msgid="")
        seen_msgid = False
        current: tuple[str, int | None] | None = None
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#~"):
                entry.obsolete = True
                line = line[2:].strip()
                if not line or line.startswith("#"):
                    continue
            elif line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
                continue
            elif line.startswith("#") or not line:
                continue
            match = KEYWORD.match(line)
            if match:
                keyword, index, value = match.groups()
                value = _unquote(value)
                if keyword == "msgid":
                    entry.msgid, seen_msgid = value, True
                    current = ("msgid", None)
                elif keyword == "msgid_plural":
                    entry.msgid_plural = value
                    current = ("msgid_plural", None)
                elif keyword == "msgctxt":
                    entry.msgctxt = value
                    current = ("msgctxt", None)
                else:
                    slot = int(index) if index is not None else 0
                    entry.msgstr[slot] = value
                    current = ("msgstr", slot)
            elif line.startswith('"') and current is not None:
                value = _unquote(line)
                name, slot = current
                if name == "msgstr":
                    entry.msgstr[slot] += value
                else:
                    setattr(entry, name, getattr(entry, name) + value)
            else:
                raise ValueError(f"Unexpected line in {PO_PATH.name}: {raw!r}")
        if seen_msgid:
            entries.append(entry)
    return entries


def read_mo(data: bytes) -> dict[str, str]:
    """A compiled catalog as ``{original: translation}``, both as stored (plural forms and
    ``msgid``/``msgid_plural`` joined by NUL, context joined by EOT)."""
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    _revision, count, originals_at, translations_at = struct.unpack(order + "4I", data[4:20])
    catalog = {}
    for n in range(count):
        length, offset = struct.unpack(order + "2I", data[originals_at + 8 * n :][:8])
        original = data[offset : offset + length].decode("utf-8")
        length, offset = struct.unpack(order + "2I", data[translations_at + 8 * n :][:8])
        catalog[original] = data[offset : offset + length].decode("utf-8")
    return catalog


def compiled_view(entries: list[Entry]) -> dict[str, str]:
    """What msgfmt puts in the .mo for these entries: translated, non-fuzzy, non-obsolete."""
    catalog = {}
    for entry in entries:
        if entry.obsolete or ("fuzzy" in entry.flags and entry.msgid):
            continue
        forms = [entry.msgstr[i] for i in sorted(entry.msgstr)]
        if entry.msgid and not all(forms):
            continue
        original = entry.key
        if entry.msgid_plural is not None:
            original += "\x00" + entry.msgid_plural
        catalog[original] = "\x00".join(forms)
    if "" in catalog:
        catalog[""] = _comparable_header(catalog[""])
    return catalog


def _comparable_header(header: str) -> str:
    """The header without POT-Creation-Date, which msgfmt 0.20+ leaves out of the .mo."""
    return "".join(line for line in header.splitlines(True) if not line.startswith("POT-"))


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(entries) -> list[Entry]:
    return [e for e in entries if e.msgid and not e.obsolete]


# -- The catalog ------------------------------------------------------------------------------


def test_the_catalog_declares_chinese_plural_forms(entries):
    header = next(e for e in entries if not e.msgid).msgstr[0]
    assert "Language: zh_Hans\n" in header
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header
    assert "charset=UTF-8" in header


def test_every_entry_is_translated_and_none_is_fuzzy(messages):
    assert len(messages) > 150, "the parser found too few entries"
    fuzzy = [e.label for e in messages if "fuzzy" in e.flags]
    untranslated = [e.label for e in messages if not e.msgstr or not all(e.msgstr.values())]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_plural_entries_have_the_one_chinese_form(messages):
    plurals = [e for e in messages if e.msgid_plural is not None]
    assert plurals
    for entry in plurals:
        assert sorted(entry.msgstr) == [0], entry.label


def test_translations_are_chinese(messages):
    """Nothing left in English: every msgstr has Chinese in it, except format strings."""
    for entry in messages:
        if entry.msgctxt and "format" in entry.msgctxt:
            continue
        for text in entry.msgstr.values():
            assert HAN.search(text), f"{entry.label!r} -> {text!r}"


def test_placeholders_survive_translation(messages):
    """Each ``%(name)s`` and ``{name}`` of the msgid (and msgid_plural) is in every msgstr with
    the same conversion, and no msgstr brings a placeholder the code does not fill."""
    for entry in messages:
        source = entry.msgid + (entry.msgid_plural or "")
        wanted_percent = set(PERCENT_PLACEHOLDER.findall(source))
        wanted_brace = set(BRACE_PLACEHOLDER.findall(source))
        for text in entry.msgstr.values():
            assert set(PERCENT_PLACEHOLDER.findall(text)) == wanted_percent, (entry.label, text)
            assert set(BRACE_PLACEHOLDER.findall(text)) == wanted_brace, (entry.label, text)
            if "python-format" in entry.flags:
                # Still a valid %-format string: fill every name and nothing is left over.
                names = re.findall(r"%\((\w+)\)", source)
                filled = text % dict.fromkeys(names, 1)
                assert "%(" not in filled, (entry.label, text)


def test_the_result_codes_are_all_in_the_catalog(messages):
    """codes.py marks its meanings and hints with its own gettext_noop: makemessages must have
    found every one."""
    catalog = {e.msgid for e in messages}
    marked = {code.meaning for code in RESULT_CODES.values()}
    marked |= {code.hint for code in RESULT_CODES.values() if code.hint}
    assert marked - catalog == set()


def test_the_chart_axis_date_format_is_chinese():
    with translation.override("zh-hans"):
        axis_format = translation.pgettext("date format for chart axis labels", "M j")
        assert axis_format == "n月j日"
        assert formats.date_format(date(2026, 1, 5), axis_format) == "1月5日"


# -- The compiled catalog ---------------------------------------------------------------------


def test_the_mo_file_is_compiled_from_the_current_po(entries):
    assert MO_PATH.stat().st_size > 0
    compiled = read_mo(MO_PATH.read_bytes())
    compiled[""] = _comparable_header(compiled.get("", ""))
    expected = compiled_view(entries)
    assert set(compiled) == set(expected), (
        "django.mo is stale: run `msgfmt --check -o django.mo django.po` in "
        f"{LC_MESSAGES}. Missing: {sorted(set(expected) - set(compiled))[:5]}, "
        f"extra: {sorted(set(compiled) - set(expected))[:5]}"
    )
    changed = sorted(k for k in expected if compiled[k] != expected[k])
    assert not changed, f"django.mo is stale for: {changed[:5]}"


def test_the_po_reader_notices_what_the_mo_test_relies_on():
    """The helpers behind the staleness test can tell a difference."""
    po = (
        'msgid ""\nmsgstr "Language: zh_Hans\\n"\n\n'
        'msgid "One"\nmsgstr "一"\n\n'
        '#, fuzzy\nmsgid "Two"\nmsgstr "二"\n\n'
        'msgctxt "ctx"\nmsgid "Three"\nmsgstr ""\n"三"\n\n'
        'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s 天"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "无"\n'
    )
    parsed = parse_po(po)
    assert [e.msgid for e in parsed] == ["", "One", "Two", "Three", "%(n)s day", "Gone"]
    assert compiled_view(parsed) == {
        "": "Language: zh_Hans\n",
        "One": "一",
        "ctx\x04Three": "三",
        "%(n)s day\x00%(n)s days": "%(n)s 天",
    }


# -- The admin in Chinese ---------------------------------------------------------------------


@pytest.fixture
def zh_client(client, db):
    """A superuser's client whose requests ask for Simplified Chinese."""
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    with translation.override("zh-hans"):
        yield client


@pytest.fixture
def template(db):
    return SmsTemplate.objects.create(
        name="order-shipped", tpl_id=2001, text="您的订单{1}已发货。", type="notification"
    )


def make_log(template, **fields):
    defaults = {
        "phone": "+8613812345678",
        "template": template,
        "tpl_id": template.tpl_id,
        "params": ["A-1"],
        "sign": "腾讯云",
        "status": SmsLog.Status.SENT,
        "result": 0,
        "sid": "8:abc",
        "fee": 2,
        "created_at": datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI),
    }
    return SmsLog.objects.create(**{**defaults, **fields})


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    return response.content.decode()


def test_the_log_changelist_is_in_chinese(zh_client, template):
    make_log(template)
    html = page(zh_client, reverse("admin:tencent_sms_smslog_changelist"))
    assert "短信发送记录" in html  # the model's name
    assert "腾讯返回码" in html  # a column
    assert "已发送" in html  # the status badge
    assert "计费与发送量统计" in html  # the link to the dashboard
    assert "可按手机号" in html  # the search help text
    assert "重发所选短信" in html  # the action
    assert "当前筛选条件下共有 <strong>1</strong> 条短信，计费 <strong>2</strong> 条。" in html
    assert "Fee and volume dashboard" not in html
    assert "message matches the current filter" not in html


def test_the_dashboard_is_in_chinese(zh_client, template):
    make_log(template)
    make_log(template, status=SmsLog.Status.FAILED, result=1023, fee=None)
    html = page(
        zh_client,
        reverse("admin:tencent_sms_smslog_dashboard"),
        start="2026-11-14",
        end="2026-11-20",
    )
    assert "<title>2026年11月14日 至 2026年11月20日 | 计费与发送量统计 |" in html
    for text in ["每日短信条数", "每日计费条数", "按状态", "按模板", "按日期", "合计", "最近 7 天"]:
        assert text in html, text
    assert "共 7 天，按 Asia/Shanghai 时区统计。" in html
    assert "短信条数：2。计费条数：2。" in html
    assert "发送失败" in html  # a status in the legend and the tables
    assert ">11月20日</text>" in html  # an x-axis label, in the translated date format
    assert "2026年11月14日 至 2026年11月20日 按状态统计的每日短信条数，共 2 条。" in html
    assert "Messages per day" not in html


def test_a_result_meaning_is_shown_in_chinese(zh_client, template):
    log = make_log(template, status=SmsLog.Status.FAILED, result=1023, sid="", fee=None)
    html = page(zh_client, reverse("admin:tencent_sms_smslog_change", args=[log.pk]))
    assert "单个手机号 30 秒内下发条数超过设定的上限" in html  # the meaning of 1023
    assert "用户可稍后再试；这些限制在控制台的频率限制策略中设置。" in html  # its hint
    assert "发送结果" in html  # a fieldset
    assert f"的短信 #{log.pk}（发送失败）" in html  # the log's __str__ in the breadcrumbs
    assert "Per-number 30-second limit exceeded" not in html


def test_the_changelist_shows_result_meanings_in_chinese(zh_client, template):
    make_log(template, status=SmsLog.Status.FAILED, result=1016, sid="", fee=None)
    html = page(zh_client, reverse("admin:tencent_sms_smslog_changelist"))
    assert 'title="手机号格式错误"' in html
