"""The checks API 3.0's ``SendSms`` and pulls make, in order, and the answers they give.

For ``SendSms``, ``PullSmsSendStatus`` and ``PullSmsReplyStatus`` (reference §8), after the
headers and the signature (``tc3_auth``): the body, then the legacy API's rules (app,
template, parameters, length, numbers, frequency limits) with API 3.0 error codes. Problems
with the whole request come back as ``Response.Error``; a bad number or a frequency limit as
that number's ``SendStatusSet`` entry. Pure: the handler (``tc3.py``) hands in what it needs.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

from django_tencent_sms.protocol.billing import DOMESTIC_NATIONCODE, sms_fee
from django_tencent_sms.protocol.text import has_link
from django_tencent_sms.result_codes import CLOUD_EQUIVALENTS, cloud_lookup
from django_tencent_sms.sandbox.accounts import Account
from django_tencent_sms.sandbox.limits import FrequencyCounter, FrequencyLimits
from django_tencent_sms.sandbox.records import SandboxMessage
from django_tencent_sms.sandbox.reports import MAX_PULL, ReportCenter, pull_limit
from django_tencent_sms.sandbox.rules import (
    MAX_CLOUD_CONTENT_LENGTH,
    MAX_PARAM_LENGTH,
    NOT_JSON,
    lenient_content,
    new_sid,
    valid_number,
)
from django_tencent_sms.sandbox.tc3_auth import (
    PULL_ACTIONS,
    PULL_STATUS_ACTION,
    VERSION,
    authorization_refusal,
)
from django_tencent_sms.sandbox.templates import placeholder_count, render

__all__ = [
    "CODE_FOR_RESULT",
    "MAX_PHONE_NUMBERS",
    "OK",
    "CloudPullVerdict",
    "CloudVerdict",
    "NumberStatus",
    "evaluate_cloud",
    "evaluate_cloud_pull",
    "is_text_list",
    "refusal",
]

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


def _codes_for_results() -> dict[int, str]:
    """The legacy result a sandbox fault names → the API 3.0 code answered for it. Where several
    codes share a result, the first in ``CLOUD_EQUIVALENTS``, except for the two authentication
    codes that replace 1001 and 1021."""
    codes: dict[int, str] = {}
    for name, result in CLOUD_EQUIVALENTS.items():
        codes.setdefault(result, name)
    codes.update({1001: "AuthFailure.SignatureFailure", 1021: "AuthFailure.SignatureExpire"})
    return codes


CODE_FOR_RESULT = _codes_for_results()


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


@dataclass(frozen=True)
class CloudPullVerdict(CloudVerdict):
    """The answer to a pull: ``items`` under ``field`` (``PullSmsSendStatusSet``…), or an error."""

    field: str = ""
    items: tuple[dict[str, Any], ...] = ()

    def payload(self) -> dict[str, Any]:
        if self.error is not None:
            return super().payload()
        return {"Response": {self.field: list(self.items), "RequestId": self.request_id}}


def refusal(request_id: str, code: str, detail: str = "") -> CloudVerdict:
    """``Response.Error`` with the code's usual meaning, plus ``detail`` when given."""
    meaning = cloud_lookup(code).meaning
    return CloudVerdict(request_id, (code, f"{meaning}: {detail}" if detail else meaning))


def is_text_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


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
        if name in data and not is_text_list(data[name]):
            return "InvalidParameter", f"{name} must be an array of strings"
    for name in ("SmsSdkAppId", "TemplateId", "SignName", "ExtendCode", "SessionContext"):
        if name in data and not isinstance(data[name], str):
            return "InvalidParameter", f"{name} must be a string"
    return data


def _request_refusal(
    fields: Mapping[str, Any], numbers: list[tuple[str, str] | None], *, account: Account
) -> tuple[str, str] | None:
    """``(code, detail)`` refusing the whole request by app, numbers, context or signature."""
    if fields["SmsSdkAppId"] != account.sdk_app_id:
        return "InvalidParameterValue.SdkAppIdNotExist", ""
    if not numbers:
        return "MissingParameter.EmptyPhoneNumberSet", ""
    if len(numbers) > MAX_PHONE_NUMBERS:
        return (
            "LimitExceeded.PhoneNumberCountLimit",
            f"{len(numbers)} numbers, at most {MAX_PHONE_NUMBERS}",
        )
    domestic = {n[0] == DOMESTIC_NATIONCODE for n in numbers if n is not None}
    if len(domestic) > 1:
        return "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber", ""
    if len(fields.get("SessionContext", "").encode("utf-8")) >= MAX_SESSION_CONTEXT:
        return "InvalidParameterValue", f"SessionContext: {MAX_SESSION_CONTEXT} bytes"
    if not fields.get("SignName", "") and True in domestic:
        return (
            "FailedOperation.SignatureIncorrectOrUnapproved",
            "SignName is required for numbers in mainland China",
        )
    return None


