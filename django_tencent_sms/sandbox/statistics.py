"""The statistics and package endpoints on the sandbox, for both API generations.

Legacy ``pullsendstatus``, ``pullcallbackstatus`` and ``getsmspackages``; API 3.0
``SendStatusStatistics``, ``CallbackStatusStatistics`` and ``SmsPackagesStatistics``. The
figures are computed from what the sandbox accepted and reported (``account_figures``) and the
requests it answered, by the China-time hour they arrived in; the checks are Tencent's
(signature, app, time range).
"""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from django_tencent_sms.protocol.reports import CHINA_TIME, TIME_FORMAT
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.sandbox.accounts import Account
from django_tencent_sms.sandbox.records import ReceivedRequest
from django_tencent_sms.sandbox.rules import NOT_JSON, is_int
from django_tencent_sms.sandbox.state import SandboxState
from django_tencent_sms.sandbox.tc3_auth import authorization_refusal
from django_tencent_sms.sandbox.tc3_rules import CloudVerdict, refusal
from django_tencent_sms.sandbox.v5_rules import MAX_TIME_SKEW
from django_tencent_sms.sandbox.v5_rules import refusal as legacy_refusal

__all__ = [
    "LEGACY_ENDPOINTS",
    "Figures",
    "evaluate_cloud_statistics",
    "evaluate_legacy_statistics",
    "serves",
]

# Tencent's names, as in protocol.v5_statistics and protocol.tc3.statistics (not imported: the
# emulator runs without Django, and those read Django's exceptions).
SEND_STATISTICS_ENDPOINT = "pullsendstatus"
CALLBACK_STATISTICS_ENDPOINT = "pullcallbackstatus"
PACKAGES_ENDPOINT = "getsmspackages"
LEGACY_ENDPOINTS = (SEND_STATISTICS_ENDPOINT, CALLBACK_STATISTICS_ENDPOINT, PACKAGES_ENDPOINT)
SEND_STATISTICS_ACTION = "SendStatusStatistics"
CALLBACK_STATISTICS_ACTION = "CallbackStatusStatistics"
PACKAGES_ACTION = "SmsPackagesStatistics"
STATISTICS_ACTIONS = (SEND_STATISTICS_ACTION, CALLBACK_STATISTICS_ACTION, PACKAGES_ACTION)
#: ``SmsPackagesStatistics``' largest ``Limit``.
MAX_PACKAGE_PAGE = 500
HOUR_FORMAT = "%Y%m%d%H"
_HOUR = re.compile(r"[0-9]{10}")
_SEND_ENDPOINTS = ("sendsms", "sendmultisms2", "SendSms")


def _read_hour(value: object) -> datetime | None:
    """A ``yyyymmddhh`` (number or string) as the aware start of that China-time hour."""
    text = str(value) if is_int(value) or isinstance(value, str) else ""
    if not _HOUR.fullmatch(text):
        return None
    try:
        return datetime.strptime(text, HOUR_FORMAT).replace(tzinfo=CHINA_TIME)
    except ValueError:
        return None


def _numbers(record: ReceivedRequest) -> int:
    """How many numbers a send request submitted."""
    data = record.json if isinstance(record.json, dict) else {}
    if record.endpoint == "SendSms":
        phones = data.get("PhoneNumberSet")
        return len(phones) if isinstance(phones, list) else 0
    tel = data.get("tel")
    return len(tel) if isinstance(tel, list) else int(isinstance(tel, dict))


class Figures:
    """The sandbox's figures for the hours from ``first`` to ``last`` (both starts of hours)."""

    def __init__(self, state: SandboxState, first: datetime, last: datetime) -> None:
        low, high = first.timestamp(), (last + timedelta(hours=1)).timestamp()
        now = datetime.fromtimestamp(state.now(), timezone.utc)
        self.accepted = [a for a in state.figures.history() if low <= a.message.received_at < high]
        answered = [
            r
            for r in state.requests
            if r.endpoint in _SEND_ENDPOINTS
            and (r.result is not None or r.code is not None)
            and low <= r.received_at < high
        ]
        self.requests = sum(_numbers(r) for r in answered)
        self.success = len(self.accepted)
        self.fee = sum(a.message.fee for a in self.accepted)
        due = [
            a.report
            for a in self.accepted
            if a.report.received_at is None or a.report.received_at <= now
        ]
        self.reports = len(due)
        self.delivered = sum(1 for r in due if r.delivered)
        # The sandbox's failures are all "UNDELIV"; Tencent's own example counts its failures
        # as switched off or suspended (status_fail_2 / ShutdownErrorCount).
        self.failed = self.reports - self.delivered


