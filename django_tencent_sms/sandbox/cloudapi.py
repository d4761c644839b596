"""Tencent Cloud API 3.0 ``SendSms`` (version 2021-01-11) on the sandbox: ``POST /`` with an
``X-TC-Action`` header and a JSON body (reference §8).

Checked in this order: the action, version and region headers; the TC3-HMAC-SHA256
``Authorization`` against the sandbox's SecretId/SecretKey pair and the ``X-TC-Timestamp``
window (5 minutes, ``AuthFailure.SignatureExpire``, as Tencent's common error codes say); the
body; then the legacy emulator's rules (app, template, parameters, length, numbers, frequency
limits) with API 3.0 error codes. Problems with the whole request come back as
``Response.Error``; a bad number or a frequency limit as that number's ``SendStatusSet`` entry,
with HTTP 200 either way. Accepted messages are recorded like legacy ones, so
``Sandbox.messages`` and the inbox show them.

``PullSmsSendStatus`` and ``PullSmsReplyStatus`` (``{"Limit", "SmsSdkAppId"}``) hand out the
sandbox's pending delivery reports and replies (see ``sandbox.reports``), signed and checked the
same way.
"""

from __future__ import annotations

import copy
import hmac
import json
import re
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import phonenumbers

from django_tencent_sms.protocol.billing import DOMESTIC_NATIONCODE, sms_fee
from django_tencent_sms.protocol.signing import tc3_canonical_request, tc3_date, tc3_signature
from django_tencent_sms.result_codes import CLOUD_EQUIVALENTS, cloud_lookup
from django_tencent_sms.sandbox.emulator import (
    MAX_CONTENT_LENGTH,
    MAX_PARAM_LENGTH,
    NOT_JSON,
    Account,
    new_sid,
    parse_json,
    valid_number,
)
from django_tencent_sms.sandbox.faults import Fault
from django_tencent_sms.sandbox.limits import FrequencyCounter, FrequencyLimits
from django_tencent_sms.sandbox.records import ReceivedRequest, SandboxMessage
from django_tencent_sms.sandbox.reports import MAX_PULL, ReportCenter, pull_limit
from django_tencent_sms.sandbox.server import HttpRequest, Reply, text_reply
from django_tencent_sms.sandbox.templates import placeholder_count, render

if TYPE_CHECKING:
    from django_tencent_sms.sandbox.core import Sandbox

__all__ = [
    "DEVELOPMENT_SECRET_ID",
    "DEVELOPMENT_SECRET_KEY",
    "MAX_TIMESTAMP_SKEW",
    "CloudCredentials",
    "CloudPullVerdict",
    "CloudVerdict",
    "NumberStatus",
    "evaluate_cloud",
    "evaluate_cloud_pull",
    "handle_cloud",
    "is_cloud_request",
]

#: The API key a sandbox checks when none is configured. Public: for local development only.
DEVELOPMENT_SECRET_ID = "AKIDsandboxDevelopmentSecretId"  # noqa: S105 - public on purpose
DEVELOPMENT_SECRET_KEY = "sandbox-secret-key"  # noqa: S105 - public on purpose

ACTION = "SendSms"
#: The pull actions: delivery reports and replies (see ``sandbox.reports``).
PULL_STATUS_ACTION = "PullSmsSendStatus"
PULL_REPLY_ACTION = "PullSmsReplyStatus"
PULL_ACTIONS = (PULL_STATUS_ACTION, PULL_REPLY_ACTION)
ACTIONS = (ACTION, *PULL_ACTIONS)
VERSION = "2021-01-11"
SERVICE = "sms"
#: Seconds ``X-TC-Timestamp`` may be away from the sandbox clock.
MAX_TIMESTAMP_SKEW = 300
MAX_PHONE_NUMBERS = 200
MAX_SESSION_CONTEXT = 512
OK = "Ok"

