"""The legacy API's account figures: ``pullsendstatus``, ``pullcallbackstatus``, ``getsmspackages``.

Signed requests and their answers (reference §4.9; Tencent's 套餐包信息统计 page for
``getsmspackages``). Every ``sig`` covers no number. Pure: the time and the random value are
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django_tencent_sms.exceptions import InvalidResponse
from django_tencent_sms.protocol.reports import CHINA_TIME, TIME_FORMAT
from django_tencent_sms.protocol.statistics import (
    CallbackStatistics,
    HourSpan,
    SendStatistics,
    SmsPackage,
    count,
)
from django_tencent_sms.protocol.v5_envelope import HttpRequest, read_success, signed_request

__all__ = [
    "CALLBACK_STATISTICS_ENDPOINT",
    "MAX_PACKAGE_PAGE",
    "PACKAGES_ENDPOINT",
    "SEND_STATISTICS_ENDPOINT",
    "PackagePage",
    "build_getsmspackages",
    "build_pullcallbackstatus",
    "build_pullsendstatus",
    "parse_getsmspackages_response",
    "parse_pullcallbackstatus_response",
    "parse_pullsendstatus_response",
]

SEND_STATISTICS_ENDPOINT = "pullsendstatus"
CALLBACK_STATISTICS_ENDPOINT = "pullcallbackstatus"
PACKAGES_ENDPOINT = "getsmspackages"
#: Packages asked for per ``getsmspackages`` request (its ``length``; Tencent states no maximum,
#: API 3.0 allows 500 per page).
MAX_PACKAGE_PAGE = 100


def build_pullsendstatus(span: HourSpan, **account: Any) -> HttpRequest:
    """``pullsendstatus`` for the hours of ``span`` (``begin_date``/``end_date`` as numbers).
    ``account``: ``api_url``, ``sdk_app_id``, ``app_key``, ``random``, ``now``."""
    dates = {"begin_date": int(span.begin), "end_date": int(span.end)}
    return signed_request(SEND_STATISTICS_ENDPOINT, dates, **account)


def build_pullcallbackstatus(span: HourSpan, **account: Any) -> HttpRequest:
    """``pullcallbackstatus`` for the hours of ``span``; as :func:`build_pullsendstatus`."""
    dates = {"begin_date": int(span.begin), "end_date": int(span.end)}
    return signed_request(CALLBACK_STATISTICS_ENDPOINT, dates, **account)


def build_getsmspackages(offset: int, length: int, **account: Any) -> HttpRequest:
    """``getsmspackages``: up to ``length`` packages from ``offset``."""
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValueError(f"offset must be a whole number from 0, not {offset!r}")
    if not isinstance(length, int) or isinstance(length, bool) or not length >= 1:
        raise ValueError(f"length must be a whole number from 1, not {length!r}")
    return signed_request(PACKAGES_ENDPOINT, {"offset": offset, "length": length}, **account)


def _data_object(data: dict[str, Any], text: str) -> dict[str, Any]:
    figures = data.get("data")
    if not isinstance(figures, dict):
        raise InvalidResponse("The SMS API's statistics have no 'data' object", text)
    return figures


def parse_pullsendstatus_response(status: int, content: bytes) -> SendStatistics:
    """``data: {request, success, bill_number}`` as :class:`SendStatistics`."""
    data, text = read_success(status, content)
    figures = _data_object(data, text)
    return SendStatistics(
        requests=count(figures, "request", text),
        accepted=count(figures, "success", text),
        billed=count(figures, "bill_number", text),
    )


def parse_pullcallbackstatus_response(status: int, content: bytes) -> CallbackStatistics:
    """``data: {success, status, status_success, status_fail, status_fail_0 … _4}``."""
    data, text = read_success(status, content)
    figures = _data_object(data, text)
    return CallbackStatistics(
        accepted=count(figures, "success", text),
        reports=count(figures, "status", text),
        delivered=count(figures, "status_success", text),
        failed=count(figures, "status_fail", text),
        carrier_error=count(figures, "status_fail_0", text),
        invalid_number=count(figures, "status_fail_1", text),
        switched_off=count(figures, "status_fail_2", text),
        blacklisted=count(figures, "status_fail_3", text),
        carrier_rate_limited=count(figures, "status_fail_4", text),
    )


def _china_time(item: dict[str, Any], name: str, text: str) -> datetime | None:
    value = item.get(name)
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value).strip(), TIME_FORMAT).replace(tzinfo=CHINA_TIME)
    except ValueError:
        raise InvalidResponse(f"The SMS API's package {name!r} is not a time", text) from None


@dataclass(frozen=True)
class PackagePage:
    """One ``getsmspackages`` answer: its packages and Tencent's ``total``."""

    packages: tuple[SmsPackage, ...]
    total: int


def parse_getsmspackages_response(status: int, content: bytes) -> PackagePage:
    """``{total, data: [{create_time, from_time, to_time, amount, type, package_id, used}]}``;
    the times are China time (``"2018-07-31 23:59:59"``)."""
    data, text = read_success(status, content)
    items = data.get("data")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise InvalidResponse("The SMS API's 'data' is not a list", text)
    packages = []
    for item in items:
        if not isinstance(item, dict):
            raise InvalidResponse("A package in the SMS API's answer is not an object", text)
        packages.append(
            SmsPackage(
                package_id=count(item, "package_id", text),
                amount=count(item, "amount", text),
                used=count(item, "used", text),
                kind=count(item, "type", text),
                created_at=_china_time(item, "create_time", text),
                effective_at=_china_time(item, "from_time", text),
                expires_at=_china_time(item, "to_time", text),
            )
        )
    total = data.get("total")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        total = len(packages)
    return PackagePage(tuple(packages), total)
