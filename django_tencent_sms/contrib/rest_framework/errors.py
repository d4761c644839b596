"""The errors of the DRF endpoints, and the handler that answers every error in one shape.

``{"detail": "...", "code": "cooldown", "field": "phone", "retry_after": 42}``: DRF's
``detail``, the stable ``code`` of its ``ErrorDetail``, and the fields a client acts on when
they apply. A serializer's errors come out the same way (the first one, with its ``field``). A
429 always carries ``Retry-After`` and ``retry_after``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from django_tencent_sms.otp.conf import otp_settings

__all__ = ["CodeFlowError", "CsrfFailed", "RequestTooLarge", "error_handler"]


class CodeFlowError(exceptions.APIException):
    """A refusal of the code flow: its stable ``code``, a translated ``detail``, and
    ``field``, ``retry_after``, ``attempts_left`` when they apply."""

    def __init__(
        self,
        detail: Any,
        code: str,
        *,
        status_code: int = 400,
        field: str | None = None,
        retry_after: int | None = None,
        attempts_left: int | None = None,
    ) -> None:
        super().__init__(str(detail), code)
        self.status_code = status_code
        self.extra = {"field": field, "retry_after": retry_after, "attempts_left": attempts_left}


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class CsrfFailed(exceptions.PermissionDenied):
    default_code = "csrf_failed"


def first_error(data: Any, field: str | None = None) -> tuple[Any, str | None]:
    """The first ``ErrorDetail`` in DRF's error ``data``, and the field it is about."""
    if isinstance(data, dict):
        for key, value in data.items():
            inner = None if key in ("detail", api_settings.NON_FIELD_ERRORS_KEY) else key
            return first_error(value, field if inner is None else inner)
        return "", field
    if isinstance(data, list):
        return first_error(data[0], field) if data else ("", field)
    return data, field


def error_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``exception_handler``, with the answer reshaped as the module docstring says."""
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's handling (a 500) applies
    message, field = first_error(response.data)
    body: dict[str, Any] = {
        "detail": str(message),
        "code": getattr(message, "code", None) or "error",
    }
    extra = getattr(exc, "extra", None) or {}
    if field is not None:
        body["field"] = field
    body.update({key: value for key, value in extra.items() if value is not None})
    if response.status_code == 429:
        wait = body.get("retry_after") or response.get("Retry-After")
        wait = max(1, int(wait or otp_settings()["RESEND_INTERVAL"] or 60))
        body["retry_after"] = wait
        response["Retry-After"] = str(wait)
    response.data = body
    return response
