"""API 3.0 ``SendSms``: the request for one message or a batch, and its answer (reference §8.2).

Pure: the time is a parameter. One request carries 1 to 200 numbers; the answer has one
``SendStatus`` per number, each accepted or refused on its own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers

from django_tencent_sms.exceptions import InvalidResponse, TencentSmsError
from django_tencent_sms.message import (
    BulkMessage,
    BulkResult,
    RecipientResult,
    SendResult,
    SmsMessage,
)
from django_tencent_sms.protocol.tc3.action import (
    Endpoint,
    SignedRequest,
    build_action_request,
    read_answer,
    string,
)

__all__ = [
    "ACTION",
    "MAX_PHONE_NUMBERS",
    "OK_CODE",
    "SendStatus",
    "build_send_sms",
    "build_send_sms_bulk",
    "build_send_sms_request",
    "parse_send_sms_bulk_response",
    "parse_send_sms_response",
    "parse_send_status_set",
    "status_error",
]

ACTION = "SendSms"
#: Numbers one SendSms request may carry.
MAX_PHONE_NUMBERS = 200
#: ``SendStatus.Code`` of an accepted number.
OK_CODE = "Ok"


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


def parse_send_status_set(status: int, content: bytes) -> tuple[str, list[SendStatus]]:
    """``(RequestId, [SendStatus…])`` of a ``SendSms`` answer, in the answer's order.

    A request-level ``Response.Error`` raises the matching ``TencentSmsError`` (with
    ``request_id``); a per-number refusal is a ``SendStatus`` whose ``ok`` is false (see
    :func:`status_error`). Anything else that is not the documented shape raises a
    ``TransportError``: the outcome is unknown.
    """
    answer = read_answer(status, content)
    entries = answer.response.get("SendStatusSet")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidResponse("The SMS API's answer has no 'SendStatusSet' list", answer.text)
    statuses = []
    for entry in entries:
        code = string(entry.get("Code"))
        if not code:
            raise InvalidResponse("A 'SendStatusSet' entry has no 'Code'", answer.text)
        fee = entry.get("Fee")
        statuses.append(
            SendStatus(
                serial_no=string(entry.get("SerialNo")),
                phone_number=string(entry.get("PhoneNumber")),
                fee=fee if isinstance(fee, int) and not isinstance(fee, bool) else None,
                code=code,
                message=string(entry.get("Message")),
                session_context=string(entry.get("SessionContext")),
                iso_code=string(entry.get("IsoCode")),
            )
        )
    return answer.request_id, statuses


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