_FIELDS = {
    "PhoneNumberSet",
    "SmsSdkAppId",
    "TemplateId",
    "SignName",
    "TemplateParamSet",
    "ExtendCode",
    "SessionContext",
    "SenderId",
}
_DIGITS = re.compile(r"[0-9]{1,18}")
_AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<secret_id>[^/\s,]+)/(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"/(?P<service>[a-z0-9]+)/tc3_request,\s*SignedHeaders=(?P<signed>[a-z0-9;-]+),"
    r"\s*Signature=(?P<signature>[0-9a-fA-F]{64})"
)
# The legacy result a sandbox fault names → the API 3.0 code answered for it. Where several
# names share a result, the first in CLOUD_EQUIVALENTS, except for the two authentication codes
# that replace 1001 and 1021.
_CODE_FOR_RESULT: dict[int, str] = {}
for _name, _result in CLOUD_EQUIVALENTS.items():
    _CODE_FOR_RESULT.setdefault(_result, _name)
_CODE_FOR_RESULT.update({1001: "AuthFailure.SignatureFailure", 1021: "AuthFailure.SignatureExpire"})
#: Results that concern one number: a fault with one of these is answered in SendStatusSet.
_PER_NUMBER_RESULTS = frozenset({1015, 1016, 1023, 1024, 1025, 1026})
#: Code answered for a fault result with no API 3.0 equivalent.
_FALLBACK_CODE = "InternalError.UnknownError"


@dataclass(frozen=True)
class CloudCredentials:
    """The API key the sandbox accepts."""

    secret_id: str
    secret_key: str = field(repr=False)


def is_cloud_request(request: HttpRequest) -> bool:
    """Whether ``request`` is for API 3.0: path ``/`` with an ``X-TC-Action`` header."""
    return request.path == "/" and any(name.lower() == "x-tc-action" for name in request.headers)


@dataclass(frozen=True)
class NumberStatus:
    """One number's ``SendStatus``; ``message`` is the accepted message, if it was."""

    phone_number: str
    code: str
    text: str
    fee: int = 0
    serial_no: str = ""
    iso_code: str = ""
    session_context: str = ""
    message: SandboxMessage | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "SerialNo": self.serial_no,
            "PhoneNumber": self.phone_number,
            "Fee": self.fee,
            "SessionContext": self.session_context,
            "Code": self.code,
            "Message": self.text,
            "IsoCode": self.iso_code,
        }


@dataclass(frozen=True)
class CloudVerdict:
    """The answer to one API 3.0 request: an ``error`` (code, message) or per-number statuses."""

    request_id: str
    error: tuple[str, str] | None = None
    statuses: tuple[NumberStatus, ...] = ()

    @property
    def messages(self) -> tuple[SandboxMessage, ...]:
        return tuple(s.message for s in self.statuses if s.message is not None)

    @property
    def code(self) -> str:
        """The request's error code, else the first refused number's, else ``"Ok"``."""
        if self.error is not None:
            return self.error[0]
        return next((s.code for s in self.statuses if s.code != OK), OK)

    @property
    def result(self) -> int | None:
        """:attr:`code` as a legacy result (0 for ``Ok``; ``None`` without an equivalent)."""
        return 0 if self.code == OK else CLOUD_EQUIVALENTS.get(self.code)

    def payload(self) -> dict[str, Any]:
        if self.error is not None:
            code, message = self.error
            response: dict[str, Any] = {"Error": {"Code": code, "Message": message}}
        else:
            response = {"SendStatusSet": [s.payload() for s in self.statuses]}
        response["RequestId"] = self.request_id
        return {"Response": response}


def _refusal(request_id: str, code: str, detail: str = "") -> CloudVerdict:
    meaning = cloud_lookup(code).meaning
    return CloudVerdict(request_id, (code, f"{meaning}: {detail}" if detail else meaning))


