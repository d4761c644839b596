"""The checks Tencent's ``sendsms`` and ``sendmultisms2`` make, as a function of the request and
the sandbox's state.

No I/O: the HTTP server hands in the query and the parsed body and sends back the verdict.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from django_tencent_sms.protocol.billing import DOMESTIC_NATIONCODE, sms_fee
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.result_codes import lookup
from django_tencent_sms.sandbox.limits import FrequencyCounter, FrequencyLimits
from django_tencent_sms.sandbox.records import SandboxMessage
from django_tencent_sms.sandbox.templates import placeholder_count, render

__all__ = [
    "MAX_CONTENT_LENGTH",
    "MAX_MULTI_NUMBERS",
    "MAX_PARAM_LENGTH",
    "MAX_TIME_SKEW",
    "NOT_JSON",
    "Account",
    "Detail",
    "Verdict",
    "evaluate",
    "new_sid",
    "parse_json",
    "valid_number",
]

SEND_ENDPOINT = "sendsms"
MULTI_ENDPOINT = "sendmultisms2"
#: The endpoints emulated; anything else under ``/v5/tlssmssvr/`` gets 1011.
ENDPOINTS = (SEND_ENDPOINT, MULTI_ENDPOINT)
#: Numbers per ``sendmultisms2`` request (1046 beyond).
MAX_MULTI_NUMBERS = 200
MAX_TIME_SKEW = 600
MAX_PARAM_LENGTH = 12
MAX_CONTENT_LENGTH = 450

#: Stands for a body that is not JSON.
NOT_JSON: Any = object()

_DIGITS = re.compile(r"[0-9]+")
# Tencent's own wording for the two kinds of 1014 seen in the wild (reference §6.1).
_UNKNOWN_TEMPLATE = "package format error, sdkappid not have this tpl_id"
_PARAMS_MISMATCH = "package format error, template params error"


@dataclass(frozen=True)
class Account:
    """The emulated Tencent application."""

    sdk_app_id: str
    app_key: str = field(repr=False)
    default_sign: str = ""


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


def new_sid() -> str:
    """A fresh send id shaped like Tencent's."""
    return "2019:" + secrets.token_hex(10)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> Any:
    """The parsed body, or :data:`NOT_JSON`. Raw UTF-8 and ``\\uXXXX`` escapes are both fine."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return NOT_JSON


def _is_text(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \ud800-style escape
        return False
    return True


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def echo_ext(data: object) -> str:
    """The ``ext`` to echo: the request's, when it is a string, else ``""``."""
    if isinstance(data, dict) and _is_text(data.get("ext")):
        return data["ext"]
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
    if isinstance(tel, dict) and _is_text(tel.get("nationcode")) and _is_text(tel.get("mobile")):
        return tel["nationcode"], tel["mobile"]
    return None


def _read_body(data: object, *, multi: bool = False) -> _Body | str:
    """The typed fields of a template ``sendsms`` (or, with ``multi``, ``sendmultisms2``) body,
    or why it does not parse."""
    if data is NOT_JSON:
        return "the body is not JSON in UTF-8"
    if not isinstance(data, dict):
        return "the body is not a JSON object"
    tel = data.get("tel")
    if multi:
        if not isinstance(tel, list) or not tel:
            return "tel must be a non-empty array"
        tels = tuple(_read_tel(t) for t in tel)
        if any(t is None for t in tels):
            return "each tel must be an object with string nationcode and mobile"
    else:
        if not isinstance(tel, dict):
            return "tel must be an object"
        if _read_tel(tel) is None:
            return "tel.nationcode and tel.mobile must be strings"
        tels = (_read_tel(tel),)
    if not _is_int(data.get("tpl_id")):
        return "tpl_id must be an integer"
    params = data.get("params")
    if not isinstance(params, list) or not all(_is_text(p) for p in params):
        return "params must be a list of strings"
    if not _is_int(data.get("time")):
        return "time must be an integer"
    for name in ("sign", "ext", "extend"):
        if name in data and not _is_text(data[name]):
            return f"{name} must be a string"
    if "sig" in data and data["sig"] is not None and not _is_text(data["sig"]):
        return "sig must be a string"
    return _Body(
        tels=tels,  # type: ignore[arg-type]  # no None left
        tpl_id=data["tpl_id"],
        params=list(params),
        sig=data.get("sig"),
        time=data["time"],
        sign=data.get("sign", ""),
        ext=data.get("ext", ""),
        extend=data.get("extend", ""),
    )


