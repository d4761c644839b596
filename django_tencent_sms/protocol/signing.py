"""Signature formulas of Tencent's SMS APIs.

Pure functions: every input, including the time and the random value, is passed in.

* ``v5_signature``: the legacy ``/v5/tlssmssvr`` ``sig`` (reference §2);
* ``tc3_*``: API 3.0's TC3-HMAC-SHA256 ``Authorization`` header (reference §8.4).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timezone

__all__ = [
    "TC3_ALGORITHM",
    "TC3_SIGNED_HEADERS",
    "tc3_authorization",
    "tc3_canonical_request",
    "tc3_credential_scope",
    "tc3_date",
    "tc3_signature",
    "tc3_signing_key",
    "tc3_string_to_sign",
    "v5_signature",
]


def v5_signature(
    app_key: str,
    random: str | int,
    time: int,
    *,
    mobiles: Sequence[str] = (),
    tel: str | None = None,
) -> str:
    """Return the ``sig`` of a legacy (``/v5/tlssmssvr``) request.

    The pre-image is ``appkey=…&random=…&time=…`` followed by

    * ``&mobile=m1,m2,…`` when ``mobiles`` is given (``sendsms`` takes one number,
      ``sendmultisms2`` all of them, comma-joined in the order of the ``tel`` array);
    * ``&tel=+8613…`` when ``tel`` is given (``sendisms``);
    * nothing for the status, template, sign and statistics endpoints.

    ``random`` must be the same string as the URL's ``random`` and ``time`` the body's ``time``.
    """
    if mobiles and tel is not None:
        raise ValueError("a v5 signature covers either mobiles or tel, not both")
    if isinstance(mobiles, str):
        raise TypeError("mobiles must be a sequence of numbers, not a single string")
    pre_image = f"appkey={app_key}&random={random}&time={int(time)}"
    if mobiles:
        pre_image += "&mobile=" + ",".join(mobiles)
    elif tel is not None:
        pre_image += "&tel=" + tel
    return hashlib.sha256(pre_image.encode("utf-8")).hexdigest()


# --- API 3.0: TC3-HMAC-SHA256 -------------------------------------------------------------

TC3_ALGORITHM = "TC3-HMAC-SHA256"
#: The headers covered by the signature, as Tencent's SDKs sign them.
TC3_SIGNED_HEADERS = "content-type;host"


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def tc3_date(timestamp: int) -> str:
    """The UTC date (``YYYY-MM-DD``) of the ``X-TC-Timestamp``, part of the credential scope."""
    return datetime.fromtimestamp(int(timestamp), tz=timezone.utc).strftime("%Y-%m-%d")


def tc3_credential_scope(timestamp: int, service: str) -> str:
    """``<date>/<service>/tc3_request``."""
    return f"{tc3_date(timestamp)}/{service}/tc3_request"


def tc3_canonical_request(
    *,
    host: str,
    payload: bytes,
    content_type: str = "application/json",
    method: str = "POST",
    uri: str = "/",
    query: str = "",
) -> str:
    """The canonical request: method, URI, query, the two signed headers, their names, and the
    SHA-256 of the payload (the exact bytes sent; for a GET, ``b""`` and the query string)."""
    headers = f"content-type:{content_type}\nhost:{host}\n"
    return "\n".join(
        [method.upper(), uri, query, headers, TC3_SIGNED_HEADERS, _sha256_hex(payload)]
    )


def tc3_string_to_sign(timestamp: int, service: str, canonical_request: str) -> str:
    """``TC3-HMAC-SHA256``, the timestamp, the credential scope and the canonical request's
    SHA-256, one per line."""
    return "\n".join(
        [
            TC3_ALGORITHM,
            str(int(timestamp)),
            tc3_credential_scope(timestamp, service),
            _sha256_hex(canonical_request.encode("utf-8")),
        ]
    )


def tc3_signing_key(secret_key: str, date: str, service: str) -> bytes:
    """The derived key: HMAC chain of ``"TC3" + SecretKey`` over the date, service and
    ``tc3_request``."""
    k_date = _hmac_sha256(("TC3" + secret_key).encode("utf-8"), date)
    k_service = _hmac_sha256(k_date, service)
    return _hmac_sha256(k_service, "tc3_request")


def tc3_signature(secret_key: str, timestamp: int, service: str, canonical_request: str) -> str:
    """The hex ``Signature`` of a canonical request signed at ``timestamp``."""
    key = tc3_signing_key(secret_key, tc3_date(timestamp), service)
    string_to_sign = tc3_string_to_sign(timestamp, service, canonical_request)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def tc3_authorization(
    secret_id: str,
    secret_key: str,
    *,
    timestamp: int,
    service: str,
    host: str,
    payload: bytes,
    content_type: str = "application/json",
    method: str = "POST",
    uri: str = "/",
    query: str = "",
) -> str:
    """The ``Authorization`` header of an API 3.0 request sent with ``X-TC-Timestamp:
    <timestamp>`` to ``host`` (the ``Host`` header's exact value)."""
    canonical = tc3_canonical_request(
        host=host, payload=payload, content_type=content_type, method=method, uri=uri, query=query
    )
    signature = tc3_signature(secret_key, timestamp, service, canonical)
    return (
        f"{TC3_ALGORITHM} Credential={secret_id}/{tc3_credential_scope(timestamp, service)}, "
        f"SignedHeaders={TC3_SIGNED_HEADERS}, Signature={signature}"
    )