def _split_number(text: str) -> tuple[str, str] | None:
    """``(nationcode, mobile)`` of a ``PhoneNumberSet`` entry: E.164, or for mainland China also
    ``0086…``, ``86…`` or the bare 11 digits (reference §8.2); ``None`` when unreadable."""
    if text.startswith("+"):
        try:
            number = phonenumbers.parse(text)
        except phonenumbers.NumberParseException:
            return None
        return str(number.country_code), phonenumbers.national_significant_number(number)
    for prefix in ("0086", "86", ""):
        rest = text[len(prefix) :] if text.startswith(prefix) else None
        if rest is not None and len(rest) == 11 and _DIGITS.fullmatch(rest):
            return DOMESTIC_NATIONCODE, rest
    return None


def _iso_code(nationcode: str, mobile: str) -> str:
    try:
        number = phonenumbers.parse(f"+{nationcode}{mobile}")
    except phonenumbers.NumberParseException:
        return "DEF"
    return phonenumbers.region_code_for_number(number) or "DEF"


def _is_text_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _read_body(data: object) -> dict[str, Any] | tuple[str, str]:
    """The body's fields, or ``(code, detail)`` saying why it is refused."""
    if data is NOT_JSON:
        return "FailedOperation.FailResolvePacket", "the body is not JSON in UTF-8"
    if not isinstance(data, dict):
        return "FailedOperation.FailResolvePacket", "the body is not a JSON object"
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        return "UnknownParameter", f"unknown parameter {unknown[0]!r} (SendSms {VERSION})"
    for name in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"):
        if name not in data:
            return "MissingParameter", f"the request is missing the parameter {name!r}"
    for name in ("PhoneNumberSet", "TemplateParamSet"):
        if name in data and not _is_text_list(data[name]):
            return "InvalidParameter", f"{name} must be an array of strings"
    for name in ("SmsSdkAppId", "TemplateId", "SignName", "ExtendCode", "SessionContext"):
        if name in data and not isinstance(data[name], str):
            return "InvalidParameter", f"{name} must be a string"
    return data


def _check_signature(
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    credentials: CloudCredentials,
    now: float,
    request_id: str,
    actions: tuple[str, ...] = (ACTION,),
) -> CloudVerdict | None:
    """The refusal of a request whose headers or signature do not pass, else ``None``."""
    if method != "POST":
        return _refusal(request_id, "InvalidParameter", "the sandbox emulates SendSms over POST")
    action = headers.get("x-tc-action", "")
    if action not in actions:
        return _refusal(
            request_id, "InvalidAction", f"{action!r} is not emulated; use {', '.join(ACTIONS)}"
        )
    version = headers.get("x-tc-version", "")
    if version != VERSION:
        return _refusal(request_id, "NoSuchVersion", f"{version!r}; the sandbox speaks {VERSION}")
    if not headers.get("x-tc-region", "").strip():
        return _refusal(request_id, "MissingParameter", "the X-TC-Region header is missing")
    timestamp_text = headers.get("x-tc-timestamp", "").strip()
    if not _DIGITS.fullmatch(timestamp_text):
        return _refusal(request_id, "MissingParameter", "X-TC-Timestamp must be Unix seconds")
    match = _AUTHORIZATION.fullmatch(headers.get("authorization", "").strip())
    if match is None:
        return _refusal(request_id, "AuthFailure.InvalidAuthorization")
    timestamp = int(timestamp_text)
    if abs(timestamp - now) > MAX_TIMESTAMP_SKEW:
        return _refusal(request_id, "AuthFailure.SignatureExpire")
    if not hmac.compare_digest(
        match["secret_id"].encode("utf-8"), credentials.secret_id.encode("utf-8")
    ):
        return _refusal(request_id, "AuthFailure.SecretIdNotFound")
    if match["date"] != tc3_date(timestamp) or match["service"] != SERVICE:
        return _refusal(
            request_id, "AuthFailure.SignatureFailure", "the credential scope does not match"
        )
    if match["signed"] != "content-type;host":
        return _refusal(
            request_id,
            "AuthFailure.SignatureFailure",
            "the sandbox verifies SignedHeaders=content-type;host only",
        )
    unsigned = headers.get("x-tc-content-sha256", "") == "UNSIGNED-PAYLOAD"
    canonical = tc3_canonical_request(
        host=headers.get("host", "").strip().lower(),
        payload=b"UNSIGNED-PAYLOAD" if unsigned else body,
        content_type=headers.get("content-type", "").strip().lower(),
    )
    expected = tc3_signature(credentials.secret_key, timestamp, SERVICE, canonical)
    if not hmac.compare_digest(match["signature"].lower().encode("ascii"), expected.encode()):
        return _refusal(request_id, "AuthFailure.SignatureFailure")
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        return _refusal(request_id, "InvalidParameter", "the body must be application/json")
    return None


