"""The legacy ``/v5/tlssmssvr`` API: ``sendsms``, ``sendmultisms2`` and ``pullstatus``.

Signed requests and their answers (reference §1, §4). Pure: the time and the random value are
parameters, so the output is a function of the input. The items ``pullstatus`` hands out have
the callback shape, read by :mod:`.callbacks`.
"""

from __future__ import annotations

from collections import deque
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
from django_tencent_sms.protocol.billing import DOMESTIC_NATIONCODE
from django_tencent_sms.protocol.callbacks import parse_reply, parse_status_report
from django_tencent_sms.protocol.reports import PullBatch, read_batch
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.protocol.v5_envelope import HttpRequest, errmsg_of, post, read_result

__all__ = [
    "MAX_MULTI_NUMBERS",
    "MAX_PULL",
    "PULL_REPLIES",
    "PULL_REPORTS",
    "HttpRequest",
    "build_pullstatus",
    "build_sendmultisms2",
    "build_sendsms",
    "parse_pullstatus_response",
    "parse_sendmultisms2_response",
    "parse_sendsms_response",
]

#: Numbers per ``sendmultisms2`` request; Tencent answers 1046 beyond.
MAX_MULTI_NUMBERS = 200
#: ``pullstatus`` ``type``: delivery reports, or replies.
PULL_REPORTS = 0
PULL_REPLIES = 1
#: Items one ``pullstatus`` request may ask for (its ``max``).
MAX_PULL = 100


def build_sendsms(
    message: SmsMessage,
    *,
    api_url: str,
    sdk_app_id: str,
    app_key: str,
    random: str,
    now: int,
) -> HttpRequest:
    """The ``sendsms`` request (template form) for ``message``, signed at Unix time ``now``."""
    body = {
        "tel": {"nationcode": message.nationcode, "mobile": message.mobile},
        "tpl_id": int(message.tpl_id),
        "params": list(message.params),
        "sign": message.sign,
        "sig": v5_signature(app_key, random, now, mobiles=[message.mobile]),
        "time": int(now),
        "extend": message.extend,
        "ext": message.ext,
    }
    return post(api_url, "sendsms", body, sdk_app_id=sdk_app_id, random=random, ensure_ascii=False)


def parse_sendsms_response(status: int, content: bytes) -> SendResult:
    """Turn Tencent's answer into a ``SendResult``, or raise the matching ``SmsError``."""
    data, _ = read_result(status, content)
    result = data["result"]
    errmsg = errmsg_of(data)
    ext = str(data.get("ext", "") or "")
    if result != 0:
        raise TencentSmsError.for_result(result, errmsg, ext)
    fee = data.get("fee")
    return SendResult(
        sid=str(data.get("sid", "") or ""),
        fee=fee if isinstance(fee, int) and not isinstance(fee, bool) else None,
        errmsg=errmsg or "OK",
        ext=ext,
    )


def build_sendmultisms2(
    message: BulkMessage,
    *,
    api_url: str,
    sdk_app_id: str,
    app_key: str,
    random: str,
    now: int,
) -> HttpRequest:
    """The ``sendmultisms2`` request (template form) for ``message``, signed at Unix time ``now``.

    ``tel`` lists the numbers in ``message.phones`` order, and the signature covers their
    national numbers comma-joined in that order. ``ValueError`` for no number, more than
    ``MAX_MULTI_NUMBERS``, or domestic (+86) and international numbers together (Tencent
    refuses those with 1046 and 1034).
    """
    count = len(message.phones)
    if not 1 <= count <= MAX_MULTI_NUMBERS:
        raise ValueError(f"sendmultisms2 takes 1 to {MAX_MULTI_NUMBERS} numbers, not {count}")
    tel = [
        {
            "nationcode": str(phone.country_code),
            "mobile": phonenumbers.national_significant_number(phone),
        }
        for phone in message.phones
    ]
    if len({entry["nationcode"] == DOMESTIC_NATIONCODE for entry in tel}) > 1:
        raise ValueError("sendmultisms2 takes domestic or international numbers, not both")
    body = {
        "tel": tel,
        "tpl_id": int(message.tpl_id),
        "params": list(message.params),
        "sign": message.sign,
        "sig": v5_signature(app_key, random, now, mobiles=[entry["mobile"] for entry in tel]),
        "time": int(now),
        "extend": message.extend,
        "ext": message.ext,
    }
    return post(
        api_url, "sendmultisms2", body, sdk_app_id=sdk_app_id, random=random, ensure_ascii=False
    )


