"""The README's troubleshooting tables, rendered from the result-code tables in either language.

``python -m django_tencent_sms.result_codes.readme`` rewrites the tables in README.md and
README.zh-CN.md between their ``<!-- result-codes: begin -->`` and ``<!-- result-codes: end -->``
lines; a test checks that both READMEs hold what this renders.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext, pgettext

from django_tencent_sms.result_codes.cloud import CLOUD_CODES
from django_tencent_sms.result_codes.kinds import Category, CloudCode, ResultCode, gettext_noop
from django_tencent_sms.result_codes.legacy import RESULT_CODES

__all__ = ["BEGIN", "END", "LANGUAGES", "category_label", "render", "replace_tables", "who_acts"]

BEGIN = "<!-- result-codes: begin -->"
END = "<!-- result-codes: end -->"
#: README file name → the language its tables are in.
LANGUAGES = {"README.md": "en", "README.zh-CN.md": "zh-hans"}

_CATEGORIES = {
    Category.INPUT: gettext_noop("input"),
    Category.RATE_LIMIT: gettext_noop("per-number limit"),
    Category.ACCOUNT: gettext_noop("account"),
    Category.TRANSIENT: gettext_noop("transient"),
    Category.UNKNOWN_OUTCOME: gettext_noop("unknown outcome"),
    Category.UNKNOWN: gettext_noop("unknown"),
}
_OPERATOR = gettext_noop("the operator (console, settings)")
_NOBODY = {
    Category.TRANSIENT: gettext_noop("nobody: try again later"),
    Category.UNKNOWN_OUTCOME: gettext_noop("nobody: check it arrived before sending again"),
}
_PERSON = {
    Category.INPUT: gettext_noop("the person (another number)"),
    Category.RATE_LIMIT: gettext_noop("the person (wait, then ask again)"),
}
#: The legacy table's first header is translated in the context "result-code table".
_HEADERS = {
    "legacy": (
        gettext_noop("Result"),
        gettext_noop("Meaning"),
        gettext_noop("Category"),
        gettext_noop("Who acts"),
        gettext_noop("What to do"),
    ),
    "cloud": (
        gettext_noop("API 3.0 code"),
        gettext_noop("Legacy result"),
        gettext_noop("Meaning"),
        gettext_noop("Category"),
        gettext_noop("Who acts"),
        gettext_noop("What to do"),
    ),
}


def category_label(category: Category) -> str:
    """The category as the table names it, in the active language."""
    return gettext(_CATEGORIES[category])


def who_acts(info: ResultCode | CloudCode) -> str:
    """Who can do something about ``info``'s code, in the active language."""
    if info.user_facing and info.category in _PERSON:
        return gettext(_PERSON[info.category])
    if info.category in _NOBODY:
        return gettext(_NOBODY[info.category])
    return gettext(_OPERATOR)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _tail(info: ResultCode | CloudCode) -> list[str]:
    hint = gettext(info.hint) if info.hint else "—"
    return [gettext(info.meaning), category_label(info.category), who_acts(info), hint]


def render(language: str) -> str:
    """Both tables (legacy results, then API 3.0 codes) as Markdown, in ``language``."""
    with translation.override(language):
        legacy = [pgettext("result-code table", _HEADERS["legacy"][0])]
        lines = [_row(legacy + [gettext(h) for h in _HEADERS["legacy"][1:]])]
        lines.append("|---" * len(_HEADERS["legacy"]) + "|")
        lines += [_row([str(code), *_tail(info)]) for code, info in RESULT_CODES.items()]
        lines += ["", _row([gettext(h) for h in _HEADERS["cloud"]])]
        lines.append("|---" * len(_HEADERS["cloud"]) + "|")
        for name, info in CLOUD_CODES.items():
            result = str(info.result) if info.result is not None else "—"
            lines.append(_row([f"`{name}`", result, *_tail(info)]))
    return "\n".join(lines)


def replace_tables(text: str, language: str) -> str:
    """``text`` (a README) with the tables between ``BEGIN`` and ``END`` rendered anew."""
    pattern = re.compile(re.escape(BEGIN) + r"\n(?:.*?\n)?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"no {BEGIN} … {END} block")
    return pattern.sub(lambda _: f"{BEGIN}\n{render(language)}\n{END}", text, count=1)


def main(root: Path) -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=True, INSTALLED_APPS=["django_tencent_sms"])
    django.setup()
    for name, language in LANGUAGES.items():
        path = root / name
        path.write_text(replace_tables(path.read_text(encoding="utf-8"), language), "utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
