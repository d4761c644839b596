"""OpenAPI annotations for drf-spectacular, applied only when it is installed.

``request_code_schema`` and ``verify_code_schema`` decorate the views' ``post``: with
drf-spectacular they are its ``extend_schema`` (request body, success body, every error answer);
without it they return the method unchanged, and drf-spectacular is never imported.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.util import find_spec
from typing import Any

from django_tencent_sms.contrib.rest_framework.serializers import (
    CodeSentSerializer,
    ErrorSerializer,
    RequestCodeSerializer,
    VerifiedSerializer,
    VerifyCodeSerializer,
)

__all__ = ["request_code_schema", "verify_code_schema"]

COMMON_ERRORS = {
    400: "Invalid input (invalid_phone, required, max_length, invalid_purpose, ...).",
    403: "csrf_failed: with session authentication, the CSRF token is missing or wrong.",
    413: "too_large: the body is larger than the endpoint reads.",
    415: "unsupported_media_type: send application/json.",
}


def documented(
    request: type, success: type, description: str, errors: dict[int, str]
) -> Callable[[Any], Any]:
    def decorate(method: Any) -> Any:
        if find_spec("drf_spectacular") is None:
            return method
        from drf_spectacular.utils import OpenApiResponse, extend_schema

        responses: dict[int, Any] = {200: success}
        for status, text in {**COMMON_ERRORS, **errors}.items():
            responses[status] = OpenApiResponse(response=ErrorSerializer, description=text)
        return extend_schema(
            request=request,
            responses=responses,
            description=description,
            tags=["verification codes"],
        )(method)

    return decorate


request_code_schema = documented(
    RequestCodeSerializer,
    CodeSentSerializer,
    "Send a verification code by SMS to the number.",
    {
        429: "cooldown, phone_hourly_limit, phone_daily_limit, ip_hourly_limit, ip_daily_limit, "
        "daily_limit, too_many_refusals, rate_limited (Tencent's limit): wait retry_after "
        "seconds (also the Retry-After header).",
        502: "send_failed (nothing was sent) or send_unknown (the SMS may arrive; its code "
        "works): Tencent failed or did not answer.",
    },
)

verify_code_schema = documented(
    VerifyCodeSerializer,
    VerifiedSerializer,
    "Check the code; for login, sign in (the answer is the site's: a session or tokens).",
    {
        400: "Invalid input, or the code was refused: wrong (with attempts_left), expired, "
        "used, too_many_attempts, none_issued, no_account, inactive.",
    },
)
