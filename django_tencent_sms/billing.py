"""How many billed SMS parts a text costs (Tencent's long-message split)."""

from __future__ import annotations

import math

__all__ = ["count_parts"]

# GSM 03.38 basic character set plus the extension table (characters a "pure English"
# international message may contain).
_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    "^{}\\[~]|€\f"
)


def count_parts(text: str, *, domestic: bool) -> int:
    """Billed parts for ``text`` (signature included).

    Domestic: 70 characters fit one message, longer ones are split in parts of 67.
    International: pure GSM text fits 140, then parts of 134; anything else 70, then 67.
    """
    length = len(text)
    single, part = (70, 67)
    if not domestic and all(ch in _GSM7 for ch in text):
        single, part = (140, 134)
    if length <= single:
        return 1
    return math.ceil(length / part)
