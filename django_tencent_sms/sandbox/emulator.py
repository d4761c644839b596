"""The checks Tencent's ``sendsms`` makes, as a function of the request and the sandbox's state.

No I/O: the HTTP server hands in the query and the parsed body and sends back the verdict.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from ..billing import DOMESTIC_NATIONCODE, sms_fee
from ..codes import lookup
from ..signing import v5_signature
from .limits import FrequencyCounter, FrequencyLimits
from .records import SandboxMessage
from .templates import placeholder_count, render

__all__ = [
    "MAX_CONTENT_LENGTH",
    "MAX_PARAM_LENGTH",
    "MAX_TIME_SKEW",
    "NOT_JSON",
    "Account",
    "Verdict",
    "evaluate",
    "new_sid",
    "parse_json",
    "valid_number",
]

SEND_ENDPOINT = "sendsms"
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
class Verdict:
    """The answer to one request."""

    result: int
    errmsg: str
    ext: str = ""
    message: SandboxMessage | None = None

    def payload(self) -> dict[str, Any]:
        """The JSON object Tencent would answer."""
        data: dict[str, Any] = {"result": self.result, "errmsg": self.errmsg, "ext": self.ext}
        if self.message is not None:
            data["fee"] = self.message.fee
            data["sid"] = self.message.sid
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
    nationcode: str
    mobile: str
    tpl_id: int
    params: list[str]
    sig: object
    time: int
    sign: str
    ext: str
    extend: str


def _read_body(data: object) -> _Body | str:
    """The typed fields of a template ``sendsms`` body, or why it does not parse."""
    if data is NOT_JSON:
        return "the body is not JSON in UTF-8"
    if not isinstance(data, dict):
        return "the body is not a JSON object"
    tel = data.get("tel")
    if not isinstance(tel, dict):
        return "tel must be an object"
    if not _is_text(tel.get("nationcode")) or not _is_text(tel.get("mobile")):
        return "tel.nationcode and tel.mobile must be strings"
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
        nationcode=tel["nationcode"],
        mobile=tel["mobile"],
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
    """Run Tencent's checks in order; on success count the send and describe the message.

    ``data`` is the parsed body or :data:`NOT_JSON`; ``now`` is the sandbox clock.
    """
    ext = echo_ext(data)
    if endpoint != SEND_ENDPOINT:
        return refusal(1011, f"{endpoint!r} is not emulated; use sendsms", ext)
    body = _read_body(data)
    if isinstance(body, str):
        return refusal(1004, body, ext)
    if not body.sig:
        return refusal(1003, ext=ext)
    if query.get("sdkappid") != account.sdk_app_id:
        return refusal(1019, ext=ext)
    if abs(body.time - now) > MAX_TIME_SKEW:
        return refusal(1021, ext=ext)
    expected = v5_signature(
        account.app_key, query.get("random", ""), body.time, mobiles=[body.mobile]
    )
    if not hmac.compare_digest(str(body.sig).encode("utf-8"), expected.encode("ascii")):
        return refusal(1001, ext=ext)
    if not valid_number(body.nationcode, body.mobile):
        return refusal(1016, ext=ext)

    template = templates.get(body.tpl_id)
    if template is None:
        if not lenient:
            return Verdict(1014, _UNKNOWN_TEMPLATE, ext)
        content = f"template {body.tpl_id}" + (": " + ", ".join(body.params) if body.params else "")
    elif len(body.params) != placeholder_count(template):
        return Verdict(1014, _PARAMS_MISMATCH, ext)
    else:
        content = render(template, body.params)
    if any(len(p) > MAX_PARAM_LENGTH for p in body.params):
        return refusal(1036, ext=ext)
    sign = body.sign or account.default_sign
    text = f"【{sign}】{content}" if sign else content
    if len(text) > MAX_CONTENT_LENGTH:
        return refusal(1017, f"{len(text)} characters, at most {MAX_CONTENT_LENGTH}", ext)

    key = (body.nationcode, body.mobile)
    code = frequency.refusal(key, now, limits)
    if code is not None:
        return refusal(code, ext=ext)
    frequency.record(key, now)
    message = SandboxMessage(
        sid=make_sid(),
        nationcode=body.nationcode,
        mobile=body.mobile,
        tpl_id=body.tpl_id,
        params=body.params,
        sign=sign,
        text=text,
        fee=sms_fee(text, body.nationcode),
        ext=body.ext,
        extend=body.extend,
        time=body.time,
        received_at=received_at,
    )
    return Verdict(0, "OK", ext, message)
