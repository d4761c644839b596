"""protocol.text: what Tencent sends, made safe to store (storable) and to log (printable)."""

import pytest

from django_tencent_sms.protocol.text import printable, storable


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019:abc", "2019:abc"),
        ("用户短信送达成功", "用户短信送达成功"),
        ("a\nb", "a\\nb"),
        ("a\r\nINFO forged", "a\\r\\nINFO forged"),
        ("nul\x00", "nul\\x00"),
        ("esc\x1b[2J", "esc\\x1b[2J"),
        ("c1\x85", "c1\\x85"),
        ("sep\u2028par\u2029", "sep\\u2028par\\u2029"),
        ("lone\ud800", "lone\\ud800"),
        ("emoji 👍 and tab\t", "emoji 👍 and tab\\t"),
    ],
)
def test_printable_writes_every_control_and_broken_character_as_its_escape(text, expected):
    assert printable(text) == expected


def test_printable_cuts_between_characters_never_inside_an_escape():
    assert printable("ab\ncd", 3) == "ab"
    assert printable("ab\ncd", 4) == "ab\\n"
    assert printable("短信" * 100, 5) == "短信短信短"
    assert printable("x" * 10, 10) == "x" * 10


def test_storable_keeps_line_breaks_and_replaces_only_what_no_database_stores():
    assert storable("第一行\n第二行\t") == "第一行\n第二行\t"
    assert storable("a\x00b\udc80c") == "a\ufffdb\ufffdc"
    assert storable("👍") == "👍"