def parse_sendmultisms2_response(status: int, content: bytes, message: BulkMessage) -> BulkResult:
    """Tencent's answer to the ``sendmultisms2`` request for ``message``, one result per phone.

    ``detail`` entries are matched to the request's numbers by ``(nationcode, mobile)``, in
    order (so a number listed twice gets its two entries in turn). A number the answer says
    nothing about gets an ``InvalidResponse`` as its ``error``: the request reached Tencent, so
    that SMS may have gone out.

    Raises ``HTTPStatusError`` or ``InvalidResponse`` when the answer is not Tencent's JSON, and
    the matching ``TencentSmsError`` when Tencent refused the whole request (``result != 0``
    without per-number ``detail``). When an answer with ``result != 0`` still carries
    ``detail``, the detail wins: numbers it reports accepted were sent.
    """
    data, text = read_result(status, content)
    result = data["result"]
    errmsg = errmsg_of(data)
    ext = str(data.get("ext", "") or "")
    detail = data.get("detail")
    entries: dict[tuple[str, str], deque[RecipientResult]] = {}
    for item in detail if isinstance(detail, list) else ():
        if isinstance(item, dict) and _is_int(item.get("result")):
            key = (str(item.get("nationcode", "")).lstrip("+"), str(item.get("mobile", "")))
            entries.setdefault(key, deque()).append(_recipient(item))
    if result != 0 and not entries:
        raise TencentSmsError.for_result(result, errmsg, ext)
    missing: InvalidResponse | None = None
    recipients = []
    for phone in message.phones:
        queue = entries.get(
            (str(phone.country_code), phonenumbers.national_significant_number(phone))
        )
        if queue:
            recipients.append(queue.popleft())
            continue
        if missing is None:
            missing = InvalidResponse(
                "The SMS API's answer has no detail for this number; the message may still be "
                "delivered",
                text,
            )
        recipients.append(RecipientResult(None, str(missing), error=missing))
    return BulkResult(tuple(recipients), errmsg=errmsg or "OK", ext=ext)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _recipient(item: dict[str, Any]) -> RecipientResult:
    result = item["result"]
    errmsg = errmsg_of(item)
    if result != 0:
        return RecipientResult(result, errmsg)
    fee = item.get("fee")
    return RecipientResult(
        0,
        errmsg or "OK",
        sid=str(item.get("sid", "") or ""),
        fee=fee if _is_int(fee) else None,
    )


def build_pullstatus(
    kind: int,
    *,
    limit: int = MAX_PULL,
    api_url: str,
    sdk_app_id: str,
    app_key: str,
    random: str,
    now: int,
) -> HttpRequest:
    """The ``pullstatus`` request for up to ``limit`` (1 to 100) delivery reports
    (``kind=PULL_REPORTS``) or replies (``PULL_REPLIES``), signed at Unix time ``now``.

    Its ``sig`` covers no number (reference §2). Tencent hands each item out once.
    """
    if kind not in (PULL_REPORTS, PULL_REPLIES):
        raise ValueError(f"pullstatus type is {PULL_REPORTS} or {PULL_REPLIES}, not {kind!r}")
    if not _is_int(limit) or not 1 <= limit <= MAX_PULL:
        raise ValueError(f"pullstatus takes a max of 1 to {MAX_PULL}, not {limit!r}")
    body = {
        "sig": v5_signature(app_key, random, now),
        "time": int(now),
        "type": kind,
        "max": limit,
    }
    return post(api_url, "pullstatus", body, sdk_app_id=sdk_app_id, random=random)


def parse_pullstatus_response(status: int, content: bytes, kind: int) -> PullBatch:
    """The reports (``DeliveryReport``) or replies (``IncomingReply``) of a ``pullstatus`` answer.

    Raises ``HTTPStatusError``/``InvalidResponse`` when the answer is not Tencent's JSON, and the
    matching ``TencentSmsError`` for ``result != 0`` (pulling must be enabled for the account by
    Tencent's support first). Items that do not parse are described in ``rejected``; the others
    are kept (they have left Tencent's queue either way).
    """
    data, text = read_result(status, content)
    if data["result"] != 0:
        raise TencentSmsError.for_result(data["result"], errmsg_of(data))
    entries = data.get("data")
    if entries is None:
        return PullBatch()
    if not isinstance(entries, list):
        raise InvalidResponse("The SMS API's 'data' is not a list", text)
    return read_batch(entries, parse_reply if kind == PULL_REPLIES else parse_status_report)
