"""The JSON endpoints of a code flow, for single-page apps and mobile clients (HTML: ``otp.views``).

Requests are ``application/json`` bodies of at most ``max_body_size`` bytes, POST only::

    POST request-code {"phone": "13812345678", "purpose": "login", "channel": "sms"}
                                       purpose and channel ("sms" or "voice") are optional
      with OTP["CHALLENGE"]: also "ticket" and "randstr" (Tencent Captcha's answer)
      200 {"ok": true, "retry_after": 60, "expires_in": 300}
    POST verify-code {"phone": "13812345678", "code": "123456", "purpose": "login"}
      200 {"ok": true}                                  (login: the session is now signed in)

    errors: {"ok": false, "error": {"code": "cooldown", "message": "...", "field": "phone",
                                    "retry_after": 42}}
      400  invalid input: invalid_json, invalid_purpose, invalid_channel, voice_unavailable,
           voice_region, required, invalid, max_length,
           invalid_phone, region_not_allowed, phone_rejected; and the code checks: wrong (with
           "attempts_left"), expired, used, too_many_attempts, none_issued, no_account, inactive
      403  csrf_failed     413  too_large     415  unsupported_media_type
      405  method_not_allowed
      429  cooldown, phone_hourly_limit, phone_daily_limit, ip_hourly_limit, ip_daily_limit,
           daily_limit, rate_limited (Tencent's own limit) -- always with a Retry-After header
      403  challenge_required (the captcha is missing or failed: show it, send its answer)
      503  challenge_unavailable (the captcha could not be checked: nothing was sent)
      502  send_failed (nothing was sent), send_unknown (the SMS may arrive; its code works;
           "retry_after" says when to offer a new one)

The purpose a client may ask for is limited to the view's ``purposes`` allow-list.

CSRF stays on for every view here, the JSON ones included: the client first GETs ``csrf``
(``ensure_csrf_cookie``; the answer is ``{"csrfToken": "..."}`` and the ``csrftoken`` cookie),
then sends the token in an ``X-CSRFToken`` header with the cookie. Over HTTPS, Django also wants
an ``Origin`` (browsers send it) or ``Referer`` header naming the site: a native app must send
one itself. A missing or wrong token is a 403 in JSON, ``{"ok": false, "error": {"code":
"csrf_failed", ...}}`` (``otp.csrf``: Django's check, not its HTML failure page). Signing in
rotates the token (``login()`` does): read the new ``csrftoken`` cookie, or GET ``csrf`` again.

Like the pages, every view here is ``transaction.non_atomic_requests`` for every database:
``otp.send_code`` relies on autocommit to count racing requests.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django import forms
from django.contrib.auth import login
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.debug import sensitive_variables
from django.views.generic import View

from django_tencent_sms.otp.challenge import MAX_ANSWER_LENGTH, set_challenge_answer
from django_tencent_sms.otp.conf import merged_otp_settings, otp_settings
from django_tencent_sms.otp.csrf import json_csrf_protect
from django_tencent_sms.otp.forms import LoginCodeForm, RequestCodeForm, VerifyCodeForm
from django_tencent_sms.otp.service import Reason
from django_tencent_sms.otp.session import mark_phone_verified
from django_tencent_sms.otp.views import OtpViewMixin, otp_view
from django_tencent_sms.otp.voice import CHANNEL_MESSAGE, CHANNELS

__all__ = [
    "ApiError",
    "CsrfTokenView",
    "JsonOtpView",
    "RequestCodeAPIView",
    "VerifyCodeAPIView",
]

#: The answers to a request-code refused over its challenge.
CHALLENGE_STATUS = {"challenge_required": 403, "challenge_unavailable": 503}

AnyVerifyForm = TypeVar("AnyVerifyForm", bound=VerifyCodeForm)


class ApiError(Exception):
    """An error answer; ``JsonOtpView`` turns it into JSON."""

    def __init__(self, status: int, code: str, message: Any, **extra: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.message, self.extra = status, code, message, extra


class JsonOtpView(OtpViewMixin, View):
    """Base of the JSON views: POST only, a bounded ``application/json`` object, purposes
    from an allow-list, errors as ``{"ok": false, "error": {"code", "message", ...}}``."""

    http_method_names = ["post", "options"]
    #: The purposes a client may ask for; ``purpose`` is used when the body names none.
    purposes: tuple[str, ...] | list[str] = ("login",)
    #: Largest accepted body, in bytes.
    max_body_size = 1024
    #: The string fields read from the body.
    fields: tuple[str, ...] = ("phone", "purpose")
    csrf_protection = staticmethod(json_csrf_protect)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except ApiError as exc:
            return self.error_response(exc)

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = self.error_response(
            ApiError(405, "method_not_allowed", _("This address accepts only POST requests."))
        )
        allowed = [name.upper() for name in self.http_method_names if hasattr(self, name)]
        response["Allow"] = ", ".join(allowed)
        return response

    # No local of this frame, nor of json.loads below it, in an error report: the code.
    @method_decorator(sensitive_variables())
    def read_json(self) -> dict[str, Any]:
        """The body as a dict of strings, or an ``ApiError``."""
        request = self.request
        if request.content_type != "application/json":
            raise ApiError(
                415,
                "unsupported_media_type",
                _("Send a JSON object with Content-Type: application/json."),
            )
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        body = b"" if declared > self.max_body_size else request.read(self.max_body_size + 1)
        if declared > self.max_body_size or len(body) > self.max_body_size:
            raise ApiError(413, "too_large", _("The request body is too large."))
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise ApiError(400, "invalid_json", _("Send a JSON object."))
        for key in self.fields:
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ApiError(400, "invalid", _("This value must be a string."), field=key)
        return data

    def get_purpose(self, data: dict[str, Any]) -> str:
        purpose = data.get("purpose") or self.purpose
        if purpose not in self.purposes:
            raise ApiError(
                400,
                "invalid_purpose",
                _("Codes for this purpose cannot be requested here."),
                field="purpose",
            )
        return purpose

    def form_error(self, form: forms.Form, status: int = 400, **extra: Any) -> ApiError:
        """The first error of ``form`` (in field order) as an ``ApiError``."""
        for name, errors in form.errors.as_data().items():
            error = errors[0]
            return ApiError(
                status,
                error.code or "invalid",
                next(iter(error)),
                field=None if name == NON_FIELD_ERRORS else name,
                **extra,
            )
        return ApiError(status, "invalid", _("The request is not valid."))

    def error_response(self, error: ApiError) -> JsonResponse:
        body = {"code": error.code, "message": str(error.message)}
        body.update({k: v for k, v in error.extra.items() if v is not None})
        response = JsonResponse({"ok": False, "error": body}, status=error.status)
        if error.status == 429:  # every one: a client must not guess, nor retry at once
            retry_after = error.extra.get("retry_after") or otp_settings()["RESEND_INTERVAL"]
            response["Retry-After"] = str(max(1, retry_after or 60))
        return response


class RequestCodeAPIView(JsonOtpView):
    """POST ``{"phone", "purpose"?}``: send a code. See the module docstring for answers."""

    form_class = RequestCodeForm
    fields = ("phone", "purpose", "channel", "ticket", "randstr")
    #: Largest body while ``OTP["CHALLENGE"]`` is set: room for its ticket and randstr.
    challenge_body_size = 1024 + 2 * MAX_ANSWER_LENGTH

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        conf = merged_otp_settings()
        if isinstance(conf, dict) and conf.get("CHALLENGE") is not None:
            self.max_body_size = max(self.max_body_size, self.challenge_body_size)
        data = self.read_json()
        purpose = self.get_purpose(data)
        channel = data.get("channel")
        if channel is None:
            channel = "sms"
        elif channel not in CHANNELS:
            raise ApiError(400, "invalid_channel", CHANNEL_MESSAGE, field="channel")
        set_challenge_answer(request, data.get("ticket"), data.get("randstr"))
        form = self.form_class(data={"phone": data.get("phone")})
        if not form.is_valid():
            raise self.form_error(form)
        if form.send(request, purpose, channel):
            return self.code_sent(form)
        code = form.error_code
        if code == "send_unknown":
            raise ApiError(502, code, form.delivery_unknown_message, retry_after=form.retry_after)
        if code in CHALLENGE_STATUS:
            status = CHALLENGE_STATUS[code]
        elif code == "send_failed":
            status = 502
        elif code == "rate_limited" or form.retry_after is not None:
            status = 429  # a refusal that waiting will lift
        else:
            status = 400
        raise self.form_error(form, status, retry_after=form.retry_after)

    def code_sent(self, form: RequestCodeForm) -> HttpResponse:
        return JsonResponse(
            {
                "ok": True,
                "retry_after": form.retry_after or 0,
                "expires_in": otp_settings()["TTL"],
            }
        )


class VerifyCodeAPIView(JsonOtpView):
    """POST ``{"phone", "code", "purpose"?}``: check the code; for login, sign the session in."""

    form_class = VerifyCodeForm
    login_form_class = LoginCodeForm
    fields = ("phone", "code", "purpose")

    @method_decorator(sensitive_variables())
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        data = self.read_json()
        purpose = self.get_purpose(data)
        typed = {"phone": data.get("phone"), "code": data.get("code")}
        if purpose == "login":
            login_form = self.login_form_class(data=typed, purpose=purpose, request=request)
            return self.login_user(self.accepted(login_form))
        form = self.form_class(data=typed, purpose=purpose, request=request)
        return self.code_verified(self.accepted(form))

    def accepted(self, form: AnyVerifyForm) -> AnyVerifyForm:
        """``form`` once it accepted the code; else its first error as an ``ApiError``, with
        the tries left after a wrong code."""
        if form.is_valid():
            return form
        result = form.result
        if result is not None and result.reason is Reason.WRONG:
            raise self.form_error(form, attempts_left=result.attempts_left)
        raise self.form_error(form)

    def login_user(self, form: LoginCodeForm) -> HttpResponse:
        """The code was right for login: sign the session in. Override for tokens."""
        login(self.request, form.get_user())
        return JsonResponse({"ok": True})

    def code_verified(self, form: VerifyCodeForm) -> HttpResponse:
        """The code was right for another purpose: by default, mark the number verified in
        the session (see ``otp.session.verified_phone``)."""
        mark_phone_verified(self.request, form.purpose, form.cleaned_data["phone"])
        return JsonResponse({"ok": True})


class CsrfTokenView(View):
    """GET: the CSRF token as ``{"csrfToken": ...}``, and the cookie, for the JSON views."""

    http_method_names = ["get", "head", "options"]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return otp_view(ensure_csrf_cookie(super().as_view(**initkwargs)), allow_anonymous=True)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return JsonResponse({"csrfToken": get_token(request)})
