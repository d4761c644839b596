"""Which replies mean "unsubscribe": the keywords, and how a reply is compared with them.

A reply opts its number out when the whole reply, normalised, is one of the normalised
keywords (``TENCENT_SMS["OPT_OUT_KEYWORDS"]``, by default 退订, TD, T, N, STOP and
UNSUBSCRIBE). Normalising is, in order: Unicode NFKC (full-width ``ＴＤ`` is ``TD``, the
ideographic space a space), every whitespace character a space, every other control, format
(zero-width) or unassigned character dropped, case-folding (``Stop`` is ``stop``), then the
whitespace, punctuation and symbols around the text trimmed (``【退订】``, `` td. ``,
``STOP!``, ``退订👍``) and runs of inner spaces made one.

Only the whole reply counts: 退订 inside a sentence (``请帮我退订``, or ``不要退订``, "do not
unsubscribe") does not, nor do two keywords (``TD TD``): a keyword is an instruction, and
reading one into a sentence would opt out people who did not ask. A reply longer than
``MAX_REPLY_LENGTH`` characters is never a keyword, so a huge reply costs nothing to judge.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from typing import Any

from django_tencent_sms.conf import DEFAULTS, SETTING_NAME, sms_settings

__all__ = [
    "DEFAULT_OPT_OUT_KEYWORDS",
    "MAX_KEYWORD_LENGTH",
    "MAX_REPLY_LENGTH",
    "is_opt_out_reply",
    "keyword_problems",
    "normalize_reply",
    "opt_out_keywords",
]

logger = logging.getLogger("django_tencent_sms")

#: The words Chinese carriers and Tencent's console tell people to reply, and English ones:
#: 退订, TD, T, N, STOP, UNSUBSCRIBE.
DEFAULT_OPT_OUT_KEYWORDS: tuple[str, ...] = DEFAULTS["OPT_OUT_KEYWORDS"]
#: The longest keyword, normalised.
MAX_KEYWORD_LENGTH = 32
#: A reply longer than this is never a keyword (it is not normalised at all).
MAX_REPLY_LENGTH = 200

#: Characters trimmed around a reply: punctuation (P*), symbols (S*) and separators (Z*).
_TRIMMED = ("P", "S", "Z")


def _trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start])[0] in _TRIMMED:
        start += 1
    while end > start and unicodedata.category(text[end - 1])[0] in _TRIMMED:
        end -= 1
    return text[start:end]


def normalize_reply(text: str) -> str:
    """``text`` as it is compared with the keywords (see the module's docstring)."""
    text = unicodedata.normalize("NFKC", text)
    kept = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char)[0] != "C":  # Cc, Cf, Cs, Co, Cn
            kept.append(char)
    text = unicodedata.normalize("NFKC", "".join(kept).casefold())
    return " ".join(_trim(text).split())


def keyword_problems(value: Any) -> list[str]:
    """What is wrong with ``value`` as ``OPT_OUT_KEYWORDS`` (empty when nothing): it must be a
    list or tuple of texts, each one keyword that normalises to 1 to ``MAX_KEYWORD_LENGTH``
    characters. An empty list is allowed: replies then opt nobody out."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        return [
            f"must be a list of keywords, such as {list(DEFAULT_OPT_OUT_KEYWORDS)!r}, not a "
            f"{type(value).__name__}"
        ]
    problems = []
    for index, keyword in enumerate(value):
        if not isinstance(keyword, str):
            problems.append(f"entry {index} is a {type(keyword).__name__}, not text")
            continue
        if "\x00" in keyword or any(unicodedata.category(c) == "Cs" for c in keyword):
            problems.append(f"entry {index} holds a NUL or a broken character")
            continue
        normal = normalize_reply(keyword)
        if not normal:
            problems.append(
                f"entry {index} ({keyword[:40]!r}) is empty once spaces and punctuation are trimmed"
            )
        elif len(normal) > MAX_KEYWORD_LENGTH:
            problems.append(f"entry {index} is longer than {MAX_KEYWORD_LENGTH} characters")
    return problems


def _normalized(keywords: Iterable[Any]) -> frozenset[str]:
    found = set()
    for keyword in keywords:
        if isinstance(keyword, str) and not keyword_problems([keyword]):
            found.add(normalize_reply(keyword))
    return frozenset(found)


def opt_out_keywords() -> frozenset[str]:
    """The normalised keywords in force. Never raises: a setting that is not a list (a typo the
    system check reports as ``tencent_sms.E033``) is replaced by the defaults, with an error
    logged, rather than silently honouring no opt-out; unusable entries of a list are left
    out."""
    value = sms_settings.OPT_OUT_KEYWORDS
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        logger.error(
            "%s['OPT_OUT_KEYWORDS'] is not a list of keywords (manage.py check says why); "
            "the default keywords are used instead",
            SETTING_NAME,
        )
        value = DEFAULT_OPT_OUT_KEYWORDS
    return _normalized(value)


def is_opt_out_reply(text: str, keywords: frozenset[str] | None = None) -> bool:
    """Whether the reply ``text`` asks for no more messages: the whole of it, normalised, is
    one of ``keywords`` (default: ``opt_out_keywords()``)."""
    if not isinstance(text, str) or len(text) > MAX_REPLY_LENGTH:
        return False
    if keywords is None:
        keywords = opt_out_keywords()
    return normalize_reply(text) in keywords
