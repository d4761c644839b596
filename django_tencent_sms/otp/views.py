"""Views for the two steps of a code flow (ask for a code, type it in), as HTML and as JSON.

HTML, usable as they are (``otp_urls`` mounts them for login) or subclassed::

    class SignupCodeView(RequestCodeView):
        purpose = "signup"
        success_url = reverse_lazy("signup-verify")

    class SignupVerifyView(VerifyCodeView):
        purpose = "signup"
        request_code_url = reverse_lazy("signup")
        success_url = reverse_lazy("signup-details")   # which reads verified_phone(request,
                                                       # "signup", consume=True)

* ``RequestCodeView``: GET shows the form, POST sends the code, remembers the number in the
  session and redirects to the verify step (``success_url``, by default
  ``tencent_sms:verify-code``), carrying a safe ``next`` along.
* ``VerifyCodeView``: POST number and code. For ``purpose = "login"`` it authenticates through
  ``PhoneCodeBackend`` (which must be in ``AUTHENTICATION_BACKENDS``), ``login()``\\ s the user and
  redirects to ``next`` (only if ``url_has_allowed_host_and_scheme`` says it is safe) or
  ``LOGIN_REDIRECT_URL``. For any other purpose it calls ``code_verified(form)``, which by default
  records the number as verified in the session (``verified_phone()`` reads it back) and
  redirects to ``success_url``.

The pages are open to visitors who are not signed in, also under ``LoginRequiredMiddleware``;
a view for someone who must be signed in (changing their number) sets
``allow_anonymous = False`` or uses ``LoginRequiredMixin``.

Both pages show when a new code may be asked for: the seconds are rendered by the server and
counted down by a tiny inline script (with the CSP nonce of Django 6's ``csp`` context
processor, when present); without JavaScript the number simply stays. Templates extend
``base_template`` (``django_tencent_sms/base.html``: a standalone page); set it to your site's
base, which must have ``{% block content %}`` and ``{% block title %}``, or override
``django_tencent_sms/request_code.html`` / ``verify_code.html`` by name.

JSON, for single-page apps and mobile clients (``application/json`` bodies of at most
``max_body_size`` bytes, POST only)::

    POST request-code {"phone": "13812345678", "purpose": "login"}     purpose is optional
      200 {"ok": true, "retry_after": 60, "expires_in": 300}
    POST verify-code {"phone": "13812345678", "code": "123456", "purpose": "login"}
      200 {"ok": true}                                  (login: the session is now signed in)

    errors: {"ok": false, "error": {"code": "cooldown", "message": "...", "field": "phone",
                                    "retry_after": 42}}
      400  invalid input: invalid_json, invalid_purpose, required, invalid, max_length,
           invalid_phone, region_not_allowed, phone_rejected; and the code checks: wrong (with
           "attempts_left"), expired, used, too_many_attempts, none_issued, no_account, inactive
      413  too_large       415  unsupported_media_type       405  method_not_allowed
      429  cooldown, phone_hourly_limit, phone_daily_limit, ip_hourly_limit, ip_daily_limit,
           daily_limit, rate_limited (Tencent's own limit) -- with a Retry-After header when
           the wait is known
      502  send_failed (nothing was sent), send_unknown (the SMS may arrive; its code works;
           "retry_after" says when to offer a new one)

The purpose a client may ask for is limited to the view's ``purposes`` allow-list.

CSRF stays on for every view here, the JSON ones included: the client first GETs ``csrf``
(``ensure_csrf_cookie``; the answer is ``{"csrfToken": "..."}`` and the ``csrftoken`` cookie),
then sends the token in an ``X-CSRFToken`` header with the cookie. Over HTTPS, Django also wants
an ``Origin`` (browsers send it) or ``Referer`` header naming the site: a native app must send
one itself. A missing or wrong token is Django's usual 403. Signing in rotates the token
(``login()`` does): read the new ``csrftoken`` cookie, or GET ``csrf`` again.

Every view here is ``transaction.non_atomic_requests`` for every database: ``otp.send_code``
relies on autocommit to count racing requests (see ``django_tencent_sms.otp.service``).
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.generic import FormView, View
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.masking import mask_phone
from django_tencent_sms.otp import service as otp
from django_tencent_sms.otp.conf import otp_settings
from django_tencent_sms.otp.forms import (
    SEND_MESSAGES,
    LoginCodeForm,
    RequestCodeForm,
    VerifyCodeForm,
)
from django_tencent_sms.otp.service import Reason

__all__ = [
    "CsrfTokenView",
    "RequestCodeAPIView",
    "RequestCodeView",
    "VerifyCodeAPIView",
    "VerifyCodeView",
    "mark_phone_verified",
    "verified_phone",
]

#: Seconds a number marked verified by ``code_verified`` stays usable by ``verified_phone``.
VERIFIED_MAX_AGE = 15 * 60


# Session state -------------------------------------------------------------------------------


def _flow_key(purpose: str) -> str:
    return f"tencent_sms.flow.{purpose}"


def _verified_key(purpose: str) -> str:
    return f"tencent_sms.verified.{purpose}"


def _now() -> float:
    return otp.clock().timestamp()


def remember_code_request(
    request: HttpRequest, purpose: str, phone: PhoneNumber, retry_after: int | None
) -> None:
    """Note in the session where the code went and when another may be asked for."""
    request.session[_flow_key(purpose)] = {
        "phone": phone.as_e164,
        "resend_at": _now() + (retry_after or 0),
    }


def pending_phone(request: HttpRequest, purpose: str) -> str | None:
    """The number a code was last sent to in this session for ``purpose`` (E.164), if any."""
    state = request.session.get(_flow_key(purpose))
    return state.get("phone") if isinstance(state, dict) else None


def resend_countdown(request: HttpRequest, purpose: str) -> int:
    """Seconds until this session may ask for another code for ``purpose``; 0 when it may."""
    state = request.session.get(_flow_key(purpose))
    if not isinstance(state, dict) or not isinstance(state.get("resend_at"), (int, float)):
        return 0
    return max(0, math.ceil(state["resend_at"] - _now()))


def mark_phone_verified(request: HttpRequest, purpose: str, phone: PhoneNumber) -> None:
    """Record in the session that its owner proved they hold ``phone`` (for ``purpose``).

    The session key is rotated first, so a session id planted before the proof is worthless.
    """
    request.session.cycle_key()
    request.session[_verified_key(purpose)] = {"phone": phone.as_e164, "at": _now()}


def verified_phone(
    request: HttpRequest,
    purpose: str,
    *,
    max_age: int = VERIFIED_MAX_AGE,
    consume: bool = False,
) -> PhoneNumber | None:
    """The number this session proved it holds for ``purpose`` in the last ``max_age``
    seconds, or None; ``consume=True`` forgets it (use it when the account is created)."""
    key = _verified_key(purpose)
    state = request.session.get(key)
    if consume:
        request.session.pop(key, None)
    if not isinstance(state, dict) or not isinstance(state.get("at"), (int, float)):
        return None
    if not 0 <= _now() - state["at"] <= max_age:
        return None
    return PhoneNumber.from_string(state["phone"])


# Shared behaviour ----------------------------------------------------------------------------


def _always(view: Any, *, allow_anonymous: bool) -> Any:
    """What every view here needs: no caching, no ``ATOMIC_REQUESTS`` transaction on any
    database (see the module docstring), and for sign-in pages, no login required."""
    view = never_cache(view)
    if allow_anonymous:
        view = login_not_required(view)
    for alias in connections:
        view = transaction.non_atomic_requests(using=alias)(view)
    return view


class OtpViewMixin:
    """What every view here shares: the purpose, CSRF, no request transaction, ``next``."""

    #: The purpose the codes are for (``otp.send_code``'s ``purpose``).
    purpose = "login"
    #: The template the pages extend; it needs ``{% block title %}`` and ``{% block content %}``.
    base_template = "django_tencent_sms/base.html"
    redirect_field_name = REDIRECT_FIELD_NAME
    #: Hosts besides the request's own that ``next`` may point to.
    success_url_allowed_hosts: set[str] = set()
    #: Open to visitors who are not signed in, even under ``LoginRequiredMiddleware``. A view
    #: for a signed-in user (changing the number) sets False, or uses ``LoginRequiredMixin``.
    allow_anonymous = True
    #: More decorators for the view function, innermost first. CSRF protection, never_cache
    #: and non_atomic_requests are always applied around them.
    view_decorators: tuple = ()

    request: HttpRequest

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        view = super().as_view(**initkwargs)  # type: ignore[misc]
        for decorator in cls.view_decorators:
            view = decorator(view)
        return _always(csrf_protect(view), allow_anonymous=cls.allow_anonymous)

    def get_redirect_url(self) -> str:
        """``next`` from the POST or the query string, if it is safe to redirect to."""
        name = self.redirect_field_name
        url = self.request.POST.get(name, self.request.GET.get(name, ""))
        safe = url_has_allowed_host_and_scheme(
            url,
            allowed_hosts={self.request.get_host(), *self.success_url_allowed_hosts},
            require_https=self.request.is_secure(),
        )
        return url if safe else ""

    def reverse(self, name: str) -> str:
        match = self.request.resolver_match
        return reverse(name, current_app=match.namespace if match else None)

    def with_next(self, url: str) -> str:
        redirect_to = self.get_redirect_url()
        if not redirect_to:
            return url
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}{urlencode({self.redirect_field_name: redirect_to})}"

    def get_initial(self) -> dict[str, Any]:
        """The number from step one, when this session has asked for a code for the purpose."""
        initial = super().get_initial()  # type: ignore[misc]
        phone = pending_phone(self.request, self.purpose)
        if phone:
            initial["phone"] = phone
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(
            purpose=self.purpose,
            base_template=self.base_template,
            title=getattr(self, "title", ""),
            redirect_field_name=self.redirect_field_name,
            redirect_to=self.get_redirect_url(),
        )
        return context


# HTML ----------------------------------------------------------------------------------------


class RequestCodeView(OtpViewMixin, FormView):
    """Step one: ask for a code. On success, redirect to the verify step."""

    form_class = RequestCodeForm
    template_name = "django_tencent_sms/request_code.html"
    title = _("Sign in with your phone number")
    submit_label = _("Send code")
    #: Where to go once the code is sent; by default the URL named ``verify_url_name``.
    success_url: str | None = None
    verify_url_name = "tencent_sms:verify-code"

    def form_valid(self, form: RequestCodeForm) -> HttpResponse:
        if not form.send(self.request, self.purpose) and not form.delivery_unknown:
            if form.error_code == "cooldown":
                # The page's countdown shows the wait and counts it down; the refusal's own
                # sentence would show the same number standing still.
                form.errors["phone"] = form.error_class([SEND_MESSAGES["cooldown"]])
            return self.form_invalid(form)
        if form.delivery_unknown:
            messages.warning(self.request, str(form.delivery_unknown_message), fail_silently=True)
        remember_code_request(
            self.request, self.purpose, form.cleaned_data["phone"], form.retry_after
        )
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        url = str(self.success_url) if self.success_url else self.reverse(self.verify_url_name)
        return self.with_next(url)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        refused_for_now = getattr(form, "error_code", None) == "cooldown"
        context.update(
            submit_label=self.submit_label,
            countdown=form.retry_after if refused_for_now else 0,
        )
        return context


class VerifyCodeView(OtpViewMixin, FormView):
    """Step two: type the code. Logs the user in for ``purpose = "login"``; otherwise calls
    ``code_verified(form)``."""

    form_class = VerifyCodeForm
    login_form_class = LoginCodeForm
    template_name = "django_tencent_sms/verify_code.html"
    title = _("Enter the code")
    #: The button; by default "Sign in" for login and "Verify" otherwise.
    submit_label: str | None = None
    #: Where to go after a login without ``next`` (default ``LOGIN_REDIRECT_URL``), or after
    #: another purpose's ``code_verified`` (required then).
    success_url: str | None = None
    #: The page to ask for a new code; by default the URL named ``request_url_name``.
    request_code_url: str | None = None
    request_url_name = "tencent_sms:request-code"
    view_decorators = (sensitive_post_parameters("code"),)

    def get_form_class(self) -> type[forms.Form]:
        return self.login_form_class if self.purpose == "login" else self.form_class

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(purpose=self.purpose, request=self.request)
        return kwargs

    def get_form(self, form_class: type[forms.Form] | None = None) -> forms.Form:
        form = super().get_form(form_class)
        if pending_phone(self.request, self.purpose):
            # The number is known from step one: show it masked, and keep it out of the way.
            form.fields["phone"].widget = forms.HiddenInput()
        return form

    def form_valid(self, form: VerifyCodeForm) -> HttpResponse:
        self.request.session.pop(_flow_key(self.purpose), None)
        if self.purpose == "login":
            login(self.request, form.get_user())  # type: ignore[attr-defined]
            return HttpResponseRedirect(self.get_success_url())
        return self.code_verified(form)

    def code_verified(self, form: VerifyCodeForm) -> HttpResponse:
        """The code was right, for a purpose other than login. By default: remember the number
        as verified in the session (see ``verified_phone``) and redirect to ``success_url``."""
        mark_phone_verified(self.request, self.purpose, form.cleaned_data["phone"])
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self) -> str:
        redirect_to = self.get_redirect_url()
        if self.purpose == "login":
            return redirect_to or resolve_url(self.success_url or settings.LOGIN_REDIRECT_URL)
        if self.success_url:
            return str(self.success_url)
        if redirect_to:
            return redirect_to
        raise ImproperlyConfigured(
            f"{type(self).__name__} needs a success_url (or a code_verified() of its own) for "
            f"purpose {self.purpose!r}."
        )

    def get_request_code_url(self) -> str:
        url = (
            str(self.request_code_url)
            if self.request_code_url
            else self.reverse(self.request_url_name)
        )
        return self.with_next(url)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        phone = pending_phone(self.request, self.purpose)
        context.update(
            submit_label=self.submit_label
            or (_("Sign in") if self.purpose == "login" else _("Verify")),
            countdown=resend_countdown(self.request, self.purpose),
            phone_display=mask_phone(phone) if phone else "",
            request_code_url=self.get_request_code_url(),
        )
        return context


# JSON ----------------------------------------------------------------------------------------


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

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except ApiError as exc:
            return self.error_response(exc)

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = self.error_response(
            ApiError(405, "method_not_allowed", _("This address accepts only POST requests."))
        )
        response["Allow"] = ", ".join(m.upper() for m in self._allowed_methods())
        return response

    @method_decorator(sensitive_variables("body", "data"))
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
        retry_after = error.extra.get("retry_after")
        if error.status == 429 and retry_after:
            response["Retry-After"] = str(retry_after)
        return response


class RequestCodeAPIView(JsonOtpView):
    """POST ``{"phone", "purpose"?}``: send a code. See the module docstring for answers."""

    form_class = RequestCodeForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        data = self.read_json()
        purpose = self.get_purpose(data)
        form = self.form_class(data={"phone": data.get("phone")})
        if not form.is_valid():
            raise self.form_error(form)
        if form.send(request, purpose):
            return self.code_sent(form)
        code = form.error_code
        if code == "send_unknown":
            raise ApiError(502, code, form.delivery_unknown_message, retry_after=form.retry_after)
        if code == "send_failed":
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

    @method_decorator(sensitive_variables("data"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        data = self.read_json()
        purpose = self.get_purpose(data)
        form_class = self.login_form_class if purpose == "login" else self.form_class
        form = form_class(
            data={"phone": data.get("phone"), "code": data.get("code")},
            purpose=purpose,
            request=request,
        )
        if not form.is_valid():
            result = form.result
            wrong = result is not None and result.reason is Reason.WRONG
            raise self.form_error(form, attempts_left=result.attempts_left if wrong else None)
        if purpose == "login":
            return self.login_user(form)
        return self.code_verified(form)

    def login_user(self, form: LoginCodeForm) -> HttpResponse:
        """The code was right for login: sign the session in. Override for tokens."""
        login(self.request, form.get_user())
        return JsonResponse({"ok": True})

    def code_verified(self, form: VerifyCodeForm) -> HttpResponse:
        """The code was right for another purpose: by default, mark the number verified in
        the session (see ``verified_phone``)."""
        mark_phone_verified(self.request, form.purpose, form.cleaned_data["phone"])
        return JsonResponse({"ok": True})


class CsrfTokenView(View):
    """GET: the CSRF token as ``{"csrfToken": ...}``, and the cookie, for the JSON views."""

    http_method_names = ["get", "head", "options"]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return _always(ensure_csrf_cookie(super().as_view(**initkwargs)), allow_anonymous=True)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return JsonResponse({"csrfToken": get_token(request)})
