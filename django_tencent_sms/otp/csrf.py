"""CSRF for the JSON endpoints: Django's own check, but a failure answered in JSON.

``json_csrf_protect(view)`` runs ``CsrfViewMiddleware`` around ``view`` as ``csrf_protect``
does (the same token, cookie, ``Origin`` and ``Referer`` rules, and the same
``django.security.csrf`` log line), and marks the result ``csrf_exempt`` so that the site's
middleware leaves the check to it. When the check fails, the client gets
``{"ok": false, "error": {"code": "csrf_failed", "message": ...}}`` with 403, not the HTML page
of ``CSRF_FAILURE_VIEW``; that setting still answers for every other view of the site.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponseBase, HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import decorator_from_middleware
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

__all__ = ["CSRF_FAILED_MESSAGE", "JsonCsrfMiddleware", "json_csrf_protect"]

CSRF_FAILED_MESSAGE = _(
    "CSRF verification failed. Send the token from the csrf endpoint in the X-CSRFToken "
    "header, with its cookie."
)


class JsonCsrfMiddleware(CsrfViewMiddleware):
    """``CsrfViewMiddleware`` whose refusal is a JSON error."""

    def process_view(
        self,
        request: HttpRequest,
        callback: Callable[..., HttpResponseBase],
        callback_args: tuple[Any, ...],
        callback_kwargs: dict[str, Any],
    ) -> HttpResponseForbidden | None:
        refused = super().process_view(request, callback, callback_args, callback_kwargs)
        if refused is None:
            return None
        error = {"code": "csrf_failed", "message": str(CSRF_FAILED_MESSAGE)}
        body = json.dumps({"ok": False, "error": error}, cls=DjangoJSONEncoder)
        return HttpResponseForbidden(body, content_type="application/json")


def json_csrf_protect(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view`` behind the CSRF check of ``JsonCsrfMiddleware``."""
    return csrf_exempt(decorator_from_middleware(JsonCsrfMiddleware)(view))