def evaluate_cloud(
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    data: object,
    *,
    credentials: CloudCredentials,
    account: Account,
    templates: Mapping[int, str],
    lenient: bool,
    now: float,
    received_at: float,
    frequency: FrequencyCounter,
    limits: FrequencyLimits | None,
    make_sid: Callable[[], str] = new_sid,
    request_id: str = "",
) -> CloudVerdict:
    """Run the checks in order; on success count the sends and describe the messages.

    ``headers`` have lower-case names; ``data`` is the parsed body or :data:`NOT_JSON`.
    """
    request_id = request_id or str(uuid.uuid4())
    refused = _check_signature(
        method, headers, body, credentials=credentials, now=now, request_id=request_id
    )
    if refused is not None:
        return refused
    fields = _read_body(data)
    if isinstance(fields, tuple):
        return _refusal(request_id, *fields)
    if fields["SmsSdkAppId"] != account.sdk_app_id:
        return _refusal(request_id, "InvalidParameterValue.SdkAppIdNotExist")
    phones: list[str] = fields["PhoneNumberSet"]
    if not phones:
        return _refusal(request_id, "MissingParameter.EmptyPhoneNumberSet")
    if len(phones) > MAX_PHONE_NUMBERS:
        return _refusal(
            request_id,
            "LimitExceeded.PhoneNumberCountLimit",
            f"{len(phones)} numbers, at most {MAX_PHONE_NUMBERS}",
        )
    numbers = [_split_number(p) for p in phones]
    domestic = {n[0] == DOMESTIC_NATIONCODE for n in numbers if n is not None}
    if len(domestic) > 1:
        return _refusal(
            request_id, "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber"
        )
    session_context = fields.get("SessionContext", "")
    if len(session_context.encode("utf-8")) >= MAX_SESSION_CONTEXT:
        return _refusal(
            request_id, "InvalidParameterValue", f"SessionContext: {MAX_SESSION_CONTEXT} bytes"
        )
    sign = fields.get("SignName", "")
    if not sign and True in domestic:
        return _refusal(
            request_id,
            "FailedOperation.SignatureIncorrectOrUnapproved",
            "SignName is required for numbers in mainland China",
        )

    params: list[str] = fields.get("TemplateParamSet", [])
    template_id = fields["TemplateId"]
    numeric_id = _DIGITS.fullmatch(template_id) is not None
    template = templates.get(int(template_id)) if numeric_id else None
    if template is None:
        if not lenient or not numeric_id:
            return _refusal(
                request_id,
                "FailedOperation.TemplateIncorrectOrUnapproved",
                f"no approved template {template_id!r}",
            )
        content = f"template {template_id}" + (": " + ", ".join(params) if params else "")
    elif len(params) != placeholder_count(template):
        return _refusal(
            request_id,
            "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
            f"{len(params)} parameters for {placeholder_count(template)} placeholders",
        )
    else:
        content = render(template, params)
    if any(len(p) > MAX_PARAM_LENGTH for p in params):
        return _refusal(request_id, "InvalidParameterValue.TemplateParameterLengthLimit")
    text = f"【{sign}】{content}" if sign else content
    if len(text) > MAX_CONTENT_LENGTH:
        return _refusal(
            request_id,
            "InvalidParameterValue.ContentLengthLimit",
            f"{len(text)} characters, at most {MAX_CONTENT_LENGTH}",
        )

    statuses = []
    for phone, number in zip(phones, numbers, strict=True):
        if number is None or not valid_number(*number):
            code = "InvalidParameterValue.IncorrectPhoneNumber"
            statuses.append(NumberStatus(phone, code, cloud_lookup(code).meaning))
            continue
        refusal = frequency.refusal(number, now, limits)
        if refusal is not None:
            code = _CODE_FOR_RESULT[refusal]
            statuses.append(NumberStatus(phone, code, cloud_lookup(code).meaning))
            continue
        frequency.record(number, now)
        nationcode, mobile = number
        message = SandboxMessage(
            sid=make_sid(),
            nationcode=nationcode,
            mobile=mobile,
            tpl_id=int(template_id),
            params=list(params),
            sign=sign,
            text=text,
            fee=sms_fee(text, nationcode),
            ext=session_context,
            extend=fields.get("ExtendCode", ""),
            time=int(headers["x-tc-timestamp"]),
            received_at=received_at,
        )
        statuses.append(
            NumberStatus(
                phone,
                OK,
                "send success",
                fee=message.fee,
                serial_no=message.sid,
                iso_code=_iso_code(nationcode, mobile),
                session_context=session_context,
                message=message,
            )
        )
    return CloudVerdict(request_id, statuses=tuple(statuses))


