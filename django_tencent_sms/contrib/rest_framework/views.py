"""The DRF views of the code flow: ``RequestCodeAPIView`` and ``VerifyCodeAPIView``.

Both are open to anonymous clients (``AllowAny``), read only a bounded JSON object
(``parsers``), answer errors as ``errors`` says, and, like the other code-flow views, run
without a request transaction and hide the code from error reports.

CSRF: DRF checks it only for users its ``SessionAuthentication`` signed in; these views check
it for anonymous clients too whenever ``SessionAuthentication`` is among their authentication
classes (the site's ``DEFAULT_AUTHENTICATION_CLASSES``, read per request), since signing a
session in from a forged request is the attack. Token-only APIs need no token; set
``enforce_csrf`` to decide it yourself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, ClassVar

from django.contrib.auth import login
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from phonenumber_field.phonenumber import PhoneNumber
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from django_tencent_sms.contrib.rest_framework.errors import (
    CodeFlowError,
    CsrfFailed,
    error_handler,
)
from django_tencent_sms.contrib.rest_framework.parsers import BoundedJSONParser
from django_tencent_sms.contrib.rest_framework.schema import request_code_schema, verify_code_schema
from django_tencent_sms.contrib.rest_framework.serializers import (
    RequestCodeSerializer,
    VerifyCodeSerializer,
)
from django_tencent_sms.otp.conf import otp_settings
from django_tencent_sms.otp.csrf import CSRF_FAILED_MESSAGE
from django_tencent_sms.otp.forms import LoginCodeForm, RequestCodeForm, VerifyCodeForm
from django_tencent_sms.otp.service import Reason
from django_tencent_sms.otp.session import mark_phone_verified
from django_tencent_sms.otp.views import otp_view
from django_tencent_sms.reporting import hide_secrets_in_reports

__all__ = ["CodeFlowAPIView", "RequestCodeAPIView", "VerifyCodeAPIView"]


def form_error(form: Any, status: int = 400, **extra: Any) -> CodeFlowError:
    """The first error of ``form`` (in field order) as a ``CodeFlowError``."""
    for name, errors in form.errors.as_data().items():
        error = errors[0]
        field = None if name == NON_FIELD_ERRORS else name
        message = next(iter(error))
        return CodeFlowError(
            message, error.code or "invalid", status_code=status, field=field, **extra
        )
    return CodeFlowError(_("The request is not valid."), "invalid", status_code=status)


class CodeFlowAPIView(APIView):
    """What both endpoints share: the purposes, CSRF, the parser, the error shape."""

    #: The purpose used when the body names none, and the purposes a body may name.
    purpose = "login"
    purposes: Sequence[str] = ("login",)
    #: Largest body read, in bytes (``parsers.BoundedJSONParser``).
    max_body_size = 1024
    #: None: check CSRF when SessionAuthentication is among the authentication classes.
    enforce_csrf: bool | None = None
    #: Open to clients that are not signed in (False for, say, changing a signed-in user's number).
    allow_anonymous = True
    permission_classes = (AllowAny,)
    parser_classes = (BoundedJSONParser,)
    #: None: the site's DEFAULT_AUTHENTICATION_CLASSES, read per request.
    authentication_classes: Any = None
    #: The body's shape; a subclass may add fields (its ``validated_data`` is passed on).
    serializer_class: ClassVar[type] = RequestCodeSerializer

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        view = super().as_view(**initkwargs)
        view = sensitive_post_parameters("code")(sensitive_variables()(view))

        @wraps(view)
        def hiding_secrets(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            hide_secrets_in_reports(request)
            return view(request, *args, **kwargs)

        return otp_view(hiding_secrets, allow_anonymous=cls.allow_anonymous)

    def get_permissions(self) -> Sequence[Any]:
        if not self.allow_anonymous and self.permission_classes == (AllowAny,):
            return [IsAuthenticated()]
        return super().get_permissions()

    def get_authenticators(self) -> list[BaseAuthentication]:
        classes = self.authentication_classes
        if classes is None:
            classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
        return [auth() for auth in classes]

    def get_exception_handler(self) -> Callable[..., Any]:
        return error_handler

    def csrf_enforced(self, request: Request) -> bool:
        if self.enforce_csrf is not None:
            return self.enforce_csrf
        authenticators = request.authenticators or ()
        return any(isinstance(auth, SessionAuthentication) for auth in authenticators)

    def perform_authentication(self, request: Request) -> None:
        if self.csrf_enforced(request):
            try:
                SessionAuthentication().enforce_csrf(request)
            except exceptions.PermissionDenied:
                raise CsrfFailed(CSRF_FAILED_MESSAGE) from None
        super().perform_authentication(request)

    def read(self, request: Request) -> dict[str, Any]:
        """The body, checked by ``serializer_class``, with ``purpose`` filled in."""
        context = {"purposes": self.purposes, "request": request, "view": self}
        serializer = self.serializer_class(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["purpose"] = data.get("purpose") or self.purpose
        return data


class RequestCodeAPIView(CodeFlowAPIView):
    """POST ``{"phone", "purpose"?}``: send a code; ``{"retry_after", "expires_in"}``."""

    form_class = RequestCodeForm

    @request_code_schema
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read(request)
        form = self.form_class(data={"phone": data["phone"]})
        if form.send(request, data["purpose"]):
            return Response(self.code_sent(form))
        code = form.error_code
        if code == "send_unknown":
            raise CodeFlowError(
                form.delivery_unknown_message, code, status_code=502, retry_after=form.retry_after
            )
        if code == "send_failed":
            status = 502  # Tencent failed, or could not be reached: nothing was sent
        elif code == "rate_limited" or form.retry_after is not None:
            status = 429  # a refusal that waiting will lift
        else:
            status = 400
        raise form_error(form, status, retry_after=form.retry_after)

    def code_sent(self, form: RequestCodeForm) -> dict[str, Any]:
        return {"retry_after": form.retry_after or 0, "expires_in": otp_settings()["TTL"]}


class VerifyCodeAPIView(CodeFlowAPIView):
    """POST ``{"phone", "code", "purpose"?}``: check the code; the answer is ``verified()``'s."""

    form_class = VerifyCodeForm
    login_form_class = LoginCodeForm
    serializer_class = VerifyCodeSerializer
    #: A callable, or its dotted path, ``f(request, user=, phone=, purpose=)`` returning the
    #: answer's body (or a ``Response``) after a right code; None: ``verified()``'s default.
    on_verified: Any = None

    @verify_code_schema
    @sensitive_variables()
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.read(request)
        purpose = data["purpose"]
        typed = {"phone": data["phone"], "code": data["code"]}
        form: VerifyCodeForm
        if purpose == "login":
            form = self.login_form_class(data=typed, purpose=purpose, request=request)
        else:
            form = self.form_class(data=typed, purpose=purpose, request=request)
        if not form.is_valid():
            result = form.result
            if result is not None and result.reason is Reason.WRONG:
                raise form_error(form, attempts_left=result.attempts_left)
            raise form_error(form)
        user = form.get_user() if isinstance(form, LoginCodeForm) else None
        body = self.verified(request, user=user, phone=form.cleaned_data["phone"], purpose=purpose)
        return body if isinstance(body, Response) else Response(body)

    def verified(self, request: Request, *, user: Any, phone: PhoneNumber, purpose: str) -> Any:
        """The body after a right code (``user`` is the one signing in, for login). With
        ``on_verified`` set, its answer; else login signs the session in, and another purpose
        marks the number verified in the session (``otp.session.verified_phone``)."""
        hook = self.on_verified
        if hook is not None:
            if isinstance(hook, str):
                hook = import_string(hook)
            elif inspect.ismethod(hook) and hook.__self__ is self:
                hook = hook.__func__  # a plain function set on a subclass: not a method
            return hook(request, user=user, phone=phone, purpose=purpose)
        if user is not None:
            login(request, user)
        else:
            mark_phone_verified(request, purpose, phone)
        return {"verified": True}
