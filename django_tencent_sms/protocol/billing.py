"""How many billed SMS parts a text costs: Tencent's long-message split.

Shared by the emulator (which bills like Tencent) and the locmem backend (which answers like it).
"""

from __future__ import annotations

__all__ = ["DOMESTIC_NATIONCODE", "is_single_byte", "sms_fee"]

DOMESTIC_NATIONCODE = "86"

# GSM 03.38 default alphabet and its extension table (the characters behind the escape).
_GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = "\f^{}\\[~]|€"
_PRINTABLE_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
_SINGLE_BYTE = frozenset(_GSM7_BASIC + _GSM7_EXTENSION + _PRINTABLE_ASCII)


def is_single_byte(text: str) -> bool:
    """Whether every character is GSM-7 or printable ASCII ("pure English" in Tencent's terms)."""
    return all(ch in _SINGLE_BYTE for ch in text)


def _parts(length: int, single: int, per_part: int) -> int:
    if length <= single:
        return 1
    return -(-length // per_part)


def sms_fee(text: str, nationcode: str) -> int:
    """Billed parts for ``text``, the full content including ``【sign】``.

    Domestic (nation code 86): 70 characters in one message, else 67 per part.
    International: 140, else 134 per part when :func:`is_single_byte`; otherwise 70/67.
    """
    if nationcode != DOMESTIC_NATIONCODE and is_single_byte(text):
        return _parts(len(text), 140, 134)
    return _parts(len(text), 70, 67)
