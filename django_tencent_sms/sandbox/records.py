"""The records the sandbox keeps: each request it received, each message it accepted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ReceivedRequest", "SandboxMessage"]


@dataclass
class ReceivedRequest:
    """One HTTP request on an SMS endpoint (``/v5/tlssmssvr/…``, or API 3.0's ``/``), accepted
    or not."""

    #: The action after ``/v5/tlssmssvr/``, e.g. ``"sendsms"``.
    endpoint: str
    #: Query-string parameters, first value of each name.
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    #: The parsed body, or ``None`` when it is not JSON.
    json: Any
    #: The sandbox clock when the request arrived.
    received_at: float
    #: The ``result`` code answered, or ``None`` when no JSON result was sent (some faults).
    result: int | None = None
    #: The fault kind applied to this request, if any.
    fault: str | None = None
    #: Serial number of the TCP connection the request came on (1 for the first connection).
    connection: int = 0
    method: str = "POST"
    #: API 3.0 (``endpoint`` is then the ``X-TC-Action``, e.g. ``"SendSms"``): the error code
    #: answered, or ``"Ok"``; ``result`` is then its legacy equivalent. ``None`` for the legacy API.
    code: str | None = None

    def as_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict; the body is decoded as UTF-8 text."""
        return {
            "endpoint": self.endpoint,
            "method": self.method,
            "query": dict(self.query),
            "headers": dict(self.headers),
            "body": self.body.decode("utf-8", errors="replace"),
            "json": self.json,
            "received_at": self.received_at,
            "result": self.result,
            "fault": self.fault,
            "connection": self.connection,
            "code": self.code,
        }


@dataclass(frozen=True)
class SandboxMessage:
    """One accepted send, as the recipient would see it."""

    sid: str
    nationcode: str
    mobile: str
    tpl_id: int
    params: list[str] = field(default_factory=list)
    #: The signature used: the request's ``sign``, or the sandbox's default when it was empty.
    sign: str = ""
    #: ``"【sign】"`` followed by the template text with ``{n}`` replaced by the parameters.
    text: str = ""
    #: Billed parts.
    fee: int = 1
    ext: str = ""
    extend: str = ""
    #: The request's ``time`` field.
    time: int = 0
    #: The sandbox clock when the request arrived.
    received_at: float = 0.0
    #: ``"sms"``, or ``"voice"`` for a voice-code call (``text`` then says what was read out).
    channel: str = "sms"

    def as_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return {
            "sid": self.sid,
            "nationcode": self.nationcode,
            "mobile": self.mobile,
            "tpl_id": self.tpl_id,
            "params": list(self.params),
            "sign": self.sign,
            "text": self.text,
            "fee": self.fee,
            "ext": self.ext,
            "extend": self.extend,
            "time": self.time,
            "received_at": self.received_at,
            "channel": self.channel,
        }