def _fault_verdict(fault: Fault, data: object, request_id: str) -> CloudVerdict:
    """The answer a ``result`` fault scripts, in API 3.0 terms."""
    code = _CODE_FOR_RESULT.get(fault.result, _FALLBACK_CODE)
    message = fault.errmsg or cloud_lookup(code).meaning
    phones = data.get("PhoneNumberSet") if isinstance(data, dict) else None
    if fault.result in _PER_NUMBER_RESULTS and _is_text_list(phones) and phones:
        statuses = tuple(NumberStatus(p, code, message) for p in phones)
        return CloudVerdict(request_id, statuses=statuses)
    return CloudVerdict(request_id, (code, message))


def _json_reply(verdict: CloudVerdict) -> Reply:
    # Exactly "application/json": Tencent's Python SDK only looks for Response.Error under that
    # content type (or text/plain).
    body = json.dumps(verdict.payload(), ensure_ascii=False).encode("utf-8")
    return Reply(200, body, "application/json")


def handle_cloud(sandbox: Sandbox, request: HttpRequest) -> Reply:
    """Answer one API 3.0 request, recording it (and what it sent) on ``sandbox``."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    data = parse_json(request.body)
    with sandbox._lock:
        fault = sandbox._faults.popleft() if sandbox._faults else None
        wake = sandbox._wake
        record = ReceivedRequest(
            endpoint=headers.get("x-tc-action", ""),
            query=dict(request.query),
            headers=dict(request.headers),
            body=request.body,
            json=None if data is NOT_JSON else copy.deepcopy(data),
            received_at=sandbox._clock(),
            fault=fault.kind if fault else None,
            connection=request.connection,
            method=request.method,
        )
        sandbox._requests.append(record)

    kind = fault.kind if fault else None
    if fault is not None and kind == "slow":
        wake.wait(fault.delay)
    if fault is not None and kind == "http_error":
        return text_reply(fault.status, f"sandbox fault: HTTP {fault.status}\n")
    if kind == "drop":
        return Reply(drop=True)
    if kind == "not_json":
        return text_reply(200, "<html><body>502 Bad Gateway</body></html>\n", "text/html")
    request_id = str(uuid.uuid4())
    if fault is not None and kind == "result":
        verdict = _fault_verdict(fault, data, request_id)
    elif headers.get("x-tc-action") in PULL_ACTIONS:
        verdict = evaluate_cloud_pull(
            request.method,
            headers,
            request.body,
            data,
            credentials=sandbox._cloud,
            account=sandbox._account,
            now=sandbox.clock(),
            center=sandbox._reports,
            request_id=request_id,
        )
    else:
        verdict = _evaluate(sandbox, request, headers, data, record.received_at, request_id)
    with sandbox._lock:
        record.result = verdict.result
        record.code = verdict.code
    if sandbox.verbose:
        phones = data.get("PhoneNumberSet") if isinstance(data, dict) else None
        to = f" to {', '.join(phones[:3])}" if _is_text_list(phones) and phones else ""
        more = f" (+{len(phones) - 3})" if to and len(phones) > 3 else ""
        print(
            f"[sandbox] POST / {record.endpoint}{to}{more} -> {verdict.code}"
            + (f" (fault: {kind})" if kind else ""),
            file=sys.stderr,
            flush=True,
        )
    return _json_reply(verdict)


def _evaluate(
    sandbox: Sandbox,
    request: HttpRequest,
    headers: dict[str, str],
    data: object,
    received_at: float,
    request_id: str,
) -> CloudVerdict:
    try:
        templates = sandbox._templates.snapshot()  # outside the lock: may query a database
    except Exception as exc:  # a broken source must not kill the server
        print(f"[sandbox] the template source failed: {exc!r}", file=sys.stderr)
        return _refusal(request_id, "InternalError.OtherError", "templates unavailable")
    with sandbox._lock:
        verdict = evaluate_cloud(
            request.method,
            headers,
            request.body,
            data,
            credentials=sandbox._cloud,
            account=sandbox._account,
            templates=templates,
            lenient=sandbox._templates.lenient,
            now=sandbox._clock(),
            received_at=received_at,
            frequency=sandbox._frequency,
            limits=sandbox._limits,
            request_id=request_id,
        )
        sandbox._record_messages(verdict.messages)
    return verdict


@dataclass(frozen=True)
class CloudPullVerdict(CloudVerdict):
    """The answer to a pull: ``items`` under ``field`` (``PullSmsSendStatusSet``…), or an error."""

    field: str = ""
    items: tuple[dict[str, Any], ...] = ()

    def payload(self) -> dict[str, Any]:
        if self.error is not None:
            return super().payload()
        return {"Response": {self.field: list(self.items), "RequestId": self.request_id}}


def evaluate_cloud_pull(
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    data: object,
    *,
    credentials: CloudCredentials,
    account: Account,
    now: float,
    center: ReportCenter,
    request_id: str = "",
) -> CloudVerdict:
    """``PullSmsSendStatus`` or ``PullSmsReplyStatus``: the signature as for ``SendSms``, then
    ``{"Limit": 1 to 100, "SmsSdkAppId": …}``, then up to ``Limit`` items, each handed out once."""
    request_id = request_id or str(uuid.uuid4())
    refused = _check_signature(
        method,
        headers,
        body,
        credentials=credentials,
        now=now,
        request_id=request_id,
        actions=PULL_ACTIONS,
    )
    if refused is not None:
        return refused
    if data is NOT_JSON or not isinstance(data, dict):
        return _refusal(request_id, "FailedOperation.FailResolvePacket", "not a JSON object")
    unknown = sorted(set(data) - {"Limit", "SmsSdkAppId"})
    if unknown:
        return _refusal(request_id, "UnknownParameter", f"unknown parameter {unknown[0]!r}")
    for name in ("Limit", "SmsSdkAppId"):
        if name not in data:
            return _refusal(request_id, "MissingParameter", f"the parameter {name!r} is missing")
    limit = pull_limit(data["Limit"])
    if limit is None:
        return _refusal(
            request_id,
            "InvalidParameterValue",
            f"Limit must be a whole number from 1 to {MAX_PULL}",
        )
    if data["SmsSdkAppId"] != account.sdk_app_id:
        return _refusal(request_id, "InvalidParameterValue.SdkAppIdNotExist")
    if headers.get("x-tc-action") == PULL_STATUS_ACTION:
        field_name = "PullSmsSendStatusSet"
        items = tuple(r.cloud_item() for r in center.take_reports(limit))
    else:
        field_name = "PullSmsReplyStatusSet"
        items = tuple(r.cloud_item() for r in center.take_replies(limit))
    return CloudPullVerdict(request_id, field=field_name, items=items)