# -- Legacy -------------------------------------------------------------------------------------


def _legacy_error(code: int, detail: str = "") -> dict[str, Any]:
    verdict = legacy_refusal(code, detail)
    return {"result": verdict.result, "errmsg": verdict.errmsg}


def evaluate_legacy_statistics(
    endpoint: str, query: Mapping[str, str], data: object, *, account: Account, state: SandboxState
) -> dict[str, Any]:
    """The answer of ``pullsendstatus``, ``pullcallbackstatus`` or ``getsmspackages``: the checks
    of every legacy endpoint (body, ``sig``, app, time, signature without a number), then the
    range (``begin_date``/``end_date``, ``yyyymmddhh`` numbers, the end not before the
    beginning) or the page (``offset``, ``length``)."""
    if data is NOT_JSON or not isinstance(data, dict):
        return _legacy_error(1004, "the body is not a JSON object")
    if not data.get("sig"):
        return _legacy_error(1003)
    if query.get("sdkappid") != account.sdk_app_id:
        return _legacy_error(1019)
    stamp, now = data.get("time"), state.now()
    if not is_int(stamp):
        return _legacy_error(1004, "time must be an integer")
    if abs(stamp - now) > MAX_TIME_SKEW:
        return _legacy_error(1021)
    expected = v5_signature(account.app_key, query.get("random", ""), stamp)
    sig = data["sig"]
    if not isinstance(sig, str) or not hmac.compare_digest(sig.encode(), expected.encode()):
        return _legacy_error(1001)
    if endpoint == PACKAGES_ENDPOINT:
        return _legacy_packages(data, state)
    first, last = _read_hour(data.get("begin_date")), _read_hour(data.get("end_date"))
    if first is None or last is None or not is_int(data.get("begin_date")):
        return _legacy_error(1004, "begin_date and end_date must be yyyymmddhh numbers")
    if not is_int(data.get("end_date")) or last < first:
        return _legacy_error(1004, "end_date must be a yyyymmddhh number not before begin_date")
    figures = Figures(state, first, last)
    if endpoint == SEND_STATISTICS_ENDPOINT:
        body = {"request": figures.requests, "success": figures.success, "bill_number": figures.fee}
    else:
        body = {
            "success": figures.success,
            "status": figures.reports,
            "status_success": figures.delivered,
            "status_fail": figures.failed,
            "status_fail_0": 0,
            "status_fail_1": 0,
            "status_fail_2": figures.failed,
            "status_fail_3": 0,
            "status_fail_4": 0,
        }
    return {"result": 0, "errmsg": "OK", "data": body}


def _china(stamp: int) -> str:
    return datetime.fromtimestamp(stamp, CHINA_TIME).strftime(TIME_FORMAT)


def _legacy_packages(data: dict[str, Any], state: SandboxState) -> dict[str, Any]:
    offset, length = data.get("offset", 0), data.get("length")
    if not is_int(offset) or offset < 0:
        return _legacy_error(1004, "offset must be a whole number from 0")
    if not is_int(length) or length < 1:
        return _legacy_error(1004, "length must be a whole number from 1")
    packages = state.figures.packages
    page = [
        {
            "create_time": _china(p.created_at),
            "from_time": _china(p.effective_at),
            "to_time": _china(p.expires_at),
            "amount": p.amount,
            "type": p.kind,
            "package_id": p.package_id,
            "used": p.used,
        }
        for p in packages[offset : offset + length]
    ]
    return {"result": 0, "errmsg": "OK", "total": len(packages), "data": page}


# -- API 3.0 ------------------------------------------------------------------------------------

_CLOUD_PARAMETERS = ("BeginTime", "EndTime", "SmsSdkAppId", "Limit", "Offset")


@dataclass(frozen=True)
class _StatisticsVerdict(CloudVerdict):
    """A statistics answer: ``value`` under ``field`` (``SendStatusStatistics``…)."""

    field: str = ""
    value: Any = None

    def payload(self) -> dict[str, Any]:
        return {"Response": {self.field: self.value, "RequestId": self.request_id}}


