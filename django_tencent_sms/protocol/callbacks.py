"""The callback shape: the JSON Tencent pushes to the site (status reports, replies), read.

Both API generations push delivery reports in this shape (reference §5.1, §8.6), and legacy
``pullstatus`` hands out the same items (§4.4). A reply callback is taken in this shape
(§5.2) or, when it has ``ReplyContent``, in API 3.0's (:func:`.tc3.pull.parse_cloud_reply`):
which one Tencent pushes for API 3.0 is not documented. Pure, and free of Django.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from django_tencent_sms.protocol import fields
from django_tencent_sms.protocol.reports import (
    MAX_CODE_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    DeliveryReport,
    IncomingReply,
    MalformedReport,
)
from django_tencent_sms.protocol.tc3.pull import parse_cloud_reply

__all__ = [
    "load_json",
    "parse_replies",
    "parse_reply",
    "parse_status_report",
    "parse_status_reports",
]

Item = TypeVar("Item")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(body: bytes) -> Any:
    """The parsed body; :class:`MalformedReport` when it is not JSON in UTF-8."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise MalformedReport("the body is not JSON in UTF-8") from None


def _every_item(data: Any, what: str, parse: Callable[[Any], Item]) -> list[Item]:
    """Each item of a batch (a JSON array; a lone object is a batch of one), all or nothing:
    the first that does not parse raises, named by its position (from 0)."""
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise MalformedReport(f"the body must be a JSON array of {what}")
    parsed = []
    for index, item in enumerate(data):
        try:
            parsed.append(parse(item))
        except MalformedReport as exc:
            raise MalformedReport(f"item {index}: {exc}") from None
    return parsed


def parse_status_reports(data: Any) -> list[DeliveryReport]:
    """Every report of a status callback (a JSON array; a lone object is a batch of one).

    All or nothing: the first item that does not parse raises :class:`MalformedReport`, naming
    the item by its position (from 0).
    """
    return _every_item(data, "delivery reports", parse_status_report)


def parse_replies(data: Any) -> list[IncomingReply]:
    """Every reply of a reply callback (one JSON object, or an array of them). All or nothing."""
    return _every_item(data, "replies", parse_reply)


def parse_status_report(item: Any) -> DeliveryReport:
    """One element of a status callback or of ``pullstatus`` (type 0).

    ``sid`` and ``report_status`` are required; the other documented fields may be missing or
    ``null`` (they are then empty), but when present must be strings. ``user_receive_time`` is
    China time (``"2015-10-17 08:03:04"``); a Unix time is accepted too. Unknown fields are
    ignored. Codes and descriptions longer than the log keeps are cut.
    """
    item = fields.json_object(item)
    return DeliveryReport(
        sid=fields.serial_number(fields.text(item, "sid", required=True), "sid"),
        delivered=fields.outcome(
            fields.text(item, "report_status", required=True), "report_status"
        ),
        code=fields.text(item, "errmsg").strip()[:MAX_CODE_LENGTH],
        description=fields.text(item, "description").strip()[:MAX_DESCRIPTION_LENGTH],
        received_at=fields.china_time(item.get("user_receive_time"), "user_receive_time"),
        nationcode=fields.text(item, "nationcode").strip().lstrip("+"),
        mobile=fields.text(item, "mobile").strip(),
    )


def parse_reply(item: Any) -> IncomingReply:
    """One reply, in the legacy shape (``nationcode, mobile, text, sign, time, extend``) or, when
    it has ``ReplyContent``, API 3.0's (:func:`.tc3.pull.parse_cloud_reply`).

    ``mobile``, ``text`` and ``time`` (Unix seconds) are required; ``nationcode`` defaults to
    ``86``, as Tencent's domestic replies carry it.
    """
    item = fields.json_object(item)
    if "ReplyContent" in item:
        return parse_cloud_reply(item)
    nationcode, mobile = fields.phone_number(
        fields.text(item, "nationcode") or "86",
        fields.text(item, "mobile", required=True),
        ("nationcode", "mobile"),
    )
    return fields.reply(
        item,
        nationcode,
        mobile,
        text_field="text",
        time_field="time",
        sign_field="sign",
        extend_field="extend",
    )
