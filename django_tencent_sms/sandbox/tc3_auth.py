"""Whether an API 3.0 request may be read at all: its method, headers and TC3 signature.

The ``X-TC-*`` headers, then the TC3-HMAC-SHA256 signature against the sandbox's key pair
(reference §8.4). Pure: the answer is the refusal's ``(code, detail)``, or ``None`` when the
request passes.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from django_tencent_sms.protocol.signing import tc3_canonical_request, tc3_date, tc3_signature
from django_tencent_sms.sandbox.accounts import Account

__all__ = [
    "ACTIONS",
    "MAX_TIMESTAMP_SKEW",
    "PULL_ACTIONS",
    "PULL_REPLY_ACTION",
    "PULL_STATUS_ACTION",
    "SEND_ACTION",
    "SERVICE",
    "VERSION",
    "authorization_refusal",
]

SEND_ACTION = "SendSms"
#: The pull actions: delivery reports and replies (see ``sandbox.reports``).
PULL_STATUS_ACTION = "PullSmsSendStatus"
PULL_REPLY_ACTION = "PullSmsReplyStatus"
PULL_ACTIONS = (PULL_STATUS_ACTION, PULL_REPLY_ACTION)
ACTIONS = (SEND_ACTION, *PULL_ACTIONS)
VERSION = "2021-01-11"
SERVICE = "sms"
#: Seconds ``X-TC-Timestamp`` may be away from the sandbox clock.
MAX_TIMESTAMP_SKEW = 300

_DIGITS = re.compile(r"[0-9]{1,18}")
_AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<secret_id>[^/\s,]+)/(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"/(?P<service>[a-z0-9]+)/tc3_request,\s*SignedHeaders=(?P<signed>[a-z0-9;-]+),"
    r"\s*Signature=(?P<signature>[0-9a-fA-F]{64})"
)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _header_refusal(
    method: str,
    headers: Mapping[str, str],
    actions: tuple[str, ...],
    version_expected: str = VERSION,
    region_required: bool = True,
) -> tuple[str, str] | None:
    """The method, action, version and region checks."""
    if method != "POST":
        return "InvalidParameter", "the sandbox emulates SendSms over POST"
    action = headers.get("x-tc-action", "")
    if action not in actions:
        return "InvalidAction", f"{action!r} is not emulated; use {', '.join(ACTIONS)}"
    version = headers.get("x-tc-version", "")
    if version != version_expected:
        return "NoSuchVersion", f"{version!r}; the sandbox speaks {version_expected}"
    if region_required and not headers.get("x-tc-region", "").strip():
        return "MissingParameter", "the X-TC-Region header is missing"
    return None


def authorization_refusal(
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    account: Account,
    now: float,
    actions: tuple[str, ...] = (SEND_ACTION,),
    service: str = SERVICE,
    version: str = VERSION,
) -> tuple[str, str] | None:
    """The ``(code, detail)`` refusing a request whose method, headers or signature do not pass
    (``detail`` may be empty), else ``None``. ``headers`` have lower-case names; ``actions`` are
    those the endpoint takes; ``service`` and ``version`` those of its product (SMS by default;
    only SMS requests must name a region)."""
    refused = _header_refusal(method, headers, actions, version, service == SERVICE)
    if refused is not None:
        return refused
    timestamp_text = headers.get("x-tc-timestamp", "").strip()
    if not _DIGITS.fullmatch(timestamp_text):
        return "MissingParameter", "X-TC-Timestamp must be Unix seconds"
    match = _AUTHORIZATION.fullmatch(headers.get("authorization", "").strip())
    if match is None:
        return "AuthFailure.InvalidAuthorization", ""
    timestamp = int(timestamp_text)
    if abs(timestamp - now) > MAX_TIMESTAMP_SKEW:
        return "AuthFailure.SignatureExpire", ""
    if not _same(match["secret_id"], account.secret_id):
        return "AuthFailure.SecretIdNotFound", ""
    if match["date"] != tc3_date(timestamp) or match["service"] != service:
        return "AuthFailure.SignatureFailure", "the credential scope does not match"
    if match["signed"] != "content-type;host":
        return (
            "AuthFailure.SignatureFailure",
            "the sandbox verifies SignedHeaders=content-type;host only",
        )
    unsigned = headers.get("x-tc-content-sha256", "") == "UNSIGNED-PAYLOAD"
    canonical = tc3_canonical_request(
        host=headers.get("host", "").strip().lower(),
        payload=b"UNSIGNED-PAYLOAD" if unsigned else body,
        content_type=headers.get("content-type", "").strip().lower(),
    )
    expected = tc3_signature(account.secret_key, timestamp, service, canonical)
    if not _same(match["signature"].lower(), expected):
        return "AuthFailure.SignatureFailure", ""
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        return "InvalidParameter", "the body must be application/json"
    return None
