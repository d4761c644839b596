"""The views Tencent pushes to: delivery reports (status callback) and replies (MO).

Tencent does not sign its callbacks, so a request is believed only when its URL carries the
secret ``TENCENT_SMS["CALLBACK_TOKEN"]`` (compared in constant time) and, when
``CALLBACK_ALLOWED_IPS`` is set, it comes from one of those networks. A body is checked whole
before anything is written: one malformed item gets the batch a 400 and changes nothing.
Mounted by ``include("django_tencent_sms.reports.urls")``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.module_loading import import_string
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.protocol.callbacks import load_json, parse_replies, parse_status_reports
from django_tencent_sms.protocol.reports import MalformedReport
from django_tencent_sms.reporting import hide_secrets_in_reports
from django_tencent_sms.reports.apply import apply_delivery_reports, store_replies

__all__ = [
    "MAX_BODY",
    "CallbackToken",
    "CallbackView",
    "DeliveryReportView",
    "ReplyView",
    "TokenConverter",
    "callback_client_ip",
    "parse_networks",
]

logger = logging.getLogger("django_tencent_sms")

#: Bytes a callback body may have (some four thousand reports).
MAX_BODY = 1 << 20
#: Tencent's expected answer (reference §5.4).
OK = {"result": 0, "errmsg": "OK"}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: What error reports show in place of the token.
HIDDEN = "********"


class CallbackToken(str):
    """The token from a callback's URL: a ``str`` that ``repr()`` never shows, so that error
    reports (which show the resolver's and the handler's locals) do not."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(HIDDEN)


class TokenConverter:
    """The ``<token>`` of the callback URLs, as a :class:`CallbackToken`."""

    regex = "[^/]+"

    def to_python(self, value: str) -> CallbackToken:
        return CallbackToken(value)

    def to_url(self, value: str) -> str:
        return str(value)


def hide_token(request: HttpRequest, token: str) -> None:
    """Take ``token`` out of the path ``request`` reports: Django's "Internal Server Error"
    line, the 500 page and the e-mail to ADMINS show the path, its ``META`` and its ``repr``."""
    if not token:
        return
    segment, hidden = f"/{token}/", f"/{HIDDEN}/"
    request.path = request.path.replace(segment, hidden)
    request.path_info = request.path_info.replace(segment, hidden)
    for key, value in request.META.items():
        if isinstance(value, str) and segment in value:
            request.META[key] = value.replace(segment, hidden)


def parse_networks(value: Any) -> tuple[Network, ...] | None:
    """``CALLBACK_ALLOWED_IPS`` as networks (``None`` for no restriction); ``ValueError`` names
    the first entry that is not an address or a network."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValueError("must be a list of networks such as '203.0.113.0/24', or None")
    networks = []
    for entry in value:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return tuple(networks)


def callback_client_ip(request: HttpRequest) -> str | None:
    """The address a callback came from: ``CALLBACK_CLIENT_IP``'s function, else
    ``OTP["CLIENT_IP"]``'s (one resolver for a site behind a proxy), else ``REMOTE_ADDR``."""
    resolver = sms_settings.CALLBACK_CLIENT_IP
    if not resolver:
        otp = sms_settings.OTP
        resolver = otp.get("CLIENT_IP") if isinstance(otp, dict) else None
    if resolver:
        func = import_string(resolver) if isinstance(resolver, str) else resolver
        return func(request) or None
    return request.META.get("REMOTE_ADDR") or None


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:203.0.113.5 from a dual-stack socket
    return address


def _answer(data: dict[str, Any], status: int, reason: str = "") -> HttpResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    if status >= 400:
        # Logged here, without the path: it holds the token. Django's own "Bad Request: <path>"
        # line is skipped by marking the response as logged.
        logger.warning("Tencent SMS callback refused (%s): %s", status, reason)
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _refusal(status: int, errmsg: str, reason: str = "") -> HttpResponse:
    return _answer({"result": status, "errmsg": errmsg}, status, reason or errmsg)


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")  # Tencent never signs in
class CallbackView(View):
    """What both callbacks share: POST only, the token, the allow-list, a bounded body. Open
    to anonymous requests even under ``LoginRequiredMiddleware``."""

    http_method_names = ["post"]
    #: Bytes a body may have.
    max_body = MAX_BODY

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        hide_token(request, str(kwargs.get("token") or ""))
        hide_secrets_in_reports(request)
        super().setup(request, *args, **kwargs)

    @method_decorator(sensitive_variables("token", "expected"))
    def post(self, request: HttpRequest, token: str = "") -> HttpResponse:
        expected = sms_settings.CALLBACK_TOKEN
        if not isinstance(expected, str) or not expected:
            return _refusal(403, "Forbidden", "TENCENT_SMS['CALLBACK_TOKEN'] is not set")
        if not hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
            return _refusal(403, "Forbidden", "wrong or missing token")
        try:
            networks = parse_networks(sms_settings.CALLBACK_ALLOWED_IPS)
        except ValueError as exc:
            raise ConfigurationError(f"TENCENT_SMS['CALLBACK_ALLOWED_IPS'] {exc}.") from None
        if networks is not None:
            client = callback_client_ip(request)
            address = _address(client)
            if address is None or not any(address in network for network in networks):
                return _refusal(403, "Forbidden", f"{client!r} is not in CALLBACK_ALLOWED_IPS")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refusal(400, "Bad Content-Length")
        if length > self.max_body:
            return _refusal(413, "Request body too large")
        body = request.read(self.max_body + 1)
        if len(body) > self.max_body:
            return _refusal(413, "Request body too large")
        try:
            self.accept(load_json(body))
        except MalformedReport as exc:
            return _refusal(400, f"Malformed: {exc}")
        except Exception:
            # Django would log "Internal Server Error: <path>", token included.
            logger.exception("Tencent SMS callback failed; nothing of the batch was applied")
            return _refusal(500, "Internal Server Error", "an error, logged above")
        return _answer(OK, 200)

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # Django's own answer logs the path, token included.
        response = _refusal(405, "Method Not Allowed", f"{request.method} instead of POST")
        response["Allow"] = "POST"
        return response

    def accept(self, data: Any) -> None:
        """Check the parsed body whole, then apply it; :class:`MalformedReport` if it is bad."""
        raise NotImplementedError


class DeliveryReportView(CallbackView):
    """Tencent's status callback: a JSON array of delivery reports (reference §5.1, §8.6).

    Every report is applied by ``reports.apply_delivery_reports`` (replays change nothing; a
    report for a ``sid`` no log has is counted and logged, and the batch still succeeds).
    """

    def accept(self, data: Any) -> None:
        apply_delivery_reports(parse_status_reports(data))


class ReplyView(CallbackView):
    """Tencent's reply callback (MO): one JSON object, or an array of them (reference §5.2).
    Each reply is stored once as an ``SmsReply`` by ``reports.store_replies``."""

    def accept(self, data: Any) -> None:
        store_replies(parse_replies(data))
