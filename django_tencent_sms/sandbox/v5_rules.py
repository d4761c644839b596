"""The checks the legacy API's endpoints make, in Tencent's order, and the answers they give.

For ``sendsms``, ``sendmultisms2`` and ``pullstatus``. Pure: the handler (``v5.py``) hands in
the query, the parsed body and what the sandbox remembers, and sends back the verdict.
"""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django_tencent_sms.protocol.billing import DOMESTIC_NATIONCODE, sms_fee
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.result_codes import lookup
from django_tencent_sms.sandbox.accounts import Account
from django_tencent_sms.sandbox.limits import FrequencyCounter, FrequencyLimits
from django_tencent_sms.sandbox.records import SandboxMessage
from django_tencent_sms.sandbox.reports import MAX_PULL, ReportCenter, pull_limit
from django_tencent_sms.sandbox.rules import (
    MAX_CONTENT_LENGTH,
    MAX_PARAM_LENGTH,
    NOT_JSON,
    is_int,
    is_text,
    lenient_content,
    new_sid,
    valid_number,
)
from django_tencent_sms.sandbox.templates import placeholder_count, render

__all__ = [
    "ENDPOINTS",
    "MAX_MULTI_NUMBERS",
    "MAX_TIME_SKEW",
    "MULTI_ENDPOINT",
    "PULL_ENDPOINT",
    "SEND_ENDPOINT",
    "Detail",
    "Verdict",
    "echo_ext",
    "evaluate",
    "evaluate_pullstatus",
    "refusal",
]

SEND_ENDPOINT = "sendsms"
MULTI_ENDPOINT = "sendmultisms2"
PULL_ENDPOINT = "pullstatus"
#: The sending endpoints; anything else under ``/v5/tlssmssvr/`` but ``pullstatus`` gets 1011.
ENDPOINTS = (SEND_ENDPOINT, MULTI_ENDPOINT)
#: Numbers per ``sendmultisms2`` request (1046 beyond).
MAX_MULTI_NUMBERS = 200
#: Seconds the body's ``time`` may be away from the sandbox clock (1021 beyond).
MAX_TIME_SKEW = 600

# Tencent's own wording for the two kinds of 1014 seen in the wild (reference §6.1).
_UNKNOWN_TEMPLATE = "package format error, sdkappid not have this tpl_id"
_PARAMS_MISMATCH = "package format error, template params error"


@dataclass(frozen=True)
class Detail:
    """The answer about one number of a ``sendmultisms2`` request."""

    nationcode: str
    mobile: str
    result: int
    errmsg: str
    message: SandboxMessage | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "result": self.result,
            "errmsg": self.errmsg,
            "mobile": self.mobile,
            "nationcode": self.nationcode,
        }
        if self.message is not None:
            data["sid"] = self.message.sid
            data["fee"] = self.message.fee
        return data


@dataclass(frozen=True)
class Verdict:
    """The answer to one request."""

    result: int
    errmsg: str
    ext: str = ""
    message: SandboxMessage | None = None
    #: ``sendmultisms2``: one entry per number, in the request's order.
    detail: tuple[Detail, ...] | None = None

    @property
    def messages(self) -> tuple[SandboxMessage, ...]:
        """The messages accepted by this request."""
        if self.detail is not None:
            return tuple(d.message for d in self.detail if d.message is not None)
        return (self.message,) if self.message is not None else ()

    def payload(self) -> dict[str, Any]:
        """The JSON object Tencent would answer."""
        data: dict[str, Any] = {"result": self.result, "errmsg": self.errmsg, "ext": self.ext}
        if self.message is not None:
            data["fee"] = self.message.fee
            data["sid"] = self.message.sid
        if self.detail is not None:
            data["detail"] = [d.payload() for d in self.detail]
        return data


def refusal(code: int, detail: str = "", ext: str = "") -> Verdict:
    """A verdict with the code's usual meaning, plus ``detail`` when given."""
    meaning = lookup(code).meaning
    return Verdict(code, f"{meaning}: {detail}" if detail else meaning, ext)


def echo_ext(data: object) -> str:
    """The ``ext`` to echo: the request's, when it is a string, else ``""``."""
    if isinstance(data, dict) and is_text(data.get("ext")):
        return str(data["ext"])
    return ""


@dataclass(frozen=True)
class _Body:
    #: ``(nationcode, mobile)`` of each number: one for ``sendsms``, the array's for the other.
    tels: tuple[tuple[str, str], ...]
    tpl_id: int
    params: list[str]
    sig: object
    time: int
    sign: str
    ext: str
    extend: str


