"""What every API 3.0 action shares: the endpoint, the signed request, the answer's envelope.

An action is a JSON body posted to ``/`` with ``X-TC-*`` headers and a TC3-HMAC-SHA256
``Authorization`` (reference §8.1, §8.4); every answer is ``{"Response": {…, "RequestId"}}``,
with ``Response.Error`` when the request as a whole was refused. Pure: the time is a
parameter. (TC3-HMAC-SHA256 has no nonce: the timestamp and the body are all that vary between
two requests.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django_tencent_sms.exceptions import HTTPStatusError, InvalidResponse, TencentSmsError
from django_tencent_sms.protocol.signing import tc3_authorization

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_ENDPOINT",
    "SERVICE",
    "VERSION",
    "Answer",
    "Endpoint",
    "SignedRequest",
    "build_action_request",
    "parse_endpoint",
    "read_answer",
    "sign_action",
    "string",
]

SERVICE = "sms"
VERSION = "2021-01-11"
DEFAULT_ENDPOINT = "sms.tencentcloudapi.com"
CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Endpoint:
    """Where requests go: ``url`` to post to, ``host`` the ``Host`` header that is signed."""

    url: str
    host: str

    @property
    def is_https(self) -> bool:
        return self.url.startswith("https://")

    @property
    def hostname(self) -> str:
        """The host without port or IPv6 brackets."""
        return urlsplit(self.url).hostname or ""


def parse_endpoint(value: str) -> Endpoint:
    """The ``ENDPOINT`` setting as an :class:`Endpoint`; ``ValueError`` when it is unusable.

    A bare host name (``sms.tencentcloudapi.com``, ``sms.ap-guangzhou.tencentcloudapi.com``,
    optionally with ``:port``) means HTTPS, as in Tencent's SDKs; a URL with a scheme
    (``http://127.0.0.1:8765`` for the local emulator) is taken as it is. API 3.0 has one path,
    ``/``: a URL with any other path, a query, a fragment or credentials is refused.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("the endpoint is empty")
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"the endpoint's scheme must be http or https, not {parts.scheme!r}")
    port = parts.port  # ValueError for a malformed port
    if not parts.hostname:
        raise ValueError("the endpoint has no host name")
    if parts.username is not None or parts.password is not None:
        raise ValueError("the endpoint must not carry credentials")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("API 3.0 is served at '/': the endpoint must have no path or query")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default_port = 443 if parts.scheme == "https" else 80
    if port is not None and port != default_port:
        host = f"{host}:{port}"
    return Endpoint(f"{parts.scheme}://{host}/", host)


@dataclass(frozen=True)
class SignedRequest:
    url: str
    headers: dict[str, str]
    body: bytes

    def __repr__(self) -> str:
        # The body holds the parameters (maybe a verification code); the headers the signature.
        return f"<SignedRequest POST {self.url} ({len(self.body)} bytes)>"


def build_action_request(
    action: str,
    data: dict[str, Any],
    *,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
    service: str = SERVICE,
    version: str = VERSION,
) -> SignedRequest:
    """A request for the SMS ``action`` (``SendSms``, ``PullSmsSendStatus``…) with the JSON body
    ``data``, signed with TC3-HMAC-SHA256 at Unix time ``now``. Another product's action (voice
    messages: ``service="vms"``) names its own ``service`` and ``version``."""
    return sign_action(
        action,
        data,
        secret_id=secret_id,
        secret_key=secret_key,
        endpoint=endpoint,
        now=now,
        service=service,
        version=version,
        region=region,
    )


def sign_action(
    action: str,
    data: dict[str, Any],
    *,
    secret_id: str,
    secret_key: str,
    endpoint: Endpoint,
    now: int,
    service: str,
    version: str,
    region: str | None,
) -> SignedRequest:
    """As :func:`build_action_request`, for any product; ``region=None`` sends no
    ``X-TC-Region`` (a product without regions, such as ``captcha``)."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Host": endpoint.host,
        "X-TC-Action": action,
        "X-TC-Version": version,
        "X-TC-Timestamp": str(int(now)),
    }
    if region is not None:
        headers["X-TC-Region"] = region
    headers["Authorization"] = tc3_authorization(
        secret_id,
        secret_key,
        timestamp=int(now),
        service=service,
        host=endpoint.host,
        payload=body,
        content_type=CONTENT_TYPE,
    )
    return SignedRequest(endpoint.url, headers, body)


def string(value: object) -> str:
    """``value`` when it is a string, else ``""``: how optional text fields of an answer read."""
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Answer:
    """A 200 answer's ``Response`` object, its ``RequestId``, and the body as text (for the
    messages of what goes wrong further in)."""

    response: dict[str, Any]
    request_id: str
    text: str


def read_answer(status: int, content: bytes) -> Answer:
    """The envelope of an answer to any action; raises for the request as a whole.

    An HTTP status other than 200 raises ``HTTPStatusError``; a body that is not JSON with a
    ``Response`` object, ``InvalidResponse``; a ``Response.Error``, the ``TencentSmsError`` of
    its ``Code`` (with the ``RequestId``).
    """
    text = content.decode("utf-8", errors="replace")
    if status != 200:
        raise HTTPStatusError(status, text)
    try:
        data: Any = json.loads(text)
    except ValueError:
        raise InvalidResponse("The SMS API answered with a body that is not JSON", text) from None
    response = data.get("Response") if isinstance(data, dict) else None
    if not isinstance(response, dict):
        raise InvalidResponse("The SMS API's answer has no 'Response' object", text)
    request_id = string(response.get("RequestId"))
    error = response.get("Error")
    if error is not None:
        code = string(error.get("Code")) if isinstance(error, dict) else ""
        if not code:
            raise InvalidResponse("The SMS API's 'Error' has no 'Code'", text)
        raise TencentSmsError.for_cloud_code(
            code, string(error.get("Message")), request_id=request_id
        )
    return Answer(response, request_id, text)
