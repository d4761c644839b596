"""README.zh-CN.md carries everything README.md says.

Each ``##``/``###`` heading of the Chinese README sits under a marker naming the English section
it translates, ``<!-- sync: README.md <section title> -->``; the two files are compared section by
section: the same sections in the same order, the same code blocks (comments aside, since those
are translated), the same tables with the same keys, every setting and every result code, and the
same links. A change to README.md that is not carried over fails here, naming the section.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from django_tencent_sms.result_codes.readme import BEGIN, END, LANGUAGES, render

ROOT = Path(__file__).resolve().parent.parent
EN_PATH = ROOT / "README.md"
ZH_PATH = ROOT / "README.zh-CN.md"

TOP = "(top of the file)"
HEADING = re.compile(r"^(#{1,6}) (.+?)\s*$")
FENCE = re.compile(r"^( *)```(.*)$")
SYNC_MARKER = re.compile(r"^<!-- sync: README\.md (.+?) -->$")
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
CODE_SPAN = re.compile(r"`([^`]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>\s]+)>")
#: Links between the two READMEs (the language switch) are not content to translate.
LANGUAGE_LINKS = {"README.md", "README.zh-CN.md"}


@dataclass
class Section:
    title: str | None  # the English title; in README.zh-CN.md, the one its sync marker names
    level: int  # 2 or 3; 1 for the top of the file
    heading: str
    line: int
    text: list[str] = field(default_factory=list)
    code_blocks: list[tuple[str, list[str]]] = field(default_factory=list)  # (info, lines)
    tables: list[list[list[str]]] = field(default_factory=list)  # rows of cells

    @property
    def where(self) -> str:
        return f"section {self.title!r} ({'#' * self.level} {self.heading}, line {self.line})"


def split_row(row: str) -> list[str]:
    """The cells of a table row; a ``|`` inside a code span does not split."""
    cells, cell, in_code = [], "", False
    for char in row.strip().strip("|"):
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append(cell.strip())
            cell = ""
        else:
            cell += char
    return [*cells, cell.strip()]


def parse(path: Path, *, synced: bool) -> list[Section]:
    """Sections at ``##`` and ``###`` headings, after the top of the file (title and intro)."""
    sections = [Section(TOP, 1, TOP, 1)]
    fence: tuple[str, list[str]] | None = None
    indent = ""  # of the open fence: a code block inside a list item is indented
    marker: str | None = None
    previous_row = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        section = sections[-1]
        if fence is not None:
            if line.strip() == "```":
                section.code_blocks.append(fence)
                fence = None
            else:
                fence[1].append(line.removeprefix(indent))
            continue
        opening = FENCE.match(line)
        if opening:
            indent, fence = opening[1], (opening[2].strip(), [])
            previous_row = False
            continue
        heading = HEADING.match(line)
        if heading and len(heading[1]) in (2, 3):
            title = marker if synced else heading[2]
            sections.append(Section(title, len(heading[1]), heading[2], number))
        elif line.startswith("|"):
            if not re.fullmatch(r"\|[\s:|-]+\|?", line.strip()):  # not the |---| line
                if not previous_row:
                    section.tables.append([])
                section.tables[-1].append(split_row(line))
        else:
            section.text.append(line)
        previous_row = line.startswith("|")
        found = SYNC_MARKER.match(line)
        if found:
            marker = found[1]
        elif line.strip() and not ANCHOR.fullmatch(line.strip()):
            marker = None  # a marker names the heading right below it (anchors may sit between)
    return sections


EN = parse(EN_PATH, synced=False)
ZH = parse(ZH_PATH, synced=True)
EN_TITLES = [section.title for section in EN]


def counterpart(title: str) -> tuple[Section, Section]:
    english = next(section for section in EN if section.title == title)
    chinese = [section for section in ZH if section.title == title]
    if not chinese:
        pytest.fail(
            f"README.md {english.where} has no counterpart in README.zh-CN.md: translate it "
            f"under a heading marked <!-- sync: README.md {title} -->"
        )
    return english, chinese[0]


