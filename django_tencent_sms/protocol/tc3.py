"""Tencent Cloud API 3.0 ``SendSms`` (version 2021-01-11): build the signed request, parse the
answer (reference §8).

Pure: the time is a parameter, so the output is a function of the input. (TC3-HMAC-SHA256 has no
nonce: the timestamp and the body are all that vary between two requests.)
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import phonenumbers

from django_tencent_sms.exceptions import HTTPStatusError, InvalidResponse, TencentSmsError
from django_tencent_sms.message import (
    BulkMessage,
    BulkResult,
    RecipientResult,
    SendResult,
    SmsMessage,
)
from django_tencent_sms.protocol.reports import (
    MalformedReport,
    PullBatch,
    parse_cloud_reply,
    parse_cloud_status_report,
)
from django_tencent_sms.protocol.signing import tc3_authorization

__all__ = [
    "ACTION",
    "DEFAULT_ENDPOINT",
    "MAX_PHONE_NUMBERS",
    "MAX_PULL",
    "PULL_REPLY_ACTION",
    "PULL_STATUS_ACTION",
    "SERVICE",
    "VERSION",
    "Endpoint",
    "SendStatus",
    "SignedRequest",
    "build_action_request",
    "build_pull_reply_status",
    "build_pull_send_status",
    "build_send_sms",
    "build_send_sms_bulk",
    "build_send_sms_request",
    "parse_endpoint",
    "parse_pull_reply_status_response",
    "parse_pull_send_status_response",
    "parse_send_sms_bulk_response",
    "parse_send_sms_response",
    "parse_send_status_set",
    "status_error",
]

SERVICE = "sms"
ACTION = "SendSms"
VERSION = "2021-01-11"
DEFAULT_ENDPOINT = "sms.tencentcloudapi.com"
CONTENT_TYPE = "application/json"
#: Numbers one SendSms request may carry.
MAX_PHONE_NUMBERS = 200
#: ``SendStatus.Code`` of an accepted number.
OK_CODE = "Ok"
#: The pull actions (delivery reports, replies) and their ``Limit`` (reference §8.6).
PULL_STATUS_ACTION = "PullSmsSendStatus"
PULL_REPLY_ACTION = "PullSmsReplyStatus"
MAX_PULL = 100


@dataclass(frozen=True)
class Endpoint:
    """Where requests go: ``url`` to post to, ``host`` the ``Host`` header that is signed."""

    url: str
    host: str

    @property
    def is_https(self) -> bool:
        return self.url.startswith("https://")

    @property
    def hostname(self) -> str:
        """The host without port or IPv6 brackets."""
        return urlsplit(self.url).hostname or ""


def parse_endpoint(value: str) -> Endpoint:
    """The ``ENDPOINT`` setting as an :class:`Endpoint`; ``ValueError`` when it is unusable.

    A bare host name (``sms.tencentcloudapi.com``, ``sms.ap-guangzhou.tencentcloudapi.com``,
    optionally with ``:port``) means HTTPS, as in Tencent's SDKs; a URL with a scheme
    (``http://127.0.0.1:8765`` for the local emulator) is taken as it is. API 3.0 has one path,
    ``/``: a URL with any other path, a query, a fragment or credentials is refused.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("the endpoint is empty")
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"the endpoint's scheme must be http or https, not {parts.scheme!r}")
    port = parts.port  # ValueError for a malformed port
    if not parts.hostname:
        raise ValueError("the endpoint has no host name")
    if parts.username is not None or parts.password is not None:
        raise ValueError("the endpoint must not carry credentials")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("API 3.0 is served at '/': the endpoint must have no path or query")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default_port = 443 if parts.scheme == "https" else 80
    if port is not None and port != default_port:
        host = f"{host}:{port}"
    return Endpoint(f"{parts.scheme}://{host}/", host)


@dataclass(frozen=True)
class SignedRequest:
    url: str
    headers: dict[str, str]
    body: bytes

    def __repr__(self) -> str:
        # The body holds the parameters (maybe a verification code); the headers the signature.
        return f"<SignedRequest POST {self.url} ({len(self.body)} bytes)>"


