"""Delivery reports and replies as Tencent pushes and hands them out (reference §4.4, §5, §8.6).

One shape for both API generations' status callbacks, the legacy ``pullstatus`` answer and API
3.0's ``PullSmsSendStatus``/``PullSmsReplyStatus``: a :class:`DeliveryReport` or an
:class:`IncomingReply`. Pure, and free of Django, so the emulator builds its pushes with the
same code the site reads them with.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = [
    "CHINA_TIME",
    "MAX_CODE_LENGTH",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_SID_LENGTH",
    "DeliveryReport",
    "IncomingReply",
    "MalformedReport",
    "PullBatch",
    "format_china_time",
    "load_json",
    "parse_cloud_reply",
    "parse_cloud_status_report",
    "parse_replies",
    "parse_reply",
    "parse_status_report",
    "parse_status_reports",
]

#: Tencent writes ``user_receive_time`` in China's time without a zone. China has kept UTC+8
#: all year since 1991, so a fixed offset is exact (and needs no time-zone database).
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

SUCCESS = "SUCCESS"
FAIL = "FAIL"
#: The longest values the log keeps (``SmsLog.sid``, ``report_code``, ``report_description``).
MAX_SID_LENGTH = 64
MAX_CODE_LENGTH = 32
MAX_DESCRIPTION_LENGTH = 255
#: ``SmsReply.sign`` and ``extend``.
MAX_SIGN_LENGTH = 32
MAX_EXTEND_LENGTH = 32

_DIGITS = re.compile(r"[0-9]+")


class MalformedReport(ValueError):
    """A pushed or pulled body that is not what Tencent sends; the text says what is wrong."""


@dataclass(frozen=True)
class DeliveryReport:
    """What the carrier said about one message (``sid``): delivered to the phone or not."""

    sid: str
    delivered: bool
    #: The carrier's status code (the callback's ``errmsg``): ``DELIVRD``, ``UNDELIV``, …
    code: str = ""
    #: Tencent's words for it (``用户短信送达成功``).
    description: str = ""
    #: ``user_receive_time``: when the phone got it (or the carrier gave up), time-zone aware.
    received_at: datetime | None = None
    nationcode: str = ""
    mobile: str = ""
    #: API 3.0's ``SessionContext`` (the legacy API's ``ext``), when the report carries it.
    session_context: str = ""

    @property
    def report_status(self) -> str:
        return SUCCESS if self.delivered else FAIL

    @property
    def phone(self) -> str:
        """The number in E.164, or ``""`` when the report does not say."""
        return f"+{self.nationcode}{self.mobile}" if self.nationcode and self.mobile else ""

    def callback_item(self) -> dict[str, str]:
        """The report as one element of Tencent's status callback (and of ``pullstatus``)."""
        return {
            "user_receive_time": (
                self.received_at.astimezone(CHINA_TIME).strftime(TIME_FORMAT)
                if self.received_at is not None
                else ""
            ),
            "nationcode": self.nationcode,
            "mobile": self.mobile,
            "report_status": self.report_status,
            "errmsg": self.code,
            "description": self.description,
            "sid": self.sid,
        }

    def cloud_item(self) -> dict[str, Any]:
        """The report as one element of API 3.0's ``PullSmsSendStatusSet``."""
        return {
            "UserReceiveTime": (
                int(self.received_at.timestamp()) if self.received_at is not None else 0
            ),
            "CountryCode": self.nationcode,
            "SubscriberNumber": self.mobile,
            "PhoneNumber": self.phone,
            "SerialNo": self.sid,
            "ReportStatus": self.report_status,
            # API 3.0 has one text for both: its examples carry the carrier code.
            "Description": self.code or self.description,
            "SessionContext": self.session_context,
        }


@dataclass(frozen=True)
class IncomingReply:
    """A message a person sent back to the account's number (MO)."""

    nationcode: str
    mobile: str
    text: str
    replied_at: datetime
    sign: str = ""
    extend: str = ""

    @property
    def phone(self) -> str:
        """The number in E.164."""
        return f"+{self.nationcode}{self.mobile}"

    def callback_item(self) -> dict[str, Any]:
        """The reply as Tencent's reply callback body (and a ``pullstatus`` type 1 element)."""
        return {
            "extend": self.extend,
            "mobile": self.mobile,
            "nationcode": self.nationcode,
            "sign": self.sign,
            "text": self.text,
            "time": int(self.replied_at.timestamp()),
        }

    def cloud_item(self) -> dict[str, Any]:
        """The reply as one element of API 3.0's ``PullSmsReplyStatusSet``."""
        return {
            "ExtendCode": self.extend,
            "CountryCode": self.nationcode,
            "PhoneNumber": self.phone,
            "SignName": self.sign,
            "ReplyContent": self.text,
            "ReplyTime": int(self.replied_at.timestamp()),
            "SubscriberNumber": self.mobile,
        }


