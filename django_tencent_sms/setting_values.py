"""What the system checks ask of setting values in more than one place: region codes, keys."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import phonenumbers

__all__ = ["REGION_HINT", "is_region_code", "unknown_keys"]

REGION_HINT = "Region codes are upper-case ISO 3166-1 codes, such as 'CN', 'HK' or 'GB'."


def is_region_code(value: Any) -> bool:
    """Whether ``value`` is a region code phonenumbers knows (``"CN"``; not ``"cn"``)."""
    return isinstance(value, str) and value in phonenumbers.SUPPORTED_REGIONS


def unknown_keys(given: Iterable[Any], known: Iterable[str]) -> str:
    """The keys of ``given`` that are not ``known``, as text for a message ("" when none).

    Keys that are not strings (a typo such as ``{1: ...}``) are shown by their repr."""
    names = set(known)
    unknown = [key for key in given if not (isinstance(key, str) and key in names)]
    return ", ".join(sorted(key if isinstance(key, str) else repr(key) for key in unknown))
