"""The per-number lookups on the sandbox: legacy ``pullstatus4mobile``, API 3.0's
``PullSmsSendStatusByPhoneNumber`` and ``PullSmsReplyStatusByPhoneNumber``.

Each answers from :class:`~.number_history.NumberHistory` (every report and reply the sandbox
made), with Tencent's checks in order: the signature, the body, then the window (``begin`` not
after ``end``, not more than 7 days back), the limit (1 to 100) and the number. Pure apart from
reading the history; the handlers (``v5``, ``tc3``) hand in what they need.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Mapping
from typing import Any

import phonenumbers

from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.protocol.window import MAX_LOOKBACK, MAX_RECORDS
from django_tencent_sms.result_codes import lookup
from django_tencent_sms.sandbox.accounts import Account
from django_tencent_sms.sandbox.number_history import NumberHistory
from django_tencent_sms.sandbox.rules import NOT_JSON, is_int, is_text, valid_number
from django_tencent_sms.sandbox.tc3_auth import authorization_refusal
from django_tencent_sms.sandbox.tc3_rules import CloudPullVerdict, CloudVerdict, refusal
from django_tencent_sms.sandbox.v5_rules import MAX_TIME_SKEW

__all__ = [
    "BY_NUMBER_ACTIONS",
    "BY_NUMBER_ENDPOINT",
    "REPLIES_BY_NUMBER_ACTION",
    "REPORTS_BY_NUMBER_ACTION",
    "evaluate_cloud_by_number",
    "evaluate_pullstatus4mobile",
]

# The names again, not imported from protocol.tc3/protocol.v5: those import Django, and the
# emulator runs without it.
BY_NUMBER_ENDPOINT = "pullstatus4mobile"
REPORTS_BY_NUMBER_ACTION = "PullSmsSendStatusByPhoneNumber"
REPLIES_BY_NUMBER_ACTION = "PullSmsReplyStatusByPhoneNumber"
BY_NUMBER_ACTIONS = (REPORTS_BY_NUMBER_ACTION, REPLIES_BY_NUMBER_ACTION)
_CLOUD_FIELDS = {"BeginTime", "EndTime", "Offset", "Limit", "PhoneNumber", "SmsSdkAppId"}


def _legacy_refusal(code: int, detail: str = "") -> dict[str, Any]:
    meaning = lookup(code).meaning
    return {"result": code, "errmsg": f"{meaning}: {detail}" if detail else meaning}


def _window_problem(begin: object, end: object, now: float) -> str | None:
    if not (is_int(begin) and is_int(end)):
        return "the begin and end times must be Unix seconds"
    if begin > end:
        return "the begin time is after the end time"
    if begin < now - MAX_LOOKBACK:
        return "the begin time is more than 7 days ago"
    return None


def evaluate_pullstatus4mobile(
    query: Mapping[str, str], data: object, *, account: Account, now: float, history: NumberHistory
) -> dict[str, Any]:
    """The ``pullstatus4mobile`` answer (reference §4.5): ``pullstatus``'s checks (body, ``sig``
    present, app, time, signature without a number, ``type``, ``max``), then the window and the
    number, then ``{"result": 0, "errmsg": "OK", "count", "data"}``."""
    if data is NOT_JSON or not isinstance(data, dict):
        return _legacy_refusal(1004, "the body is not a JSON object")
    if not data.get("sig"):
        return _legacy_refusal(1003)
    if query.get("sdkappid") != account.sdk_app_id:
        return _legacy_refusal(1019)
    stamp = data.get("time")
    if not is_int(stamp):
        return _legacy_refusal(1004, "time must be an integer")
    if abs(stamp - now) > MAX_TIME_SKEW:
        return _legacy_refusal(1021)
    expected = v5_signature(account.app_key, query.get("random", ""), stamp)
    sig = data["sig"]
    if not isinstance(sig, str) or not hmac.compare_digest(
        sig.encode("utf-8"), expected.encode("ascii")
    ):
        return _legacy_refusal(1001)
    kind = data.get("type")
    if kind not in (0, 1) or isinstance(kind, bool):
        return _legacy_refusal(1004, "type must be 0 (delivery reports) or 1 (replies)")
    limit = data.get("max")
    if not is_int(limit) or not 1 <= limit <= MAX_RECORDS:
        return _legacy_refusal(1004, f"max must be a whole number from 1 to {MAX_RECORDS}")
    problem = _window_problem(data.get("begin_time"), data.get("end_time"), now)
    if problem is not None:
        return _legacy_refusal(1004, problem)
    nationcode, mobile = data.get("nationcode"), data.get("mobile")
    if not (is_text(nationcode) and is_text(mobile)):
        return _legacy_refusal(1004, "nationcode and mobile must be strings")
    if not valid_number(nationcode, mobile):
        return _legacy_refusal(1016)
    number, begin, end = (nationcode, mobile), data["begin_time"], data["end_time"]
    if kind == 0:
        items = [r.callback_item() for r in history.reports(number, begin, end, limit, now)]
    else:
        items = [r.callback_item() for r in history.replies(number, begin, end, limit, now)]
    return {"result": 0, "errmsg": "OK", "count": len(items), "data": items}


def _cloud_number(text: object) -> tuple[str, str] | None:
    if not isinstance(text, str) or not text.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(text)
    except phonenumbers.NumberParseException:
        return None
    nationcode = str(number.country_code)
    mobile = phonenumbers.national_significant_number(number)
    return (nationcode, mobile) if valid_number(nationcode, mobile) else None


def evaluate_cloud_by_number(
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    data: object,
    *,
    account: Account,
    now: float,
    history: NumberHistory,
    request_id: str = "",
) -> CloudVerdict:
    """``PullSmsSendStatusByPhoneNumber`` or ``PullSmsReplyStatusByPhoneNumber``: the signature,
    then ``{BeginTime, EndTime, Offset (0), Limit (1 to 100), PhoneNumber, SmsSdkAppId}`` with
    the codes of ``errorcodes.py`` (``InvalidParameterValue.BeginTimeVerifyFail``, …)."""
    request_id = request_id or str(uuid.uuid4())
    refused = authorization_refusal(
        method, headers, body, account=account, now=now, actions=BY_NUMBER_ACTIONS
    )
    if refused is not None:
        return refusal(request_id, *refused)
    if data is NOT_JSON or not isinstance(data, dict):
        return refusal(request_id, "FailedOperation.FailResolvePacket", "not a JSON object")
    unknown = sorted(set(data) - _CLOUD_FIELDS)
    if unknown:
        return refusal(request_id, "UnknownParameter", f"unknown parameter {unknown[0]!r}")
    for name in ("BeginTime", "Offset", "Limit", "PhoneNumber", "SmsSdkAppId"):
        if name not in data:
            return refusal(request_id, "MissingParameter", f"the parameter {name!r} is missing")
    begin, end = data["BeginTime"], data.get("EndTime", int(now))
    if not is_int(begin) or begin < now - MAX_LOOKBACK:
        return refusal(request_id, "InvalidParameterValue.BeginTimeVerifyFail", "7 days at most")
    if not is_int(end):
        return refusal(request_id, "InvalidParameterValue.EndTimeVerifyFail")
    if begin > end:
        return refusal(request_id, "InvalidParameterValue.InvalidStartTime")
    if data["Offset"] != 0 or isinstance(data["Offset"], bool):
        return refusal(request_id, "InvalidParameterValue.OffsetVerifyFail", "fixed at 0")
    limit = data["Limit"]
    if not is_int(limit) or not 1 <= limit <= MAX_RECORDS:
        return refusal(request_id, "InvalidParameterValue.LimitVerifyFail", "1 to 100")
    number = _cloud_number(data["PhoneNumber"])
    if number is None:
        return refusal(request_id, "InvalidParameterValue.IncorrectPhoneNumber")
    if data["SmsSdkAppId"] != account.sdk_app_id:
        return refusal(request_id, "InvalidParameterValue.SdkAppIdNotExist")
    if headers.get("x-tc-action") == REPORTS_BY_NUMBER_ACTION:
        field = "PullSmsSendStatusSet"
        items = tuple(r.cloud_item() for r in history.reports(number, begin, end, limit, now))
    else:
        field = "PullSmsReplyStatusSet"
        items = tuple(r.cloud_item() for r in history.replies(number, begin, end, limit, now))
    return CloudPullVerdict(request_id, field=field, items=items)
