"""API 3.0's account figures: ``SendStatusStatistics``, ``CallbackStatusStatistics`` and
``SmsPackagesStatistics`` (version 2021-01-11), requests and answers.

Field names and types are those of ``tencentcloud-sdk-python-sms``'s ``v20210111/models.py``.
``SmsPackagesStatistics`` answered, in version 2019-07-11, ``AmountOfPackage``,
``TypeOfPackage`` and ``Package*UnixTime``; those names are read too when the 2021 ones are
missing. Pure: the time is a parameter.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from django_tencent_sms.exceptions import InvalidResponse
from django_tencent_sms.protocol.statistics import (
    CallbackStatistics,
    HourSpan,
    SendStatistics,
    SmsPackage,
    count,
)
from django_tencent_sms.protocol.tc3.action import SignedRequest, build_action_request, read_answer

__all__ = [
    "CALLBACK_STATISTICS_ACTION",
    "MAX_PACKAGE_PAGE",
    "PACKAGES_ACTION",
    "SEND_STATISTICS_ACTION",
    "STATISTICS_ACTIONS",
    "build_callback_status_statistics",
    "build_send_status_statistics",
    "build_sms_packages_statistics",
    "parse_callback_status_statistics_response",
    "parse_send_status_statistics_response",
    "parse_sms_packages_statistics_response",
]

SEND_STATISTICS_ACTION = "SendStatusStatistics"
CALLBACK_STATISTICS_ACTION = "CallbackStatusStatistics"
PACKAGES_ACTION = "SmsPackagesStatistics"
STATISTICS_ACTIONS = (SEND_STATISTICS_ACTION, CALLBACK_STATISTICS_ACTION, PACKAGES_ACTION)
#: ``SmsPackagesStatistics``' largest ``Limit`` ("Limit默认最大值为500").
MAX_PACKAGE_PAGE = 500


def _build(action: str, data: dict[str, Any], account: dict[str, Any]) -> SignedRequest:
    sdk_app_id = account.pop("sdk_app_id")
    return build_action_request(action, {**data, "SmsSdkAppId": str(sdk_app_id)}, **account)


def build_send_status_statistics(span: HourSpan, **account: Any) -> SignedRequest:
    """``SendStatusStatistics`` for the hours of ``span``. ``Limit`` and ``Offset`` are "fixed
    at 0" (models.py). ``account``: ``sdk_app_id``, ``secret_id``, ``secret_key``, ``region``,
    ``endpoint``, ``now``."""
    data = {"BeginTime": span.begin, "EndTime": span.end, "Limit": 0, "Offset": 0}
    return _build(SEND_STATISTICS_ACTION, data, account)


def build_callback_status_statistics(span: HourSpan, **account: Any) -> SignedRequest:
    """``CallbackStatusStatistics`` for the hours of ``span`` (at most 32 days apart)."""
    data = {"BeginTime": span.begin, "EndTime": span.end, "Limit": 0, "Offset": 0}
    return _build(CALLBACK_STATISTICS_ACTION, data, account)


def build_sms_packages_statistics(
    span: HourSpan, *, offset: int, limit: int = MAX_PACKAGE_PAGE, **account: Any
) -> SignedRequest:
    """``SmsPackagesStatistics``: up to ``limit`` (1 to 500) packages created in ``span``, from
    ``offset``."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PACKAGE_PAGE:
        raise ValueError(f"Limit must be a whole number from 1 to {MAX_PACKAGE_PAGE}")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValueError("Offset must be a whole number from 0")
    data = {"BeginTime": span.begin, "EndTime": span.end, "Limit": limit, "Offset": offset}
    return _build(PACKAGES_ACTION, data, account)


def _figures(response: dict[str, Any], name: str, text: str) -> dict[str, Any]:
    figures = response.get(name)
    if not isinstance(figures, dict):
        raise InvalidResponse(f"The SMS API's answer has no {name!r} object", text)
    return figures


def parse_send_status_statistics_response(status: int, content: bytes) -> SendStatistics:
    """``SendStatusStatistics{FeeCount, RequestCount, RequestSuccessCount}``."""
    answer = read_answer(status, content)
    figures = _figures(answer.response, "SendStatusStatistics", answer.text)
    return SendStatistics(
        requests=count(figures, "RequestCount", answer.text),
        accepted=count(figures, "RequestSuccessCount", answer.text),
        billed=count(figures, "FeeCount", answer.text),
    )


def parse_callback_status_statistics_response(status: int, content: bytes) -> CallbackStatistics:
    """``CallbackStatusStatistics{CallbackCount, RequestSuccessCount, …}``."""
    answer = read_answer(status, content)
    figures = _figures(answer.response, "CallbackStatusStatistics", answer.text)
    text = answer.text
    return CallbackStatistics(
        accepted=count(figures, "RequestSuccessCount", text),
        reports=count(figures, "CallbackCount", text),
        delivered=count(figures, "CallbackSuccessCount", text),
        failed=count(figures, "CallbackFailCount", text),
        carrier_error=count(figures, "InternalErrorCount", text),
        invalid_number=count(figures, "InvalidNumberCount", text),
        switched_off=count(figures, "ShutdownErrorCount", text),
        blacklisted=count(figures, "BlackListCount", text),
        carrier_rate_limited=count(figures, "FrequencyLimitCount", text),
    )


def _moment(item: dict[str, Any], names: tuple[str, ...], text: str) -> datetime | None:
    for name in names:
        value = item.get(name)
        if value in (None, "", 0):
            continue
        if isinstance(value, str) and any(later in item for later in names[1:]):
            continue  # 2019-07-11 gave the time as text, and as a Unix time beside it
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**37:
            return datetime.fromtimestamp(value, timezone.utc)
        raise InvalidResponse(f"The SMS API's package {name!r} is not a Unix time", text)
    return None


def _first(item: dict[str, Any], names: tuple[str, ...], text: str) -> int:
    name = next((n for n in names if n in item), names[0])
    return count(item, name, text)


def parse_sms_packages_statistics_response(status: int, content: bytes) -> tuple[SmsPackage, ...]:
    """The packages of ``SmsPackagesStatisticsSet``; a malformed one raises ``InvalidResponse``
    (a balance computed without it would be wrong)."""
    answer = read_answer(status, content)
    items = answer.response.get("SmsPackagesStatisticsSet")
    if items is None:
        return ()
    if not isinstance(items, list) or len(items) > MAX_PACKAGE_PAGE:
        raise InvalidResponse("The SMS API's 'SmsPackagesStatisticsSet' is not a list", answer.text)
    packages = []
    text = answer.text
    for item in items:
        if not isinstance(item, dict):
            raise InvalidResponse("A package in the SMS API's answer is not an object", text)
        packages.append(
            SmsPackage(
                package_id=count(item, "PackageId", text),
                amount=_first(item, ("PackageAmount", "AmountOfPackage"), text),
                used=count(item, "CurrentUsage", text),
                kind=_first(item, ("PackageType", "TypeOfPackage"), text),
                created_at=_moment(item, ("PackageCreateTime", "PackageCreateUnixTime"), text),
                effective_at=_moment(
                    item, ("PackageEffectiveTime", "PackageEffectiveUnixTime"), text
                ),
                expires_at=_moment(item, ("PackageExpiredTime", "PackageExpiredUnixTime"), text),
            )
        )
    return tuple(packages)