def valid_number(nationcode: str, mobile: str) -> bool:
    """Whether Tencent would take ``mobile`` in country ``nationcode`` (result 1016 if not)."""
    if not (_DIGITS.fullmatch(nationcode) and _DIGITS.fullmatch(mobile)):
        return False
    if nationcode == DOMESTIC_NATIONCODE:
        return len(mobile) == 11 and mobile.startswith("1")
    if len(nationcode) > 3 or len(mobile) > 17:
        return False
    try:
        number = phonenumbers.parse(f"+{nationcode}{mobile}")
    except phonenumbers.NumberParseException:
        return False
    return number.country_code == int(nationcode) and phonenumbers.is_valid_number(number)


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
    multi = endpoint == MULTI_ENDPOINT
    body = _read_body(data, multi=multi)
    if isinstance(body, str):
        return refusal(1004, body, ext)
    if not body.sig:
        return refusal(1003, ext=ext)
    if query.get("sdkappid") != account.sdk_app_id:
        return refusal(1019, ext=ext)
    if abs(body.time - now) > MAX_TIME_SKEW:
        return refusal(1021, ext=ext)
    expected = v5_signature(
        account.app_key, query.get("random", ""), body.time, mobiles=[m for _, m in body.tels]
    )
    if not hmac.compare_digest(str(body.sig).encode("utf-8"), expected.encode("ascii")):
        return refusal(1001, ext=ext)
    if multi:
        if len(body.tels) > MAX_MULTI_NUMBERS:
            return refusal(1046, f"{len(body.tels)} numbers, at most {MAX_MULTI_NUMBERS}", ext)
        if len({nationcode == DOMESTIC_NATIONCODE for nationcode, _ in body.tels}) > 1:
            return refusal(1034, ext=ext)
    elif not valid_number(*body.tels[0]):
        return refusal(1016, ext=ext)

    content = _content(body, templates, lenient, account)
    if isinstance(content, Verdict):
        return dataclasses.replace(content, ext=ext)
    sign, text = content

    def accept(nationcode: str, mobile: str) -> SandboxMessage:
        frequency.record((nationcode, mobile), now)
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

    if not multi:
        code = frequency.refusal(body.tels[0], now, limits)
        if code is not None:
            return refusal(code, ext=ext)
        return Verdict(0, "OK", ext, accept(*body.tels[0]))

    detail = []
    for nationcode, mobile in body.tels:
        code = 1016 if not valid_number(nationcode, mobile) else None
        if code is None:
            code = frequency.refusal((nationcode, mobile), now, limits)
        if code is not None:
            detail.append(Detail(nationcode, mobile, code, lookup(code).meaning))
        else:
            detail.append(Detail(nationcode, mobile, 0, "OK", accept(nationcode, mobile)))
    return Verdict(0, "OK", ext, detail=tuple(detail))


def _content(
    body: _Body, templates: Mapping[int, str], lenient: bool, account: Account
) -> tuple[str, str] | Verdict:
    """``(sign, text)`` of the message the body asks for, or the refusal (1014, 1036, 1017)."""
    template = templates.get(body.tpl_id)
    if template is None:
        if not lenient:
            return Verdict(1014, _UNKNOWN_TEMPLATE)
        content = f"template {body.tpl_id}" + (": " + ", ".join(body.params) if body.params else "")
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
