"""Readers of one field of a pushed or pulled report: each checks a JSON value or says why not.

Shared by both wire shapes (:mod:`.callbacks`, :mod:`.tc3.pull`), as is :func:`reply`, which
reads the rest of a reply once its number is known; every reader raises
:class:`~.reports.MalformedReport` naming the field. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from django_tencent_sms.protocol.reports import (
    CHINA_TIME,
    FAIL,
    MAX_EXTEND_LENGTH,
    MAX_SID_LENGTH,
    MAX_SIGN_LENGTH,
    SUCCESS,
    TIME_FORMAT,
    IncomingReply,
    MalformedReport,
)
from django_tencent_sms.protocol.text import printable

__all__ = [
    "china_time",
    "extend_code",
    "json_object",
    "outcome",
    "phone_number",
    "reply",
    "serial_number",
    "text",
    "unix_time",
]

DIGITS = re.compile(r"[0-9]+")


def json_object(item: Any) -> Mapping[str, Any]:
    """``item`` when it is a JSON object."""
    if not isinstance(item, dict):
        raise MalformedReport("not a JSON object")
    return item


def text(item: Mapping[str, Any], name: str, *, required: bool = False) -> str:
    """A string field; ``null`` or absent is ``""`` unless ``required``."""
    value = item.get(name)
    if value is None:
        if required:
            raise MalformedReport(f"{name!r} is missing")
        return ""
    if not isinstance(value, str):
        raise MalformedReport(f"{name!r} must be a string")
    return value


def unix_time(value: Any, name: str) -> datetime:
    """Unix seconds (a number, or digits in a string) as an aware UTC datetime."""
    if isinstance(value, str) and DIGITS.fullmatch(value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**37:
        raise MalformedReport(f"{name!r} must be a Unix time in seconds")
    return datetime.fromtimestamp(value, timezone.utc)


def china_time(value: Any, name: str) -> datetime | None:
    """``"2015-10-17 08:03:04"`` read as China time; a Unix time is accepted too; empty is
    ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, int) or (isinstance(value, str) and DIGITS.fullmatch(value)):
        return unix_time(value, name)
    if not isinstance(value, str):
        raise MalformedReport(f"{name!r} must be a string")
    try:
        return datetime.strptime(value.strip(), TIME_FORMAT).replace(tzinfo=CHINA_TIME)
    except ValueError:
        raise MalformedReport(f"{name!r} must look like 2015-10-17 08:03:04") from None


def serial_number(value: str, name: str) -> str:
    """The message's ``sid`` (``SerialNo``), not blank, as the log stores a sid: on one line
    (control characters escaped) and cut to ``MAX_SID_LENGTH``, so that it finds its log."""
    sid = value.strip()
    if not sid:
        raise MalformedReport(f"{name!r} is empty")
    return printable(sid, MAX_SID_LENGTH)


def outcome(value: str, name: str) -> bool:
    """Whether a ``SUCCESS``/``FAIL`` field (any case) says delivered."""
    status = value.strip().upper()
    if status not in (SUCCESS, FAIL):
        raise MalformedReport(f"{name!r} must be SUCCESS or FAIL, not {value[:20]!r}")
    return status == SUCCESS


def phone_number(nationcode: str, mobile: str, names: tuple[str, str]) -> tuple[str, str]:
    """``(nationcode, mobile)`` as digits, checked to make an E.164 number; ``names`` are the
    two fields' names, for the message."""
    nationcode = nationcode.strip().lstrip("+")
    mobile = mobile.strip()
    if not DIGITS.fullmatch(nationcode) or len(nationcode) > 4:
        raise MalformedReport(f"{names[0]!r} must be a country calling code such as '86'")
    if not DIGITS.fullmatch(mobile) or len(nationcode) + len(mobile) > 15:
        raise MalformedReport(f"{names[1]!r} must be a phone number's digits")
    return nationcode, mobile


def extend_code(value: str, name: str) -> str:
    """An extend code, short enough for the reply's row."""
    value = value.strip()
    if len(value) > MAX_EXTEND_LENGTH:
        raise MalformedReport(f"{name!r} is longer than {MAX_EXTEND_LENGTH} characters")
    return value


def reply(
    item: Mapping[str, Any],
    nationcode: str,
    mobile: str,
    *,
    text_field: str,
    time_field: str,
    sign_field: str,
    extend_field: str,
) -> IncomingReply:
    """The reply ``item`` from the number checked by :func:`phone_number`: its text and its Unix
    time are required, its sign is cut to the length kept, its extend code checked; the
    ``*_field`` arguments are those fields' names in the item's shape."""
    if time_field not in item:
        raise MalformedReport(f"{time_field!r} is missing")
    return IncomingReply(
        nationcode=nationcode,
        mobile=mobile,
        text=text(item, text_field, required=True),
        replied_at=unix_time(item[time_field], time_field),
        sign=text(item, sign_field).strip()[:MAX_SIGN_LENGTH],
        extend=extend_code(text(item, extend_field), extend_field),
    )
