"""Phone numbers as people see them: one international format, masked unless they may see it."""

from __future__ import annotations

import phonenumbers

__all__ = ["display_phone", "mask_phone"]

MASK = "*"


def _parse(value: object) -> phonenumbers.PhoneNumber | None:
    if isinstance(value, phonenumbers.PhoneNumber):
        number = value
    else:
        try:
            number = phonenumbers.parse(str(value), None)
        except phonenumbers.NumberParseException:
            return None
    if not number.country_code or not number.national_number:
        return None
    return number


def _unparseable(value: object) -> str:
    text = str(getattr(value, "raw_input", "") or "") if hasattr(value, "raw_input") else str(value)
    return MASK * 4 + text[-2:] if len(text) > 6 else MASK * 4


def _hidden_span(digits: str) -> tuple[int, int]:
    """Which national digits a masked number hides: ``(first, end)``; at least four always."""
    hidden = max(4, (len(digits) + 2) // 3)
    visible = max(0, len(digits) - hidden)
    tail = min(4, (visible + 1) // 2)
    head = min(3, visible - tail)
    return head, len(digits) - tail


def _compact(number: phonenumbers.PhoneNumber) -> str:
    """``+86 138****8888``: for a number whose international format does not list its national
    digits in order (which the grouped form masks in place)."""
    digits = phonenumbers.national_significant_number(number)
    first, end = _hidden_span(digits)
    return f"+{number.country_code} {digits[:first]}{MASK * (end - first)}{digits[end:]}"


def mask_phone(value: object) -> str:
    """``+86 138 **** 8888`` for ``+8613812348888``: the international format with at least
    four digits hidden, as every page, message and log line shows a number.

    Accepts a ``PhoneNumber`` or E.164 text. Anything unparseable is masked all but its last two
    characters, so a bad value never leaks either.
    """
    return display_phone(value, full=False)


def display_phone(value: object, *, full: bool) -> str:
    """A number as every page shows it: the international format, ``+86 138 0013 8000``.

    ``full`` is whether the viewer may see whole numbers; otherwise some digits are masked in
    place, ``+86 138 **** 8000`` (:func:`mask_phone`), so a number looks the same in a list, on
    its detail page and in a message for the same viewer.
    """
    if value is None or value == "":
        return ""
    number = _parse(value)
    if number is None:
        return str(value) if full else _unparseable(value)
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if full:
        return formatted
    prefix = f"+{number.country_code}"
    digits = phonenumbers.national_significant_number(number)
    grouped = formatted[len(prefix) :]
    if not formatted.startswith(prefix) or "".join(c for c in grouped if c.isdigit()) != digits:
        return _compact(number)
    first, end = _hidden_span(digits)
    out, index = [], 0
    for char in grouped:
        if char.isdigit():
            out.append(MASK if first <= index < end else char)
            index += 1
        else:
            out.append(char)
    return prefix + "".join(out)
