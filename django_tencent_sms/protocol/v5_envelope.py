"""What every legacy ``/v5`` endpoint shares: the signed POST, and the ``result`` of the answer.

A request is a JSON body posted to ``<api_url>/<endpoint>?sdkappid=…&random=…``, its ``sig``
and ``time`` in the body (reference §1, §2); an answer is a JSON object whose integer
``result`` is 0 when Tencent accepted the request, with the text of a refusal in ``errmsg`` (or
``msg``, as some endpoints name it). Pure: the time and the random value are parameters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django_tencent_sms.exceptions import HTTPStatusError, InvalidResponse, TencentSmsError
from django_tencent_sms.protocol.signing import v5_signature

__all__ = [
    "HttpRequest",
    "errmsg_of",
    "post",
    "read_result",
    "read_success",
    "signed_request",
]


@dataclass(frozen=True)
class HttpRequest:
    url: str
    body: bytes

    def __repr__(self) -> str:
        # The body holds the parameters (maybe a verification code) and the signature.
        return f"<HttpRequest POST {self.url} ({len(self.body)} bytes)>"


def post(
    api_url: str,
    endpoint: str,
    body: dict[str, Any],
    *,
    sdk_app_id: str,
    random: str,
    ensure_ascii: bool = True,
) -> HttpRequest:
    """``body`` as JSON, posted to ``endpoint`` under ``api_url`` with the account's query."""
    url = f"{api_url}/{endpoint}?sdkappid={sdk_app_id}&random={random}"
    return HttpRequest(url, json.dumps(body, ensure_ascii=ensure_ascii).encode("utf-8"))


def signed_request(
    endpoint: str,
    fields: dict[str, Any],
    *,
    api_url: str,
    sdk_app_id: str,
    app_key: str,
    random: str,
    now: int,
) -> HttpRequest:
    """The request of an endpoint whose ``sig`` covers no number: ``fields``, then ``sig`` and
    ``time``."""
    body = {**fields, "sig": v5_signature(app_key, random, now), "time": int(now)}
    return post(api_url, endpoint, body, sdk_app_id=sdk_app_id, random=random)


def read_result(
    status: int, content: bytes, *, api: str = "The SMS API"
) -> tuple[dict[str, Any], str]:
    """The JSON object of a 200 answer that has an integer ``result``, and the body as text.

    Raises ``HTTPStatusError`` for any other status and ``InvalidResponse`` (its text naming
    ``api``) for a body that is not such an object; what ``result`` says is the caller's to read.
    """
    text = content.decode("utf-8", errors="replace")
    if status != 200:
        raise HTTPStatusError(status, text)
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidResponse(f"{api} answered with a body that is not JSON", text) from None
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, int) or isinstance(result, bool):
        raise InvalidResponse(f"{api}'s answer has no integer 'result'", text)
    return data, text


def errmsg_of(data: dict[str, Any]) -> str:
    """The text of an answer or of one of its items: ``errmsg``, else ``msg``, else ``""``."""
    return str(data.get("errmsg", data.get("msg", "")) or "")


def read_success(
    status: int, content: bytes, *, message: Sequence[str] = ("errmsg", "msg")
) -> tuple[dict[str, Any], str]:
    """As :func:`read_result`, but ``result != 0`` raises its ``TencentSmsError``, whose text is
    the first of the ``message`` fields the answer has (``""`` when that one is not a string)."""
    data, text = read_result(status, content)
    result = data["result"]
    if result != 0:
        name = next((name for name in message if name in data), None)
        value = data[name] if name is not None else ""
        raise TencentSmsError.for_result(result, value if isinstance(value, str) else "")
    return data, text
