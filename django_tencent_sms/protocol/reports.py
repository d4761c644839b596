"""Delivery reports and replies in one shape for both API generations (reference §5, §8.6).

:class:`DeliveryReport`, :class:`IncomingReply`, one pull's :class:`PullBatch` (read from an
answer's list by :func:`read_batch`), and :class:`MalformedReport` for a body that is none of
them. Each wire shape is read where it lives: the callback shape (which legacy ``pullstatus``
hands out too) in :mod:`.callbacks`, API 3.0's pulls in :mod:`.tc3.pull`. A report or reply
writes itself back in either shape (``callback_item``, ``cloud_item``), so the emulator pushes
and hands out the very values the site reads. Pure, and free of Django.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = [
    "CHINA_TIME",
    "FAIL",
    "MAX_CODE_LENGTH",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_EXTEND_LENGTH",
    "MAX_SID_LENGTH",
    "MAX_SIGN_LENGTH",
    "SUCCESS",
    "TIME_FORMAT",
    "DeliveryReport",
    "IncomingReply",
    "MalformedReport",
    "PullBatch",
    "format_china_time",
    "read_batch",
]

#: Tencent writes ``user_receive_time`` in China's time without a zone. China has kept UTC+8
#: all year since 1991, so a fixed offset is exact (and needs no time-zone database).
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

SUCCESS = "SUCCESS"
FAIL = "FAIL"
#: The longest values the log keeps (``SmsLog.sid``, ``report_code``, ``report_description``).
MAX_SID_LENGTH = 128
MAX_CODE_LENGTH = 32
MAX_DESCRIPTION_LENGTH = 255
#: ``SmsReply.sign`` and ``extend``.
MAX_SIGN_LENGTH = 32
MAX_EXTEND_LENGTH = 32


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


def read_batch(entries: list[Any], parse: Callable[[Any], Any]) -> PullBatch:
    """The :class:`PullBatch` of a pull answer's items, each read by ``parse``: one that raises
    :class:`MalformedReport` is described by its position (from 0), the others kept."""
    items, rejected = [], []
    for index, entry in enumerate(entries):
        try:
            items.append(parse(entry))
        except MalformedReport as exc:
            rejected.append(f"item {index}: {exc}")
    return PullBatch(tuple(items), tuple(rejected))


def format_china_time(moment: datetime) -> str:
    """``moment`` as Tencent writes ``user_receive_time``: ``"2015-10-17 08:03:04"``."""
    return moment.astimezone(CHINA_TIME).strftime(TIME_FORMAT)
