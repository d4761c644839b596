"""Text from outside made safe to store and to log: broken characters out, controls escaped.

Every database the app supports refuses NUL in a text column (PostgreSQL) or a lone surrogate
(none can encode it), and a newline in a value that reaches a log line forges a line. Tencent's
answers and reports are stored whatever they hold, so they go through these first. Pure.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["REPLACEMENT", "has_link", "is_unsafe", "printable", "storable"]

#: What a character no database can store becomes (U+FFFD).
REPLACEMENT = "\ufffd"

#: Unicode categories of characters that have no place in a one-line value: controls (C0, DEL,
#: C1), lone surrogates, and the line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


#: A link as Tencent refuses it in a template parameter: a URL scheme, or a ``www.`` host.
_LINK = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.[^\s.])")


def has_link(text: str) -> bool:
    """Whether ``text`` holds a link (``https://…``, ``www.…``), which Tencent refuses in a
    template parameter (``InvalidParameterValue.ProhibitedUseUrlInTemplateParameter``)."""
    return _LINK.search(text) is not None


def is_unsafe(char: str) -> bool:
    """Whether ``char`` (one character) is a control character, a lone surrogate or a line
    separator."""
    return unicodedata.category(char) in _UNSAFE_CATEGORIES


def storable(text: str) -> str:
    """``text`` with NUL and lone surrogates replaced by U+FFFD; the rest (newlines included)
    kept. For free text such as a person's reply."""
    if text.isprintable() or not any(c == "\0" or "\ud800" <= c <= "\udfff" for c in text):
        return text
    return "".join(REPLACEMENT if c == "\0" or "\ud800" <= c <= "\udfff" else c for c in text)


def _escape(char: str) -> str:
    return char.encode("unicode_escape", "backslashreplace").decode("ascii")


def printable(text: str, max_length: int | None = None) -> str:
    """``text`` on one line: every control character, lone surrogate and line separator written
    as its escape (``\\n``, ``\\x00``, ``\\ud800``); cut to ``max_length`` characters when
    given (never inside an escape)."""
    if text.isprintable() and (max_length is None or len(text) <= max_length):
        return text
    pieces: list[str] = []
    length = 0
    for char in text:
        piece = _escape(char) if is_unsafe(char) else char
        length += len(piece)
        if max_length is not None and length > max_length:
            break
        pieces.append(piece)
    return "".join(pieces)
