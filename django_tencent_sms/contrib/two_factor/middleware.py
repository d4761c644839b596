"""``GatewayRequestMiddleware``: makes the request being answered known to the gateway.

two_factor calls a gateway with only the device and the token, so without this the gateway
has no request: it could not count the client's IP against the per-IP caps, nor put a refusal
on the page as a message. The request is held in a context variable for the length of the
response, and forgotten after it (also when the view raised).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

__all__ = ["GatewayRequestMiddleware", "current_request"]

_request: ContextVar[HttpRequest | None] = ContextVar(
    "tencent_sms_two_factor_request", default=None
)


def current_request() -> HttpRequest | None:
    """The request this thread (or task) is answering, when the middleware runs; else None."""
    return _request.get()


class GatewayRequestMiddleware:
    """Put it after ``SessionMiddleware`` and ``MessageMiddleware`` in ``MIDDLEWARE``."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
