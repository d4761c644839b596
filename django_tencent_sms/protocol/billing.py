"""How many billed SMS parts a text costs: Tencent's long-message split.

Shared by the emulator (which bills like Tencent) and the locmem backend (which answers like it).
The rules, and the pages they come from, are in ``docs/tencent-api/content-rules.md``:

* mainland China: every character counts 1; 70 in one message, else 67 per part;
* international, "pure English" (every character in the GSM 03.38 alphabet): a character of the
  extension table (``^ { } [ ] ~ \\ | €``) counts 2, the others 1; 160 in one message, else 153
  per part;
* international, anything else: UTF-16 code units (an emoji beyond the BMP counts 2); 70, else
  67 per part;
* Malaysia (+60), whose carriers add 7 characters to the first part: 153 (GSM) or 63 in one
  message; longer ones have a first part of 146 (or 60), then 153 (or 67).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DOMESTIC_NATIONCODE", "billed_length", "is_gsm7", "sms_fee"]

DOMESTIC_NATIONCODE = "86"

# GSM 03.38 default alphabet and its extension table (the characters behind the escape).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


@dataclass(frozen=True)
class _Split:
    single: int  # the most one message holds
    first: int  # the first part of a longer one
    per_part: int  # each part after it


_DOMESTIC = _Split(70, 67, 67)
_GSM = _Split(160, 153, 153)
_UCS2 = _Split(70, 67, 67)
#: Country codes with their own split: (GSM-7, other).
_BY_COUNTRY = {"60": (_Split(153, 146, 153), _Split(63, 60, 67))}


def is_gsm7(text: str) -> bool:
    """Whether every character is in the GSM 03.38 alphabet ("pure English" in Tencent's terms)."""
    return all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text)


def billed_length(text: str, nationcode: str) -> int:
    """How many characters Tencent counts in ``text`` sent to ``nationcode``."""
    if nationcode == DOMESTIC_NATIONCODE:
        return len(text)
    if is_gsm7(text):
        return len(text) + sum(1 for ch in text if ch in _GSM7_EXTENSION)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _parts(length: int, split: _Split) -> int:
    if length <= split.single:
        return 1
    return 1 + -(-(length - split.first) // split.per_part)


def sms_fee(text: str, nationcode: str) -> int:
    """Billed parts for ``text`` (the full content, ``【sign】`` included) to ``nationcode``."""
    length = billed_length(text, nationcode)
    if nationcode == DOMESTIC_NATIONCODE:
        return _parts(length, _DOMESTIC)
    gsm, other = _BY_COUNTRY.get(nationcode, (_GSM, _UCS2))
    return _parts(length, gsm if is_gsm7(text) else other)
