"""Which replies opt a number out: the normalisation, hostile replies, and the keyword setting."""

import logging

import pytest
from django.test import override_settings

from django_tencent_sms.account.optout_keywords import (
    DEFAULT_OPT_OUT_KEYWORDS,
    MAX_REPLY_LENGTH,
    is_opt_out_reply,
    keyword_problems,
    normalize_reply,
    opt_out_keywords,
)
from django_tencent_sms.checks import check_settings
from tests.test_checks_hostile import HOSTILE, LEGACY


@pytest.mark.parametrize(
    "text",
    [
        "退订",
        "TD",
        "td",
        "Td",
        "T",
        "t",
        "N",
        "n",
        "STOP",
        "Stop",
        "unsubscribe",
        "UnSubscribe",
        "ＴＤ",  # full-width letters
        "ｓｔｏｐ",
        "  退订  ",
        "\u3000退订\u3000",  # ideographic spaces
        "退订。",
        "【退订】",
        "“TD”",
        "td.",
        "STOP!!!",
        "退订👍",
        "\n退订\r\n",
        "\t STOP \t",
        "退\u200b订",  # a zero-width space inside
        "\u200b退订\ufeff",
        "退订\x00",  # NUL, as a callback may carry it
        "\ufffd退订",  # what storing makes of a NUL
    ],
)
def test_these_replies_opt_out(text):
    assert is_opt_out_reply(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "。",
        "请帮我退订",  # a keyword inside a sentence does not count
        "不要退订",  # "do not unsubscribe"
        "退订了吗？",
        "TD TD",
        "T D",
        "STOP IT",
        "stopp",
        "OK",
        "好的",
        "NO",
        "TDD",
        "1",
        "退 订",  # split by a real space: a different text
        "退订" * 2,
        "🛑",
        "\x00",
        "退订" + " " * (MAX_REPLY_LENGTH + 1),  # too long to be a keyword, however trimmed
    ],
)
def test_these_replies_do_not(text):
    assert not is_opt_out_reply(text)


def test_a_huge_reply_is_judged_without_reading_it():
    assert not is_opt_out_reply("退订" + "x" * 10_000_000)


def test_normalisation():
    assert (
        normalize_reply(" ＵＮＳＵＢ\u00adＳＣＲＩＢＥ！ ") == "unsubscribe"
    )  # soft hyphen dropped
    assert normalize_reply("Hello,   World!") == "hello, world"
    assert normalize_reply("STRASSE") == normalize_reply("straße")  # case-folding, not lower()


def test_the_keywords_are_configurable(settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OPT_OUT_KEYWORDS": ["取消", "  Quit! "]}
    assert opt_out_keywords() == {"取消", "quit"}
    assert is_opt_out_reply("QUIT") and is_opt_out_reply("取消。")
    assert not is_opt_out_reply("退订") and not is_opt_out_reply("TD")


def test_an_empty_list_opts_nobody_out(settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OPT_OUT_KEYWORDS": []}
    assert not is_opt_out_reply("退订")


def test_a_setting_that_is_no_list_falls_back_to_the_defaults(settings, caplog):
    # A bare string would otherwise be read letter by letter ("T", "D"...) or not at all.
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OPT_OUT_KEYWORDS": "STOP"}
    with caplog.at_level(logging.ERROR, logger="django_tencent_sms"):
        assert is_opt_out_reply("退订") and is_opt_out_reply("stop")
    assert "OPT_OUT_KEYWORDS" in caplog.text


def test_unusable_entries_are_left_out(settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OPT_OUT_KEYWORDS": ["退订", 5, "!!", None]}
    assert opt_out_keywords() == {"退订"}


def test_the_defaults_pass_the_check():
    assert keyword_problems(list(DEFAULT_OPT_OUT_KEYWORDS)) == []
    assert keyword_problems(DEFAULT_OPT_OUT_KEYWORDS) == []
    assert keyword_problems([]) == []


@pytest.mark.parametrize(
    "value, says",
    [
        ("退订", "must be a list"),
        (b"TD", "must be a list"),
        ({"TD"}, "must be a list"),
        ({"TD": 1}, "must be a list"),
        (None, "must be a list"),
        (5, "must be a list"),
        ([5], "entry 0 is a int"),
        (["TD", None], "entry 1 is a NoneType"),
        ([["TD"]], "entry 0 is a list"),
        ([""], "empty once spaces and punctuation are trimmed"),
        (["  "], "empty once"),
        (["!!!"], "empty once"),
        (["\u200b"], "empty once"),
        (["TD\x00"], "NUL"),
        (["\ud800"], "broken character"),
        (["x" * 33], "longer than 32"),
    ],
)
def test_the_check_reports_hostile_values(value, says):
    with override_settings(TENCENT_SMS={**LEGACY, "OPT_OUT_KEYWORDS": value}):
        found = [m for m in check_settings() if m.id == "tencent_sms.E033"]
    assert len(found) == 1 and says in found[0].msg, found


def test_the_check_passes_a_good_list():
    with override_settings(TENCENT_SMS={**LEGACY, "OPT_OUT_KEYWORDS": ["退订", "TD", "取消"]}):
        assert not [m for m in check_settings() if m.id == "tencent_sms.E033"]


def test_no_hostile_value_crashes_the_keyword_check():
    for value in HOSTILE:
        with override_settings(TENCENT_SMS={**LEGACY, "OPT_OUT_KEYWORDS": value}):
            ids = [m.id for m in check_settings()]
        assert "tencent_sms.E027" not in ids, value
        assert ids.count("tencent_sms.E033") == (0 if value == [] else 1), value


def test_a_long_list_of_problems_is_cut():
    with override_settings(TENCENT_SMS={**LEGACY, "OPT_OUT_KEYWORDS": [1] * 50}):
        (found,) = [m for m in check_settings() if m.id == "tencent_sms.E033"]
    assert found.msg.count("entry") == 5 and found.msg.endswith(" ….")