def strip_comment(line: str) -> str:
    """``line`` without its ``#`` comment (Python and shell), quotes respected."""
    quote = None
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def code_without_comments(lines: list[str]) -> list[str]:
    """The code lines, comments removed; lines that were only a comment are dropped (a
    translated comment may take more or fewer lines), blank lines are kept."""
    return [strip_comment(line) for line in lines if strip_comment(line) or not line.strip()]


def first_column_keys(table: list[list[str]]) -> list[str]:
    """What identifies each body row: its first cell's code spans, or the cell itself when it is
    a plain token such as a result code; prose (translated) identifies nothing."""
    keys = []
    for row in table[1:]:
        spans = CODE_SPAN.findall(row[0])
        if spans:
            keys.append(" ".join(spans))
        else:
            keys.append(row[0] if re.fullmatch(r"[\w.-]+", row[0]) else "")
    return keys


def links(section: Section) -> set[str]:
    found = {a or b for line in section.text for a, b in LINK.findall(line)}
    return found - LANGUAGE_LINKS


def github_slug(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_chinese_heading_names_its_english_section():
    unmarked = [f"line {s.line}: {'#' * s.level} {s.heading}" for s in ZH if s.title is None]
    assert not unmarked, (
        "README.zh-CN.md headings without a <!-- sync: README.md <section title> --> marker "
        f"right above them: {unmarked}"
    )
    titles = [s.title for s in ZH]
    doubled = sorted({title for title in titles if titles.count(title) > 1})
    assert not doubled, f"README.zh-CN.md marks several headings as the same section: {doubled}"


def test_same_sections_in_the_same_order():
    english = [(s.level, s.title) for s in EN]
    chinese = [(s.level, s.title) for s in ZH]
    missing = [f"{'#' * n} {title}" for n, title in english if (n, title) not in chinese]
    extra = [f"{'#' * n} {title}" for n, title in chinese if (n, title) not in english]
    assert not missing, f"README.md sections not carried over to README.zh-CN.md: {missing}"
    assert not extra, (
        f"README.zh-CN.md sections whose sync marker names no README.md section: {extra} "
        "(renamed in README.md?)"
    )
    assert chinese == english, (
        f"README.md has {len(EN) - 1} ##/### sections, README.zh-CN.md {len(ZH) - 1}, "
        "not in the same order"
    )


@pytest.mark.parametrize("title", EN_TITLES)
def test_same_code_blocks(title):
    english, chinese = counterpart(title)
    assert len(chinese.code_blocks) == len(english.code_blocks), (
        f"{english.where}: README.md has {len(english.code_blocks)} code blocks, "
        f"README.zh-CN.md {len(chinese.code_blocks)}"
    )
    for number, ((info, en_lines), (zh_info, zh_lines)) in enumerate(
        zip(english.code_blocks, chinese.code_blocks, strict=True), 1
    ):
        assert zh_info == info, f"{english.where}, code block {number}: ```{info} != ```{zh_info}"
        en_code, zh_code = code_without_comments(en_lines), code_without_comments(zh_lines)
        diff = "\n".join(difflib.unified_diff(en_code, zh_code, "README.md", "README.zh-CN.md"))
        assert zh_code == en_code, (
            f"{english.where}, code block {number} differs outside comments:\n{diff}"
        )


@pytest.mark.parametrize("title", EN_TITLES)
def test_same_tables(title):
    english, chinese = counterpart(title)
    assert len(chinese.tables) == len(english.tables), (
        f"{english.where}: README.md has {len(english.tables)} tables, "
        f"README.zh-CN.md {len(chinese.tables)}"
    )
    pairs = zip(english.tables, chinese.tables, strict=True)
    for number, (en_table, zh_table) in enumerate(pairs, 1):
        shape = (len(en_table), len(en_table[0]))
        assert (len(zh_table), len(zh_table[0])) == shape, (
            f"{english.where}, table {number} ({en_table[0][0]}): README.md has "
            f"{shape[0] - 1} rows of {shape[1]} columns, README.zh-CN.md "
            f"{len(zh_table) - 1} rows of {len(zh_table[0])}"
        )
        assert first_column_keys(zh_table) == first_column_keys(en_table), (
            f"{english.where}, table {number} ({en_table[0][0]}): the rows differ"
        )


def settings_tables() -> list[tuple[str, int]]:
    """(section title, table index) of README.md's settings tables ("Key | Default | …")."""
    return [
        (section.title, index)
        for section in EN
        for index, table in enumerate(section.tables)
        if "key" in table[0][0].lower()
    ]


@pytest.mark.parametrize(("title", "index"), settings_tables())
def test_every_setting_key_and_default(title, index):
    english, chinese = counterpart(title)
    assert index < len(chinese.tables), f"{english.where}: the settings table is missing"
    zh_rows = {key: row for row in chinese.tables[index][1:] for key in CODE_SPAN.findall(row[0])}
    for row in english.tables[index][1:]:
        for key in CODE_SPAN.findall(row[0]):
            assert key in zh_rows, f"{english.where}: setting {key} is not in README.zh-CN.md"
            assert CODE_SPAN.findall(zh_rows[key][1]) == CODE_SPAN.findall(row[1]), (
                f"{english.where}: the default of {key} is {row[1]} in README.md, "
                f"{zh_rows[key][1]} in README.zh-CN.md"
            )


def result_code_rows(sections: list[Section]) -> dict[str, tuple[str, dict[str, list[str]]]]:
    """Per section title, the rows of its troubleshooting tables (a "Result" or "API 3.0 code"
    column first), by code."""
    found: dict[str, tuple[str, dict[str, list[str]]]] = {}
    for section in sections:
        for table in section.tables:
            if table[0][0] in ("Result", "返回码", "API 3.0 code", "API 3.0 错误码"):
                rows = found.setdefault(section.title, (section.where, {}))[1]
                rows.update({row[0]: row for row in table[1:]})
    return found


def test_every_result_code_of_the_troubleshooting_table():
    english, chinese = result_code_rows(EN), result_code_rows(ZH)
    assert english, "README.md has no troubleshooting table (a 'Result' column) any more"
    for title, (where, en_rows) in english.items():
        assert title in chinese, f"README.md {where}: no result-code table in README.zh-CN.md"
        missing = sorted(set(en_rows) - set(chinese[title][1]))
        assert not missing, f"{where}: result codes missing from README.zh-CN.md: {missing}"


def test_result_code_tables_are_rendered_from_the_data_in_each_language():
    """The troubleshooting tables are ``result_codes.readme``'s, in the file's language: the
    meanings and hints the admin shows, the same rows in both files."""
    for path, language in LANGUAGES.items():
        text = (ROOT / path).read_text(encoding="utf-8")
        block = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")
        assert block == render(language), (
            f"{path}: the result-code tables differ from the data; run "
            "`python -m django_tencent_sms.result_codes.readme`"
        )


@pytest.mark.parametrize("title", EN_TITLES)
def test_same_links(title):
    english, chinese = counterpart(title)
    missing = sorted(links(english) - links(chinese))
    assert not missing, f"{english.where}: links missing from README.zh-CN.md: {missing}"


def test_links_within_the_chinese_readme_resolve():
    text = ZH_PATH.read_text(encoding="utf-8")
    targets = set(ANCHOR.findall(text)) | {github_slug(s.heading) for s in ZH}
    wanted = {link[1:] for s in EN + ZH for link in links(s) if link.startswith("#")}
    assert wanted <= targets, (
        f"README.zh-CN.md lacks the anchors {sorted(wanted - targets)}: put "
        '<a id="..."></a> above the translated heading'
    )


def test_the_chinese_readme_links_back_to_the_english_one():
    top = next(section for section in ZH if section.title == TOP)
    assert any("](README.md)" in line for line in top.text), "no link to README.md at the top"