def _read_tel(tel: object) -> tuple[str, str] | None:
    if isinstance(tel, dict) and is_text(tel.get("nationcode")) and is_text(tel.get("mobile")):
        return tel["nationcode"], tel["mobile"]
    return None


def _read_tels(tel: object, *, multi: bool) -> tuple[tuple[str, str], ...] | str:
    """The numbers of ``tel`` (an object, or with ``multi`` an array of them), or what is wrong."""
    if not multi:
        if not isinstance(tel, dict):
            return "tel must be an object"
        number = _read_tel(tel)
        return "tel.nationcode and tel.mobile must be strings" if number is None else (number,)
    if not isinstance(tel, list) or not tel:
        return "tel must be a non-empty array"
    numbers = [_read_tel(t) for t in tel]
    readable = tuple(n for n in numbers if n is not None)
    if len(readable) != len(numbers):
        return "each tel must be an object with string nationcode and mobile"
    return readable


def _read_body(data: object, *, multi: bool = False) -> _Body | str:
    """The typed fields of a template ``sendsms`` (or, with ``multi``, ``sendmultisms2``) body,
    or why it does not parse."""
    if data is NOT_JSON:
        return "the body is not JSON in UTF-8"
    if not isinstance(data, dict):
        return "the body is not a JSON object"
    tels = _read_tels(data.get("tel"), multi=multi)
    if isinstance(tels, str):
        return tels
    if not is_int(data.get("tpl_id")):
        return "tpl_id must be an integer"
    params = data.get("params")
    if not isinstance(params, list) or not all(is_text(p) for p in params):
        return "params must be a list of strings"
    if not is_int(data.get("time")):
        return "time must be an integer"
    for name in ("sign", "ext", "extend"):
        if name in data and not is_text(data[name]):
            return f"{name} must be a string"
    if "sig" in data and data["sig"] is not None and not is_text(data["sig"]):
        return "sig must be a string"
    return _Body(
        tels=tels,
        tpl_id=data["tpl_id"],
        params=list(params),
        sig=data.get("sig"),
        time=data["time"],
        sign=data.get("sign", ""),
        ext=data.get("ext", ""),
        extend=data.get("extend", ""),
    )


def _content(
    body: _Body, templates: Mapping[int, str], lenient: bool, account: Account
) -> tuple[str, str] | Verdict:
    """``(sign, text)`` of the message the body asks for, or the refusal (1014, 1036, 1017)."""
    template = templates.get(body.tpl_id)
    if template is None:
        if not lenient:
            return Verdict(1014, _UNKNOWN_TEMPLATE)
        content = lenient_content(body.tpl_id, body.params)
    elif len(body.params) != placeholder_count(template):
        return Verdict(1014, _PARAMS_MISMATCH)
    else:
        content = render(template, body.params)
    if any(len(p) > MAX_PARAM_LENGTH for p in body.params):
        return refusal(1036)
    sign = body.sign or account.default_sign
    text = f"【{sign}】{content}" if sign else content
    if len(text) > MAX_CONTENT_LENGTH:
        return refusal(1017, f"{len(text)} characters, at most {MAX_CONTENT_LENGTH}")
    return sign, text


def _request_refusal(
    endpoint: str, query: Mapping[str, str], body: _Body, *, account: Account, now: float
) -> Verdict | None:
    """The refusal of the whole request by sig, app, time and (for several numbers) their
    count and kind, else ``None``."""
    if not body.sig:
        return refusal(1003)
    if query.get("sdkappid") != account.sdk_app_id:
        return refusal(1019)
    if abs(body.time - now) > MAX_TIME_SKEW:
        return refusal(1021)
    expected = v5_signature(
        account.app_key, query.get("random", ""), body.time, mobiles=[m for _, m in body.tels]
    )
    if not hmac.compare_digest(str(body.sig).encode("utf-8"), expected.encode("ascii")):
        return refusal(1001)
    if endpoint == MULTI_ENDPOINT:
        if len(body.tels) > MAX_MULTI_NUMBERS:
            return refusal(1046, f"{len(body.tels)} numbers, at most {MAX_MULTI_NUMBERS}")
        if len({nationcode == DOMESTIC_NATIONCODE for nationcode, _ in body.tels}) > 1:
            return refusal(1034)
    elif not valid_number(*body.tels[0]):
        return refusal(1016)
    return None