def build_send_sms_request(
    phone_numbers: Sequence[str],
    *,
    template_id: str | int,
    params: Sequence[str] = (),
    sign: str = "",
    extend: str = "",
    session_context: str = "",
    sdk_app_id: str,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    """A ``SendSms`` request for up to 200 E.164 numbers, signed at Unix time ``now``.

    Empty ``sign``, ``extend`` and ``session_context`` are left out of the body (``SignName`` is
    required for numbers in mainland China: Tencent refuses the request without it).
    """
    if isinstance(phone_numbers, str):
        raise TypeError("phone_numbers must be a sequence of numbers, not a single string")
    if not 1 <= len(phone_numbers) <= MAX_PHONE_NUMBERS:
        raise ValueError(
            f"SendSms takes 1 to {MAX_PHONE_NUMBERS} numbers, not {len(phone_numbers)}"
        )
    data: dict[str, Any] = {
        "PhoneNumberSet": list(phone_numbers),
        "SmsSdkAppId": str(sdk_app_id),
        "TemplateId": str(template_id),
        "TemplateParamSet": [str(p) for p in params],
    }
    if sign:
        data["SignName"] = sign
    if extend:
        data["ExtendCode"] = extend
    if session_context:
        data["SessionContext"] = session_context
    return build_action_request(
        ACTION,
        data,
        secret_id=secret_id,
        secret_key=secret_key,
        region=region,
        endpoint=endpoint,
        now=now,
    )


def build_action_request(
    action: str,
    data: dict[str, Any],
    *,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    """A request for the SMS ``action`` (``SendSms``, ``PullSmsSendStatus``…) with the JSON body
    ``data``, signed with TC3-HMAC-SHA256 at Unix time ``now``."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Host": endpoint.host,
        "X-TC-Action": action,
        "X-TC-Version": VERSION,
        "X-TC-Timestamp": str(int(now)),
        "X-TC-Region": region,
        "Authorization": tc3_authorization(
            secret_id,
            secret_key,
            timestamp=int(now),
            service=SERVICE,
            host=endpoint.host,
            payload=body,
            content_type=CONTENT_TYPE,
        ),
    }
    return SignedRequest(endpoint.url, headers, body)


def build_send_sms(
    message: SmsMessage,
    *,
    sdk_app_id: str,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    """The ``SendSms`` request for one ``message``: its ``ext`` travels as ``SessionContext``
    (echoed back, like the legacy ``ext``) and its ``extend`` as ``ExtendCode``."""
    return build_send_sms_request(
        [message.e164],
        template_id=message.tpl_id,
        params=message.params,
        sign=message.sign,
        extend=message.extend,
        session_context=message.ext,
        sdk_app_id=sdk_app_id,
        secret_id=secret_id,
        secret_key=secret_key,
        region=region,
        endpoint=endpoint,
        now=now,
    )


def build_send_sms_bulk(
    message: BulkMessage,
    *,
    sdk_app_id: str,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    """One ``SendSms`` request for all of ``message``'s numbers (1 to 200), in order."""
    return build_send_sms_request(
        [_e164(phone) for phone in message.phones],
        template_id=message.tpl_id,
        params=message.params,
        sign=message.sign,
        extend=message.extend,
        session_context=message.ext,
        sdk_app_id=sdk_app_id,
        secret_id=secret_id,
        secret_key=secret_key,
        region=region,
        endpoint=endpoint,
        now=now,
    )


def _e164(phone: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(phone, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class SendStatus:
    """One number's entry in ``Response.SendStatusSet``."""

    serial_no: str
    phone_number: str
    fee: int | None
    code: str
    message: str
    session_context: str = ""
    iso_code: str = ""

    @property
    def ok(self) -> bool:
        return self.code.lower() == OK_CODE.lower()


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _response_object(status: int, content: bytes) -> tuple[dict[str, Any], str, str]:
    """``Response`` of a 200 answer with its ``RequestId``; raises the request-level error."""
    text = content.decode("utf-8", errors="replace")
    if status != 200:
        raise HTTPStatusError(status, text)
    try:
        data: Any = json.loads(text)
    except ValueError:
        raise InvalidResponse("The SMS API answered with a body that is not JSON", text) from None
    response = data.get("Response") if isinstance(data, dict) else None
    if not isinstance(response, dict):
        raise InvalidResponse("The SMS API's answer has no 'Response' object", text)
    request_id = _text(response.get("RequestId"))
    error = response.get("Error")
    if error is not None:
        code = _text(error.get("Code")) if isinstance(error, dict) else ""
        if not code:
            raise InvalidResponse("The SMS API's 'Error' has no 'Code'", text)
        raise TencentSmsError.for_cloud_code(
            code, _text(error.get("Message")), request_id=request_id
        )
    return response, request_id, text


def parse_send_status_set(status: int, content: bytes) -> tuple[str, list[SendStatus]]:
    """``(RequestId, [SendStatus…])`` of a ``SendSms`` answer, in the answer's order.

    A request-level ``Response.Error`` raises the matching ``TencentSmsError`` (with
    ``request_id``); a per-number refusal is a ``SendStatus`` whose ``ok`` is false (see
    :func:`status_error`). Anything else that is not the documented shape raises a
    ``TransportError``: the outcome is unknown.
    """
    response, request_id, text = _response_object(status, content)
    entries = response.get("SendStatusSet")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidResponse("The SMS API's answer has no 'SendStatusSet' list", text)
    statuses = []
    for entry in entries:
        code = _text(entry.get("Code"))
        if not code:
            raise InvalidResponse("A 'SendStatusSet' entry has no 'Code'", text)
        fee = entry.get("Fee")
        statuses.append(
            SendStatus(
                serial_no=_text(entry.get("SerialNo")),
                phone_number=_text(entry.get("PhoneNumber")),
                fee=fee if isinstance(fee, int) and not isinstance(fee, bool) else None,
                code=code,
                message=_text(entry.get("Message")),
                session_context=_text(entry.get("SessionContext")),
                iso_code=_text(entry.get("IsoCode")),
            )
        )
    return request_id, statuses


def status_error(status: SendStatus, request_id: str = "") -> TencentSmsError:
    """The exception for a refused number (``status.ok`` false)."""
    return TencentSmsError.for_cloud_code(
        status.code, status.message, status.session_context, request_id=request_id
    )


def parse_send_sms_response(status: int, content: bytes) -> SendResult:
    """The ``SendResult`` of a one-number ``SendSms`` answer, or raise the matching
    ``SmsError``: request-level and per-number refusals alike raise ``TencentSmsError``."""
    request_id, statuses = parse_send_status_set(status, content)
    if len(statuses) != 1:
        raise InvalidResponse(
            f"The SMS API answered {len(statuses)} statuses for one number",
            content.decode("utf-8", errors="replace"),
        )
    (entry,) = statuses
    if not entry.ok:
        raise status_error(entry, request_id)
    return SendResult(
        sid=entry.serial_no,
        fee=entry.fee,
        errmsg=entry.message or "OK",
        ext=entry.session_context,
        request_id=request_id,
    )


def parse_send_sms_bulk_response(status: int, content: bytes, message: BulkMessage) -> BulkResult:
    """The answer to :func:`build_send_sms_bulk`'s request, one ``RecipientResult`` per phone.

    Statuses are matched to the request's numbers by ``PhoneNumber`` (E.164), in order, so a
    number listed twice gets its two statuses in turn. A refused number's result carries the
    ``TencentSmsError`` as ``error`` (its ``result`` is the legacy equivalent, or ``None``). A
    number the answer says nothing about gets an ``InvalidResponse``: the request reached
    Tencent, so that SMS may have gone out. A request-level ``Response.Error`` raises, as for
    one message.
    """
    request_id, statuses = parse_send_status_set(status, content)
    by_number: dict[str, deque[SendStatus]] = {}
    for entry in statuses:
        by_number.setdefault(entry.phone_number, deque()).append(entry)
    missing: InvalidResponse | None = None
    recipients = []
    for phone in message.phones:
        queue = by_number.get(_e164(phone))
        if not queue:
            if missing is None:
                missing = InvalidResponse(
                    "The SMS API's answer has no status for this number; the message may still "
                    "be delivered",
                    content.decode("utf-8", errors="replace"),
                )
            recipients.append(RecipientResult(None, str(missing), error=missing))
            continue
        entry = queue.popleft()
        if entry.ok:
            recipients.append(
                RecipientResult(0, entry.message or "OK", sid=entry.serial_no, fee=entry.fee)
            )
        else:
            error = status_error(entry, request_id)
            recipients.append(RecipientResult(error.result, error.errmsg, error=error))
    return BulkResult(tuple(recipients), request_id=request_id)


def _build_pull(
    action: str,
    *,
    limit: int,
    sdk_app_id: str,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PULL:
        raise ValueError(f"{action} takes a Limit of 1 to {MAX_PULL}, not {limit!r}")
    return build_action_request(
        action,
        {"Limit": limit, "SmsSdkAppId": str(sdk_app_id)},
        secret_id=secret_id,
        secret_key=secret_key,
        region=region,
        endpoint=endpoint,
        now=now,
    )


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
    return _build_pull(
        PULL_STATUS_ACTION,
        limit=limit,
        sdk_app_id=sdk_app_id,
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
    return _build_pull(
        PULL_REPLY_ACTION,
        limit=limit,
        sdk_app_id=sdk_app_id,
        secret_id=secret_id,
        secret_key=secret_key,
        region=region,
        endpoint=endpoint,
        now=now,
    )


def _parse_pull(status: int, content: bytes, field: str, parse: Any) -> PullBatch:
    response, _request_id, text = _response_object(status, content)
    entries = response.get(field)
    if entries is None:
        return PullBatch()
    if not isinstance(entries, list):
        raise InvalidResponse(f"The SMS API's '{field}' is not a list", text)
    items, rejected = [], []
    for index, entry in enumerate(entries):
        try:
            items.append(parse(entry))
        except MalformedReport as exc:
            rejected.append(f"item {index}: {exc}")
    return PullBatch(tuple(items), tuple(rejected))


def parse_pull_send_status_response(status: int, content: bytes) -> PullBatch:
    """The ``DeliveryReport``s of a ``PullSmsSendStatus`` answer (``PullSmsSendStatusSet``).

    A ``Response.Error`` raises the matching ``TencentSmsError`` (pulling must be enabled for the
    account by Tencent's support first); entries that do not parse are described in
    ``rejected``, the others kept.
    """
    return _parse_pull(status, content, "PullSmsSendStatusSet", parse_cloud_status_report)


def parse_pull_reply_status_response(status: int, content: bytes) -> PullBatch:
    """The ``IncomingReply``s of a ``PullSmsReplyStatus`` answer (``PullSmsReplyStatusSet``)."""
    return _parse_pull(status, content, "PullSmsReplyStatusSet", parse_cloud_reply)
