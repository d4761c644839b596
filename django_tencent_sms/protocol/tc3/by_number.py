"""API 3.0 ``PullSmsSendStatusByPhoneNumber`` and ``PullSmsReplyStatusByPhoneNumber``.

One number's delivery reports or replies between ``BeginTime`` and ``EndTime`` (Unix seconds,
at most 7 days back), at most ``Limit`` (100) per request. ``Offset`` is documented as "fixed
at 0 for now": a caller pages by moving ``BeginTime`` on. The items have the shapes of
``PullSmsSendStatusSet``/``PullSmsReplyStatusSet`` (``tc3.pull``). Pure: the time is a parameter.
"""

from __future__ import annotations

from django_tencent_sms.protocol.reports import PullBatch
from django_tencent_sms.protocol.tc3.action import Endpoint, SignedRequest, build_action_request
from django_tencent_sms.protocol.tc3.pull import (
    parse_cloud_reply,
    parse_cloud_status_report,
    read_pull_set,
)
from django_tencent_sms.protocol.window import check_window

__all__ = [
    "REPLIES_BY_NUMBER_ACTION",
    "REPORTS_BY_NUMBER_ACTION",
    "build_pull_by_number",
    "parse_pull_by_number_response",
]

REPORTS_BY_NUMBER_ACTION = "PullSmsSendStatusByPhoneNumber"
REPLIES_BY_NUMBER_ACTION = "PullSmsReplyStatusByPhoneNumber"

_FIELDS = {
    REPORTS_BY_NUMBER_ACTION: ("PullSmsSendStatusSet", parse_cloud_status_report),
    REPLIES_BY_NUMBER_ACTION: ("PullSmsReplyStatusSet", parse_cloud_reply),
}


def build_pull_by_number(
    action: str,
    *,
    phone: str,
    begin: int,
    end: int,
    limit: int,
    sdk_app_id: str,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    """The ``action`` request (one of the two above) for ``phone`` (E.164) from ``begin`` to
    ``end`` (Unix seconds), up to ``limit`` (1 to 100) items."""
    if action not in _FIELDS:
        raise ValueError(f"not a per-number pull: {action!r}")
    check_window(begin, end, limit, name=action)
    if not phone.startswith("+") or not phone[1:].isdigit():
        raise ValueError(f"{action} takes a number in E.164 (+8613711112222)")
    body = {
        "BeginTime": begin,
        "EndTime": end,
        "Offset": 0,
        "Limit": limit,
        "PhoneNumber": phone,
        "SmsSdkAppId": str(sdk_app_id),
    }
    return build_action_request(
        action,
        body,
        secret_id=secret_id,
        secret_key=secret_key,
        region=region,
        endpoint=endpoint,
        now=now,
    )


def parse_pull_by_number_response(action: str, status: int, content: bytes) -> PullBatch:
    """The reports (``DeliveryReport``) or replies (``IncomingReply``) of an ``action`` answer.

    ``Response.Error`` raises the matching ``TencentSmsError``; a set that is not a list raises
    ``InvalidResponse``; entries that do not parse are described in ``rejected``."""
    field, parse = _FIELDS[action]
    return read_pull_set(status, content, field, parse)
