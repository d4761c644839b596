"""Who may use the control and inbox pages: requests for a loopback host, not sent cross-site.

A web page the developer happens to open can make the browser send requests to the emulator on
``127.0.0.1``: straight (a cross-site form post) or, after DNS rebinding, as the page's own
origin under a host name of the attacker's. The control API resets state, injects faults and
shows every message with its verification code, so it answers only requests whose ``Host`` is
a loopback name or address (or the address the emulator was explicitly bound to) and whose
``Origin`` and ``Sec-Fetch-Site``, when a browser sends them, say the same loopback origin.
The Tencent API endpoints are not guarded: SDKs send Tencent's own host name.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django_tencent_sms.sandbox.inbox import INBOX_PATH
from django_tencent_sms.sandbox.server import HttpRequest, Reply, text_reply

__all__ = ["WILDCARD_HOSTS", "control_refusal", "is_local_host"]

#: Addresses that bind every interface: no name of the machine is implied by them.
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})  # noqa: S104 - recognised, not bound


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_local_host(host: str, bound: str) -> bool:
    """Whether ``host`` (no port) names this machine's loopback (``localhost``, 127.0.0.0/8,
    ``::1``) or ``bound``, the address the emulator listens on, unless that is a wildcard."""
    name = host.strip().lower().rstrip(".")
    if not name:
        return False
    if name == "localhost":
        return True
    address = _address(name)
    if address is not None and address.is_loopback:
        return True
    target = bound.strip().lower().rstrip(".")
    if target in WILDCARD_HOSTS:
        return False
    target_address = _address(target)
    if address is not None and target_address is not None:
        return address == target_address
    return name == target


def _split_host(value: str) -> tuple[str, int | None] | None:
    """``host[:port]`` of a ``Host`` header (IPv6 in brackets), or None when malformed."""
    try:
        split = urlsplit(f"//{value.strip()}")
        return split.hostname or "", split.port
    except ValueError:
        return None


def _header(request: HttpRequest, name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in request.headers.items() if k.lower() == wanted), None)


def control_refusal(request: HttpRequest, *, bound: str, port: int) -> Reply | None:
    """A 403 for a control or inbox request that does not come from this machine's own
    origin (see the module docstring), else None. ``bound``/``port``: where the emulator
    listens."""
    host = _header(request, "Host")
    parsed = _split_host(host) if host is not None else None
    if parsed is None or not is_local_host(parsed[0], bound):
        return _forbidden(
            f"Host {host!r} is not a loopback name or address (localhost, 127.0.0.1, [::1]"
            + ("" if bound.strip().lower() in WILDCARD_HOSTS else f", {bound}")
            + "). The emulator's control and inbox pages answer only on this machine's own "
            "address, against DNS rebinding; open them at http://127.0.0.1:"
            f"{port}/_sandbox/inbox."
        )
    site = (_header(request, "Sec-Fetch-Site") or "").strip().lower()
    if site == "cross-site" and not _opens_the_inbox(request):
        return _forbidden("A cross-site request (Sec-Fetch-Site: cross-site) is refused.")
    origin = _header(request, "Origin")
    if origin is not None and not _same_origin(origin, bound, port):
        return _forbidden(
            f"A request from the origin {origin!r} is refused: only pages of the emulator "
            f"itself (http://127.0.0.1:{port}) may use its control and inbox pages."
        )
    return None


def _opens_the_inbox(request: HttpRequest) -> bool:
    """A click on a link to the inbox page (a top-level GET navigation): the page is shown to
    the person who clicked, not to the site that linked it, so it may come from another site
    (the example project on ``localhost`` links to the inbox on ``127.0.0.1``)."""
    return (
        request.method == "GET"
        and request.path.rstrip("/") == INBOX_PATH
        and (_header(request, "Sec-Fetch-Mode") or "").strip().lower() == "navigate"
        and (_header(request, "Sec-Fetch-Dest") or "").strip().lower() == "document"
    )


def _same_origin(origin: str, bound: str, port: int) -> bool:
    try:
        split = urlsplit(origin.strip())
        origin_port = split.port or (80 if split.scheme == "http" else None)
    except ValueError:
        return False
    return (
        split.scheme == "http"
        and split.hostname is not None
        and is_local_host(split.hostname, bound)
        and origin_port == port
    )


def _forbidden(text: str) -> Reply:
    return text_reply(403, f"Forbidden: {text}\n")