@dataclass(frozen=True)
class PullBatch:
    """One pull's answer: the items that parse, and why the others did not.

    A pulled item is gone from Tencent's queue once handed out, so one bad item must not cost the
    good ones: they are kept, and the bad ones described in ``rejected``.
    """

    items: tuple[Any, ...] = ()
    rejected: tuple[str, ...] = ()

    @property
    def fetched(self) -> int:
        """How many items the answer carried, good and bad."""
        return len(self.items) + len(self.rejected)


def format_china_time(moment: datetime) -> str:
    """``moment`` as Tencent writes ``user_receive_time``: ``"2015-10-17 08:03:04"``."""
    return moment.astimezone(CHINA_TIME).strftime(TIME_FORMAT)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(body: bytes) -> Any:
    """The parsed body; :class:`MalformedReport` when it is not JSON in UTF-8."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise MalformedReport("the body is not JSON in UTF-8") from None


def _items(data: Any, what: str) -> list[Any]:
    """A batch: a JSON array, or a lone object taken as a batch of one."""
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    raise MalformedReport(f"the body must be a JSON array of {what}")


def parse_status_reports(data: Any) -> list[DeliveryReport]:
    """Every report of a status callback (a JSON array; a lone object is a batch of one).

    All or nothing: the first item that does not parse raises :class:`MalformedReport`, naming
    the item by its position (from 0).
    """
    reports = []
    for index, item in enumerate(_items(data, "delivery reports")):
        try:
            reports.append(parse_status_report(item))
        except MalformedReport as exc:
            raise MalformedReport(f"item {index}: {exc}") from None
    return reports


def parse_replies(data: Any) -> list[IncomingReply]:
    """Every reply of a reply callback (one JSON object, or an array of them). All or nothing."""
    replies = []
    for index, item in enumerate(_items(data, "replies")):
        try:
            replies.append(parse_reply(item))
        except MalformedReport as exc:
            raise MalformedReport(f"item {index}: {exc}") from None
    return replies


def _object(item: Any) -> Mapping[str, Any]:
    if not isinstance(item, dict):
        raise MalformedReport("not a JSON object")
    return item


def _text(item: Mapping[str, Any], name: str, *, required: bool = False) -> str:
    """A string field; ``null`` or absent is ``""`` unless ``required``."""
    value = item.get(name)
    if value is None:
        if required:
            raise MalformedReport(f"{name!r} is missing")
        return ""
    if not isinstance(value, str):
        raise MalformedReport(f"{name!r} must be a string")
    return value


def _unix_time(value: Any, name: str) -> datetime:
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**37:
        raise MalformedReport(f"{name!r} must be a Unix time in seconds")
    return datetime.fromtimestamp(value, timezone.utc)


def _china_time(value: Any, name: str) -> datetime | None:
    """``"2015-10-17 08:03:04"`` read as China time; a Unix time is accepted too."""
    if value is None or value == "":
        return None
    if isinstance(value, int) or (isinstance(value, str) and _DIGITS.fullmatch(value)):
        return _unix_time(value, name)
    if not isinstance(value, str):
        raise MalformedReport(f"{name!r} must be a string")
    try:
        return datetime.strptime(value.strip(), TIME_FORMAT).replace(tzinfo=CHINA_TIME)
    except ValueError:
        raise MalformedReport(f"{name!r} must look like 2015-10-17 08:03:04") from None


def _sid(value: str, name: str) -> str:
    sid = value.strip()
    if not sid:
        raise MalformedReport(f"{name!r} is empty")
    if len(sid) > MAX_SID_LENGTH:
        raise MalformedReport(f"{name!r} is longer than {MAX_SID_LENGTH} characters")
    return sid


def _outcome(value: str, name: str) -> bool:
    status = value.strip().upper()
    if status not in (SUCCESS, FAIL):
        raise MalformedReport(f"{name!r} must be SUCCESS or FAIL, not {value[:20]!r}")
    return status == SUCCESS


def parse_status_report(item: Any) -> DeliveryReport:
    """One element of a status callback or of ``pullstatus`` (type 0).

    ``sid`` and ``report_status`` are required; the other documented fields may be missing or
    ``null`` (they are then empty), but when present must be strings. ``user_receive_time`` is
    China time (``"2015-10-17 08:03:04"``); a Unix time is accepted too. Unknown fields are
    ignored. Codes and descriptions longer than the log keeps are cut.
    """
    item = _object(item)
    return DeliveryReport(
        sid=_sid(_text(item, "sid", required=True), "sid"),
        delivered=_outcome(_text(item, "report_status", required=True), "report_status"),
        code=_text(item, "errmsg").strip()[:MAX_CODE_LENGTH],
        description=_text(item, "description").strip()[:MAX_DESCRIPTION_LENGTH],
        received_at=_china_time(item.get("user_receive_time"), "user_receive_time"),
        nationcode=_text(item, "nationcode").strip().lstrip("+"),
        mobile=_text(item, "mobile").strip(),
    )


def parse_cloud_status_report(item: Any) -> DeliveryReport:
    """One element of API 3.0's ``PullSmsSendStatusSet``.

    API 3.0 gives one text, ``Description``, whose documented examples are carrier codes
    (``DELIVRD``): one that looks like a code is kept as the code, any other as the description.
    """
    item = _object(item)
    description = _text(item, "Description").strip()
    is_code = description.isascii() and len(description) <= MAX_CODE_LENGTH
    is_code = is_code and not any(ch.isspace() for ch in description)
    received = item.get("UserReceiveTime")
    return DeliveryReport(
        sid=_sid(_text(item, "SerialNo", required=True), "SerialNo"),
        delivered=_outcome(_text(item, "ReportStatus", required=True), "ReportStatus"),
        code=description if is_code else "",
        description="" if is_code else description[:MAX_DESCRIPTION_LENGTH],
        received_at=None if received in (None, 0, "") else _unix_time(received, "UserReceiveTime"),
        nationcode=_text(item, "CountryCode").strip().lstrip("+"),
        mobile=_text(item, "SubscriberNumber").strip(),
        session_context=_text(item, "SessionContext"),
    )


def _number(nationcode: str, mobile: str, names: tuple[str, str]) -> tuple[str, str]:
    nationcode = nationcode.strip().lstrip("+")
    mobile = mobile.strip()
    if not _DIGITS.fullmatch(nationcode) or len(nationcode) > 4:
        raise MalformedReport(f"{names[0]!r} must be a country calling code such as '86'")
    if not _DIGITS.fullmatch(mobile) or len(nationcode) + len(mobile) > 15:
        raise MalformedReport(f"{names[1]!r} must be a phone number's digits")
    return nationcode, mobile


def _extend(value: str, name: str) -> str:
    value = value.strip()
    if len(value) > MAX_EXTEND_LENGTH:
        raise MalformedReport(f"{name!r} is longer than {MAX_EXTEND_LENGTH} characters")
    return value


def parse_reply(item: Any) -> IncomingReply:
    """One reply, in the legacy shape (``nationcode, mobile, text, sign, time, extend``) or, when
    it has ``ReplyContent``, API 3.0's (:func:`parse_cloud_reply`).

    ``mobile``, ``text`` and ``time`` (Unix seconds) are required; ``nationcode`` defaults to
    ``86``, as Tencent's domestic replies carry it.
    """
    item = _object(item)
    if "ReplyContent" in item:
        return parse_cloud_reply(item)
    nationcode, mobile = _number(
        _text(item, "nationcode") or "86",
        _text(item, "mobile", required=True),
        ("nationcode", "mobile"),
    )
    if "time" not in item:
        raise MalformedReport("'time' is missing")
    return IncomingReply(
        nationcode=nationcode,
        mobile=mobile,
        text=_text(item, "text", required=True),
        replied_at=_unix_time(item["time"], "time"),
        sign=_text(item, "sign").strip()[:MAX_SIGN_LENGTH],
        extend=_extend(_text(item, "extend"), "extend"),
    )


def parse_cloud_reply(item: Any) -> IncomingReply:
    """One element of API 3.0's ``PullSmsReplyStatusSet``."""
    item = _object(item)
    nationcode = _text(item, "CountryCode")
    mobile = _text(item, "SubscriberNumber")
    if not (nationcode and mobile):
        phone = _text(item, "PhoneNumber", required=True).strip()
        if not phone.startswith("+"):
            raise MalformedReport("'PhoneNumber' must be in E.164 (+8613711112222)")
        # Without the country code given apart, only mainland China's can be split reliably.
        if not (phone.startswith("+86") and len(phone) == 14):
            raise MalformedReport("'CountryCode' and 'SubscriberNumber' are missing")
        nationcode, mobile = "86", phone[3:]
    nationcode, mobile = _number(nationcode, mobile, ("CountryCode", "SubscriberNumber"))
    if "ReplyTime" not in item:
        raise MalformedReport("'ReplyTime' is missing")
    return IncomingReply(
        nationcode=nationcode,
        mobile=mobile,
        text=_text(item, "ReplyContent", required=True),
        replied_at=_unix_time(item["ReplyTime"], "ReplyTime"),
        sign=_text(item, "SignName").strip()[:MAX_SIGN_LENGTH],
        extend=_extend(_text(item, "ExtendCode"), "ExtendCode"),
    )
