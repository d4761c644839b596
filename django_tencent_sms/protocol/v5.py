"""The legacy ``/v5/tlssmssvr`` protocol: build a signed ``sendsms`` request, parse the answer.

Pure: the time and the random value are parameters, so the output is a function of the input.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from ..exceptions import HTTPStatusError, InvalidResponse, TencentSmsError
from ..message import SendResult, SmsMessage
from ..signing import v5_signature

__all__ = ["HttpRequest", "build_sendsms", "new_random", "parse_sendsms_response"]


@dataclass(frozen=True)
class HttpRequest:
    url: str
    body: bytes

    def __repr__(self) -> str:
        # The body holds the parameters (maybe a verification code) and the signature.
        return f"<HttpRequest POST {self.url} ({len(self.body)} bytes)>"


def new_random() -> str:
    """A fresh 10-digit ``random`` from a cryptographic source (the docs' examples use 10)."""
    return str(secrets.randbelow(9_000_000_000) + 1_000_000_000)


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
    url = f"{api_url}/sendsms?sdkappid={sdk_app_id}&random={random}"
    return HttpRequest(url, json.dumps(body, ensure_ascii=False).encode("utf-8"))


def parse_sendsms_response(status: int, content: bytes) -> SendResult:
    """Turn Tencent's answer into a ``SendResult``, or raise the matching ``SmsError``."""
    text = content.decode("utf-8", errors="replace")
    if status != 200:
        raise HTTPStatusError(status, text)
    try:
        data: Any = json.loads(text)
    except ValueError:
        raise InvalidResponse("The SMS API answered with a body that is not JSON", text) from None
    if not isinstance(data, dict) or not isinstance(data.get("result"), int):
        raise InvalidResponse("The SMS API's answer has no integer 'result'", text)
    result = data["result"]
    # Some legacy endpoints name the message "msg" instead of "errmsg".
    errmsg = str(data.get("errmsg", data.get("msg", "")) or "")
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