def evaluate(
    endpoint: str,
    query: Mapping[str, str],
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
) -> Verdict:
    """Run Tencent's checks in order; on success count the send and describe the message(s).

    ``data`` is the parsed body or :data:`NOT_JSON`; ``now`` is the sandbox clock.
    ``sendmultisms2`` answers the request-wide checks (body, sig, time, 1046 more than 200
    numbers, 1034 domestic and international together, template, length) for the whole
    request, and the number and frequency checks in ``detail``, one entry per number.
    """
    ext = echo_ext(data)
    if endpoint not in ENDPOINTS:
        return refusal(1011, f"{endpoint!r} is not emulated; use {' or '.join(ENDPOINTS)}", ext)
    body = _read_body(data, multi=endpoint == MULTI_ENDPOINT)
    if isinstance(body, str):
        return refusal(1004, body, ext)
    refused = _request_refusal(endpoint, query, body, account=account, now=now)
    if refused is not None:
        return dataclasses.replace(refused, ext=ext)
    content = _content(body, templates, lenient, account)
    if isinstance(content, Verdict):
        return dataclasses.replace(content, ext=ext)
    sign, text = content

    def accept(nationcode: str, mobile: str) -> SandboxMessage:
        frequency.record((nationcode, mobile), now, text)
        return SandboxMessage(
            sid=make_sid(),
            nationcode=nationcode,
            mobile=mobile,
            tpl_id=body.tpl_id,
            params=list(body.params),
            sign=sign,
            text=text,
            fee=sms_fee(text, nationcode),
            ext=body.ext,
            extend=body.extend,
            time=body.time,
            received_at=received_at,
        )

    if endpoint == SEND_ENDPOINT:
        code = frequency.refusal(body.tels[0], now, limits, text)
        if code is not None:
            return refusal(code, ext=ext)
        return Verdict(0, "OK", ext, accept(*body.tels[0]))

    detail = []
    for nationcode, mobile in body.tels:
        code = 1016 if not valid_number(nationcode, mobile) else None
        if code is None:
            code = frequency.refusal((nationcode, mobile), now, limits, text)
        if code is not None:
            detail.append(Detail(nationcode, mobile, code, lookup(code).meaning))
        else:
            detail.append(Detail(nationcode, mobile, 0, "OK", accept(nationcode, mobile)))
    return Verdict(0, "OK", ext, detail=tuple(detail))


def _pull_refusal(code: int, detail: str = "") -> dict[str, Any]:
    verdict = refusal(code, detail)
    return {"result": verdict.result, "errmsg": verdict.errmsg}


def evaluate_pullstatus(
    query: Mapping[str, str],
    data: object,
    *,
    account: Account,
    now: float,
    center: ReportCenter,
) -> dict[str, Any]:
    """The legacy ``pullstatus`` answer (reference §4.4): Tencent's checks in its order (body,
    ``sig`` present, app, time, signature without a number), then up to ``max`` items of
    ``type`` 0 (reports) or 1 (replies), each handed out once."""
    if data is NOT_JSON or not isinstance(data, dict):
        return _pull_refusal(1004, "the body is not a JSON object")
    if not data.get("sig"):
        return _pull_refusal(1003)
    if query.get("sdkappid") != account.sdk_app_id:
        return _pull_refusal(1019)
    stamp = data.get("time")
    if not is_int(stamp):
        return _pull_refusal(1004, "time must be an integer")
    if abs(stamp - now) > MAX_TIME_SKEW:
        return _pull_refusal(1021)
    expected = v5_signature(account.app_key, query.get("random", ""), stamp)
    sig = data["sig"]
    if not isinstance(sig, str) or not hmac.compare_digest(
        sig.encode("utf-8"), expected.encode("ascii")
    ):
        return _pull_refusal(1001)
    kind = data.get("type")
    if kind not in (0, 1) or isinstance(kind, bool):
        return _pull_refusal(1004, "type must be 0 (delivery reports) or 1 (replies)")
    limit = pull_limit(data.get("max"))
    if limit is None:
        return _pull_refusal(1004, f"max must be a whole number from 1 to {MAX_PULL}")
    if kind == 0:
        items = [r.callback_item() for r in center.take_reports(limit)]
    else:
        items = [r.callback_item() for r in center.take_replies(limit)]
    return {"result": 0, "errmsg": "OK", "count": len(items), "data": items}
