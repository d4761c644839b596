"""Phone numbers as people may see them in lists, logs and log lines: never whole."""

from __future__ import annotations

import phonenumbers

__all__ = ["mask_phone"]

MASK = "*"


def mask_phone(value: object) -> str:
    """``+86 138****8888`` for ``+8613812348888``; at least four digits are always hidden.

    Accepts a ``PhoneNumber`` or E.164 text. Anything unparseable is masked all but its last two
    characters, so a bad value never leaks either.
    """
    if value is None or value == "":
        return ""
    number = value if isinstance(value, phonenumbers.PhoneNumber) else None
    if number is None:
        try:
            number = phonenumbers.parse(str(value), None)
        except phonenumbers.NumberParseException:
            text = str(value)
            return MASK * 4 + text[-2:] if len(text) > 6 else MASK * 4
    if not number.country_code or not number.national_number:
        text = str(getattr(number, "raw_input", "") or "")
        return MASK * 4 + text[-2:] if len(text) > 6 else MASK * 4
    digits = phonenumbers.national_significant_number(number)
    hidden = max(4, (len(digits) + 2) // 3)
    visible = max(0, len(digits) - hidden)
    tail = min(4, (visible + 1) // 2)
    head = min(3, visible - tail)
    middle = len(digits) - head - tail
    return f"+{number.country_code} {digits[:head]}{MASK * middle}{digits[len(digits) - tail :]}"