def evaluate_cloud_statistics(
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    data: object,
    *,
    account: Account,
    state: SandboxState,
    request_id: str = "",
) -> CloudVerdict:
    """``SendStatusStatistics``, ``CallbackStatusStatistics`` or ``SmsPackagesStatistics``: the
    signature, then the five parameters every one of them requires, then the range (the end not
    before the beginning; for reports at most 32 days after it; for packages before now)."""
    request_id = request_id or str(uuid.uuid4())
    now = state.now()
    refused = authorization_refusal(
        method, headers, body, account=account, now=now, actions=STATISTICS_ACTIONS
    )
    if refused is not None:
        return refusal(request_id, *refused)
    if data is NOT_JSON or not isinstance(data, dict):
        return refusal(request_id, "FailedOperation.FailResolvePacket", "not a JSON object")
    unknown = sorted(set(data) - set(_CLOUD_PARAMETERS))
    if unknown:
        return refusal(request_id, "UnknownParameter", f"unknown parameter {unknown[0]!r}")
    for name in _CLOUD_PARAMETERS:
        if name not in data:
            return refusal(request_id, "MissingParameter", f"the parameter {name!r} is missing")
    if data["SmsSdkAppId"] != account.sdk_app_id:
        return refusal(request_id, "InvalidParameterValue.SdkAppIdNotExist")
    for name in ("Limit", "Offset"):
        if not is_int(data[name]) or data[name] < 0:
            return refusal(request_id, "InvalidParameterValue", f"{name} must be an Integer")
    first = _read_hour(data["BeginTime"]) if isinstance(data["BeginTime"], str) else None
    if first is None:
        return refusal(request_id, "InvalidParameterValue.BeginTimeVerifyFail", "yyyymmddhh")
    last = _read_hour(data["EndTime"]) if isinstance(data["EndTime"], str) else None
    if last is None or last < first:
        return refusal(
            request_id,
            "InvalidParameterValue.EndTimeVerifyFail",
            "yyyymmddhh, not before BeginTime",
        )
    action = headers.get("x-tc-action")
    if action == PACKAGES_ACTION:
        return _cloud_packages(request_id, data, first, last, now, state)
    if action == CALLBACK_STATISTICS_ACTION and last - first > timedelta(days=32):
        return refusal(
            request_id, "InvalidParameterValue.EndTimeVerifyFail", "at most 32 days after BeginTime"
        )
    figures = Figures(state, first, last)
    if action == SEND_STATISTICS_ACTION:
        value: dict[str, int] = {
            "FeeCount": figures.fee,
            "RequestCount": figures.requests,
            "RequestSuccessCount": figures.success,
        }
        return _StatisticsVerdict(request_id, field="SendStatusStatistics", value=value)
    value = {
        "CallbackCount": figures.reports,
        "RequestSuccessCount": figures.success,
        "CallbackFailCount": figures.failed,
        "CallbackSuccessCount": figures.delivered,
        "InternalErrorCount": 0,
        "InvalidNumberCount": 0,
        "ShutdownErrorCount": figures.failed,
        "BlackListCount": 0,
        "FrequencyLimitCount": 0,
    }
    return _StatisticsVerdict(request_id, field="CallbackStatusStatistics", value=value)


def _cloud_packages(
    request_id: str,
    data: dict[str, Any],
    first: datetime,
    last: datetime,
    now: float,
    state: SandboxState,
) -> CloudVerdict:
    if last <= first or last.timestamp() >= now:
        return refusal(
            request_id,
            "InvalidParameterValue.EndTimeVerifyFail",
            "EndTime must be after BeginTime and before now",
        )
    limit, offset = data["Limit"], data["Offset"]
    if not 1 <= limit <= MAX_PACKAGE_PAGE:
        return refusal(request_id, "InvalidParameterValue", f"Limit is 1 to {MAX_PACKAGE_PAGE}")
    low, high = first.timestamp(), (last + timedelta(hours=1)).timestamp()
    chosen = [p for p in state.figures.packages if low <= p.created_at < high]
    items = [
        {
            "PackageCreateTime": p.created_at,
            "PackageEffectiveTime": p.effective_at,
            "PackageExpiredTime": p.expires_at,
            "PackageAmount": p.amount,
            "PackageType": p.kind,
            "PackageId": p.package_id,
            "CurrentUsage": p.used,
        }
        for p in chosen[offset : offset + limit]
    ]
    return _StatisticsVerdict(request_id, field="SmsPackagesStatisticsSet", value=items)


def serves(action_or_endpoint: str) -> bool:
    """Whether this module answers an API 3.0 action or a legacy endpoint of that name."""
    return action_or_endpoint in STATISTICS_ACTIONS or action_or_endpoint in LEGACY_ENDPOINTS
