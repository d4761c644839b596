"""Templates and signatures as Tencent lists them, read from either API into one shape.

Both APIs describe a template or a signature by its ID, its text, where it may be sent and the
state of Tencent's review; :class:`TemplateInfo` and :class:`SignInfo` hold that, and a
:class:`CatalogPage` one answer (:func:`read_page`). Items that do not read (wrong types,
control characters, absurd lengths) are described in ``rejected`` rather than allowed to cost
the others. Pure.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from django_tencent_sms.exceptions import InvalidResponse

__all__ = [
    "CLOUD_STATUSES",
    "LEGACY_STATUSES",
    "MAX_NAME_LENGTH",
    "MAX_REPLY_LENGTH",
    "MAX_SIGN_TEXT_LENGTH",
    "MAX_TEMPLATE_TEXT_LENGTH",
    "CatalogPage",
    "MalformedItem",
    "SignInfo",
    "TemplateInfo",
    "id_list",
    "identifier",
    "json_object",
    "reach",
    "read_page",
    "read_text",
    "review_reply",
    "status_of",
]

#: API 3.0 ``StatusCode``: 0 approved and in effect, 1 under review, 2 approved but not yet in
#: effect, -1 rejected (or the review failed). Only 0 may be sent.
CLOUD_STATUSES = {0: "approved", 1: "reviewing", 2: "approved_pending", -1: "rejected"}
#: Legacy ``status``: 0 approved, 1 pending, 2 rejected (reference §4.7, §4.8).
LEGACY_STATUSES = {0: "approved", 1: "reviewing", 2: "rejected"}
#: The ``International`` values Tencent documents: 0 domestic, 1 international, 3 both.
REACHES = frozenset({0, 1, 3})

#: Longest texts kept; anything longer is not something Tencent approved.
MAX_TEMPLATE_TEXT_LENGTH = 1000
MAX_SIGN_TEXT_LENGTH = 64
MAX_NAME_LENGTH = 200
#: A review reply longer than this is cut (it is a human's sentence, kept for display).
MAX_REPLY_LENGTH = 1000
#: The largest ID kept (the database column is a signed 64-bit integer).
MAX_ID = 2**63 - 1


class MalformedItem(ValueError):
    """One listed item is not what Tencent sends; the text says what is wrong."""


@dataclass(frozen=True)
class TemplateInfo:
    """One template: ``status`` is ``approved``, ``reviewing``, ``approved_pending`` or
    ``rejected``; ``international`` 0, 1 or 3 (None when not given); ``kind`` the legacy
    ``type`` (0 normal, 1 marketing; None from API 3.0)."""

    tpl_id: int
    name: str
    text: str
    status: str
    review_reply: str = ""
    international: int | None = None
    kind: int | None = None


@dataclass(frozen=True)
class SignInfo:
    """One signature, as :class:`TemplateInfo`."""

    sign_id: int
    text: str
    status: str
    review_reply: str = ""
    international: int | None = None


@dataclass(frozen=True)
class CatalogPage:
    """One answer: its items, the descriptions of the items that did not read, and the total
    Tencent says it has (legacy ``total``; None when it does not say)."""

    items: tuple[Any, ...] = ()
    rejected: tuple[str, ...] = field(default=())
    total: int | None = None

    @property
    def size(self) -> int:
        """How many entries the answer held, read or not (to know whether a page was full)."""
        return len(self.items) + len(self.rejected)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def identifier(item: Mapping[str, Any], name: str) -> int:
    """A positive integer ID (Tencent's are numbers; a decimal string is accepted)."""
    value = item.get(name)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if not _is_int(value) or not 0 < value <= MAX_ID:
        raise MalformedItem(f"{name!r} must be a positive integer")
    return int(value)


def read_text(
    item: Mapping[str, Any], name: str, *, max_length: int, required: bool = True, cut: bool = False
) -> str:
    """A string field without NUL or other control characters (newlines and tabs allowed);
    longer than ``max_length`` is refused, or cut when ``cut``."""
    value = item.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise MalformedItem(f"{name!r} must be a string")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
        raise MalformedItem(f"{name!r} holds control characters")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise MalformedItem(f"{name!r} holds unpaired surrogates")
    if len(value) > max_length:
        if not cut:
            raise MalformedItem(f"{name!r} is longer than {max_length} characters")
        value = value[:max_length]
    return value


def json_object(entry: Any) -> dict[str, Any]:
    """``entry`` when it is a JSON object (as every listed item must be)."""
    if not isinstance(entry, dict):
        raise MalformedItem("not a JSON object")
    return entry


def review_reply(item: Mapping[str, Any], name: str) -> str:
    """Tencent's review reply, optional and cut to :data:`MAX_REPLY_LENGTH`."""
    return read_text(item, name, max_length=MAX_REPLY_LENGTH, required=False, cut=True)


def status_of(item: Mapping[str, Any], name: str, statuses: Mapping[int, str]) -> str:
    """The review status named by the code in ``item[name]``."""
    value = item.get(name)
    if not _is_int(value) or value not in statuses:
        known = ", ".join(str(code) for code in statuses)
        raise MalformedItem(f"{name!r} must be one of {known}")
    return statuses[value]


def reach(item: Mapping[str, Any], name: str) -> int | None:
    """``International`` (0, 1 or 3), None when absent."""
    value = item.get(name)
    if value is None:
        return None
    if not _is_int(value) or value not in REACHES:
        raise MalformedItem(f"{name!r} must be 0, 1 or 3")
    return int(value)


def id_list(ids: Sequence[int], name: str, most: int) -> list[int]:
    """``ids`` as the list of 1 to ``most`` positive integers a request's ``name`` takes;
    ``ValueError`` otherwise."""
    if not 1 <= len(ids) <= most:
        raise ValueError(f"{name} takes 1 to {most} IDs, not {len(ids)}")
    if any(isinstance(i, bool) or not isinstance(i, int) or i <= 0 for i in ids):
        raise ValueError(f"{name} takes positive integers")
    return list(ids)


def read_page(
    entries: Any,
    read: Callable[[Any], Any],
    *,
    name: str,
    limit: int,
    text: str,
    total: int | None = None,
) -> CatalogPage:
    """The :class:`CatalogPage` of an answer's list ``name`` (``entries``, absent as None), each
    entry read by ``read``. ``InvalidResponse`` (with ``text``) when it is not a list or lists
    more than the ``limit`` asked for."""
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise InvalidResponse(f"The SMS API's '{name}' is not a list", text)
    if len(entries) > limit:
        raise InvalidResponse(
            f"The SMS API's '{name}' lists {len(entries)} items, more than the {limit} asked for",
            text,
        )
    items, rejected = [], []
    for index, entry in enumerate(entries):
        try:
            items.append(read(entry))
        except MalformedItem as exc:
            rejected.append(f"item {index}: {exc}")
    return CatalogPage(tuple(items), tuple(rejected), total)
