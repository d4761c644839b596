"""API 3.0 ``PullSmsSendStatus`` and ``PullSmsReplyStatus``: requests, reports and replies.

The requests, and the reports and replies of their answers (reference §8.6). Tencent hands
each item out once (and only to accounts its support has enabled), so an item that does not
parse is described, not allowed to cost the others. Pure: the time is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django_tencent_sms.exceptions import InvalidResponse
from django_tencent_sms.protocol import fields
from django_tencent_sms.protocol.reports import (
    MAX_CODE_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    DeliveryReport,
    IncomingReply,
    MalformedReport,
    PullBatch,
    read_batch,
)
from django_tencent_sms.protocol.tc3.action import (
    Endpoint,
    SignedRequest,
    build_action_request,
    read_answer,
)

__all__ = [
    "MAX_PULL",
    "PULL_REPLY_ACTION",
    "PULL_STATUS_ACTION",
    "build_pull_reply_status",
    "build_pull_send_status",
    "parse_cloud_reply",
    "parse_cloud_status_report",
    "parse_pull_reply_status_response",
    "parse_pull_send_status_response",
    "read_pull_set",
]

PULL_STATUS_ACTION = "PullSmsSendStatus"
PULL_REPLY_ACTION = "PullSmsReplyStatus"
#: The largest ``Limit`` of one pull.
MAX_PULL = 100


def _pull_data(action: str, limit: int, sdk_app_id: str) -> dict[str, Any]:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PULL:
        raise ValueError(f"{action} takes a Limit of 1 to {MAX_PULL}, not {limit!r}")
    return {"Limit": limit, "SmsSdkAppId": str(sdk_app_id)}


def build_pull_send_status(
    *,
    limit: int = MAX_PULL,
    sdk_app_id: str,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    """A ``PullSmsSendStatus`` request for up to ``limit`` (1 to 100) delivery reports."""
    return build_action_request(
        PULL_STATUS_ACTION,
        _pull_data(PULL_STATUS_ACTION, limit, sdk_app_id),
        secret_id=secret_id,
        secret_key=secret_key,
        region=region,
        endpoint=endpoint,
        now=now,
    )


def build_pull_reply_status(
    *,
    limit: int = MAX_PULL,
    sdk_app_id: str,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    """A ``PullSmsReplyStatus`` request for up to ``limit`` (1 to 100) replies."""
    return build_action_request(
        PULL_REPLY_ACTION,
        _pull_data(PULL_REPLY_ACTION, limit, sdk_app_id),
        secret_id=secret_id,
        secret_key=secret_key,
        region=region,
        endpoint=endpoint,
        now=now,
    )


def read_pull_set(
    status: int, content: bytes, field: str, parse: Callable[[Any], Any]
) -> PullBatch:
    """The items of a pull answer's list ``field``, each read by ``parse`` (none when it is
    absent); ``Response.Error`` raises its ``TencentSmsError``, a ``field`` that is not a list
    ``InvalidResponse``."""
    answer = read_answer(status, content)
    entries = answer.response.get(field)
    if entries is None:
        return PullBatch()
    if not isinstance(entries, list):
        raise InvalidResponse(f"The SMS API's '{field}' is not a list", answer.text)
    return read_batch(entries, parse)


def parse_pull_send_status_response(status: int, content: bytes) -> PullBatch:
    """The ``DeliveryReport``s of a ``PullSmsSendStatus`` answer (``PullSmsSendStatusSet``).

    A ``Response.Error`` raises the matching ``TencentSmsError`` (pulling must be enabled for the
    account by Tencent's support first); entries that do not parse are described in
    ``rejected``, the others kept.
    """
    return read_pull_set(status, content, "PullSmsSendStatusSet", parse_cloud_status_report)


def parse_pull_reply_status_response(status: int, content: bytes) -> PullBatch:
    """The ``IncomingReply``s of a ``PullSmsReplyStatus`` answer (``PullSmsReplyStatusSet``)."""
    return read_pull_set(status, content, "PullSmsReplyStatusSet", parse_cloud_reply)


def parse_cloud_status_report(item: Any) -> DeliveryReport:
    """One element of API 3.0's ``PullSmsSendStatusSet``.

    API 3.0 gives one text, ``Description``, whose documented examples are carrier codes
    (``DELIVRD``): one that looks like a code is kept as the code, any other as the description.
    """
    item = fields.json_object(item)
    description = fields.text(item, "Description").strip()
    is_code = description.isascii() and len(description) <= MAX_CODE_LENGTH
    is_code = is_code and not any(ch.isspace() for ch in description)
    received = item.get("UserReceiveTime")
    return DeliveryReport(
        sid=fields.serial_number(fields.text(item, "SerialNo", required=True), "SerialNo"),
        delivered=fields.outcome(fields.text(item, "ReportStatus", required=True), "ReportStatus"),
        code=description if is_code else "",
        description="" if is_code else description[:MAX_DESCRIPTION_LENGTH],
        received_at=(
            None if received in (None, 0, "") else fields.unix_time(received, "UserReceiveTime")
        ),
        nationcode=fields.text(item, "CountryCode").strip().lstrip("+"),
        mobile=fields.text(item, "SubscriberNumber").strip(),
        session_context=fields.text(item, "SessionContext"),
    )


def parse_cloud_reply(item: Any) -> IncomingReply:
    """One element of API 3.0's ``PullSmsReplyStatusSet``."""
    item = fields.json_object(item)
    nationcode = fields.text(item, "CountryCode")
    mobile = fields.text(item, "SubscriberNumber")
    if not (nationcode and mobile):
        phone = fields.text(item, "PhoneNumber", required=True).strip()
        if not phone.startswith("+"):
            raise MalformedReport("'PhoneNumber' must be in E.164 (+8613711112222)")
        # Without the country code given apart, only mainland China's can be split reliably.
        if not (phone.startswith("+86") and len(phone) == 14):
            raise MalformedReport("'CountryCode' and 'SubscriberNumber' are missing")
        nationcode, mobile = "86", phone[3:]
    nationcode, mobile = fields.phone_number(
        nationcode, mobile, ("CountryCode", "SubscriberNumber")
    )
    return fields.reply(
        item,
        nationcode,
        mobile,
        text_field="ReplyContent",
        time_field="ReplyTime",
        sign_field="SignName",
        extend_field="ExtendCode",
    )