def _text(
    fields: Mapping[str, Any], templates: Mapping[int, str], lenient: bool
) -> str | tuple[str, str]:
    """The message text the body asks for, signature first, or ``(code, detail)`` refusing it."""
    params: list[str] = fields.get("TemplateParamSet", [])
    template_id = fields["TemplateId"]
    numeric_id = _DIGITS.fullmatch(template_id) is not None
    template = templates.get(int(template_id)) if numeric_id else None
    if template is None:
        if not lenient or not numeric_id:
            return (
                "FailedOperation.TemplateIncorrectOrUnapproved",
                f"no approved template {template_id!r}",
            )
        content = lenient_content(template_id, params)
    elif len(params) != placeholder_count(template):
        return (
            "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
            f"{len(params)} parameters for {placeholder_count(template)} placeholders",
        )
    else:
        content = render(template, params)
    if any(len(p) > MAX_PARAM_LENGTH for p in params):
        return "InvalidParameterValue.TemplateParameterLengthLimit", ""
    if any(has_link(p) for p in params):
        return "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", ""
    sign = fields.get("SignName", "")
    text = f"【{sign}】{content}" if sign else content
    if len(text) > MAX_CLOUD_CONTENT_LENGTH:
        return (
            "InvalidParameterValue.ContentLengthLimit",
            f"{len(text)} characters, at most {MAX_CLOUD_CONTENT_LENGTH}",
        )
    return text


def _refused_number(code: str, phone: str) -> NumberStatus:
    return NumberStatus(phone, code, cloud_lookup(code).meaning)


def evaluate_cloud(
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    data: object,
    *,
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
    refused = authorization_refusal(method, headers, body, account=account, now=now)
    if refused is not None:
        return refusal(request_id, *refused)
    fields = _read_body(data)
    if isinstance(fields, tuple):
        return refusal(request_id, *fields)
    phones: list[str] = fields["PhoneNumberSet"]
    numbers = [_split_number(p) for p in phones]
    refused = _request_refusal(fields, numbers, account=account)
    if refused is not None:
        return refusal(request_id, *refused)
    text = _text(fields, templates, lenient)
    if isinstance(text, tuple):
        return refusal(request_id, *text)

    session_context = fields.get("SessionContext", "")
    statuses = []
    for phone, number in zip(phones, numbers, strict=True):
        if number is None or not valid_number(*number):
            statuses.append(_refused_number("InvalidParameterValue.IncorrectPhoneNumber", phone))
            continue
        limited = frequency.refusal(number, now, limits, text)
        if limited is not None:
            statuses.append(_refused_number(CODE_FOR_RESULT[limited], phone))
            continue
        frequency.record(number, now, text)
        nationcode, mobile = number
        message = SandboxMessage(
            sid=make_sid(),
            nationcode=nationcode,
            mobile=mobile,
            tpl_id=int(fields["TemplateId"]),
            params=list(fields.get("TemplateParamSet", [])),
            sign=fields.get("SignName", ""),
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


def evaluate_cloud_pull(
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    data: object,
    *,
    account: Account,
    now: float,
    center: ReportCenter,
    request_id: str = "",
) -> CloudVerdict:
    """``PullSmsSendStatus`` or ``PullSmsReplyStatus``: the signature as for ``SendSms``, then
    ``{"Limit": 1 to 100, "SmsSdkAppId": …}``, then up to ``Limit`` items, each handed out once."""
    request_id = request_id or str(uuid.uuid4())
    refused = authorization_refusal(
        method, headers, body, account=account, now=now, actions=PULL_ACTIONS
    )
    if refused is not None:
        return refusal(request_id, *refused)
    if data is NOT_JSON or not isinstance(data, dict):
        return refusal(request_id, "FailedOperation.FailResolvePacket", "not a JSON object")
    unknown = sorted(set(data) - {"Limit", "SmsSdkAppId"})
    if unknown:
        return refusal(request_id, "UnknownParameter", f"unknown parameter {unknown[0]!r}")
    for name in ("Limit", "SmsSdkAppId"):
        if name not in data:
            return refusal(request_id, "MissingParameter", f"the parameter {name!r} is missing")
    limit = pull_limit(data["Limit"])
    if limit is None:
        return refusal(
            request_id,
            "InvalidParameterValue",
            f"Limit must be a whole number from 1 to {MAX_PULL}",
        )
    if data["SmsSdkAppId"] != account.sdk_app_id:
        return refusal(request_id, "InvalidParameterValue.SdkAppIdNotExist")
    if headers.get("x-tc-action") == PULL_STATUS_ACTION:
        field_name = "PullSmsSendStatusSet"
        items = tuple(r.cloud_item() for r in center.take_reports(limit))
    else:
        field_name = "PullSmsReplyStatusSet"
        items = tuple(r.cloud_item() for r in center.take_replies(limit))
    return CloudPullVerdict(request_id, field=field_name, items=items)
