"""Values known by their type and value: what the log writers may prepare once and share.

A batch's rows mostly hold the same values (the content, the status, empty texts), and a value
met before is prepared for the database once. "The same" must mean the same to the database:
``1``, ``True`` and ``1.0`` are equal in Python, but not as a JSON list, nor as a column's
value, so a value is known by its type as well (and a list's items by theirs).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

__all__ = ["PLAIN", "value_key"]

#: Immutable types compared by value.
PLAIN = frozenset({str, int, bool, type(None), float, uuid.UUID, datetime.datetime, datetime.date})


def value_key(value: Any) -> tuple[Any, ...] | None:
    """What a value is known by: a plain immutable value, or a list or tuple of them (the
    parameters), with their types; None for anything else (prepared every time)."""
    kind = type(value)
    if kind in PLAIN:
        return (kind, value)
    if (kind is list or kind is tuple) and all(type(v) in PLAIN for v in value):
        return (kind, *((type(v), v) for v in value))
    return None
