"""The HTML pages of a code flow: ask for a code, then type it in (JSON: ``otp.api``).

Usable as they are (``otp.urls`` mounts them for login) or subclassed::

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
  records the number as verified in the session (``otp.session.verified_phone()`` reads it
  back) and redirects to ``success_url``.

The pages are open to visitors who are not signed in, also under ``LoginRequiredMiddleware``;
a view for someone who must be signed in (changing their number) sets
``allow_anonymous = False`` or uses ``LoginRequiredMixin``.

Both pages show when a new code may be asked for: the seconds are rendered by the server and
counted down by a tiny inline script (with the CSP nonce of Django 6's ``csp`` context
processor, when present); without JavaScript the number simply stays. Templates extend
``base_template`` (``django_tencent_sms/base.html``: a standalone page); set it to your site's
base, which must have ``{% block content %}`` and ``{% block title %}``, or override
``django_tencent_sms/request_code.html`` / ``verify_code.html`` by name.

Every view here is ``transaction.non_atomic_requests`` for every database: ``otp.send_code``
relies on autocommit to count racing requests (see ``django_tencent_sms.otp.service``).
"""

from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.generic import FormView

from django_tencent_sms.masking import mask_phone
from django_tencent_sms.otp.captcha import widget as captcha_widget
from django_tencent_sms.otp.forms import (
    SEND_MESSAGES,
    LoginCodeForm,
    RequestCodeForm,
    VerifyCodeForm,
    code_is_spent,
)
from django_tencent_sms.otp.session import (
    code_is_dead,
    forget_code_request,
    mark_phone_verified,
    note_code_dead,
    pending_phone,
    remember_code_request,
    resend_countdown,
)
from django_tencent_sms.otp.signup_link import signup_url
from django_tencent_sms.otp.voice_pages import call_instead, page_channel, voice_offered
from django_tencent_sms.reporting import hide_secrets_in_reports

__all__ = ["OtpViewMixin", "RequestCodeView", "VerifyCodeView", "otp_view"]


# Shared with otp.api -------------------------------------------------------------------------


def otp_view(view: Any, *, allow_anonymous: bool) -> Any:
    """What every view of a code flow needs: no caching, no ``ATOMIC_REQUESTS`` transaction on
    any database (see the module docstring), and for sign-in pages, no login required."""
    view = never_cache(view)
    if allow_anonymous:
        view = login_not_required(view)
    for alias in connections:
        view = transaction.non_atomic_requests(using=alias)(view)
    return view


def _hiding_secrets(view: Any) -> Any:
    """``view``, with error reports that hide the code even with DEBUG on."""

    @wraps(view)
    def hiding_secrets(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        hide_secrets_in_reports(request)
        return view(request, *args, **kwargs)

    return hiding_secrets


class OtpViewMixin:
    """What every view of a code flow shares, the JSON ones (``otp.api``) too: the purpose,
    CSRF, no request transaction, ``next``."""

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
    #: The CSRF check around the view (the JSON views answer its failure in JSON).
    csrf_protection: Any = staticmethod(csrf_protect)

    request: HttpRequest

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        view = super().as_view(**initkwargs)  # type: ignore[misc]
        # Error reports (the 500 page, the e-mail to ADMINS) show neither the code posted nor
        # any local of a frame below: the code passes through forms, backends and the service.
        view = sensitive_post_parameters("code")(sensitive_variables()(view))
        view = _hiding_secrets(view)
        for decorator in cls.view_decorators:
            view = decorator(view)
        return otp_view(cls.csrf_protection(view), allow_anonymous=cls.allow_anonymous)

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
        channel = page_channel(self.request, form)  # "call me instead" posts channel=voice
        if channel is None:
            return self.form_invalid(form)
        if not form.send(self.request, self.purpose, channel) and not form.delivery_unknown:
            if form.error_code == "cooldown":
                # The page's countdown shows the wait and counts it down; the refusal's own
                # sentence would show the same number standing still.
                cooldown = ValidationError(SEND_MESSAGES["cooldown"], code="cooldown")
                form.errors["phone"] = form.error_class([cooldown])
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
            voice_offered=voice_offered(),
            challenge=captcha_widget(getattr(form, "error_code", None)),
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

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "call" in request.POST:  # "call me instead": the code read out by a phone call
            return call_instead(request, self.purpose, request.get_full_path())
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: VerifyCodeForm) -> HttpResponse:
        phone = pending_phone(self.request, self.purpose)
        cleaned = getattr(form, "cleaned_data", {}).get("phone")
        if phone and cleaned is not None and cleaned.as_e164 == phone and code_is_spent(form):
            # The code is dead: say so, and let a new one be asked for at once.
            note_code_dead(self.request, self.purpose)
        return super().form_invalid(form)

    def form_valid(self, form: VerifyCodeForm) -> HttpResponse:
        forget_code_request(self.request, self.purpose)
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
        dead = bool(phone) and code_is_dead(self.request, self.purpose)
        form = context["form"]
        if dead and "code" in form.fields:
            # Nothing to type into: the field shows empty and disabled, the button too.
            form.fields["code"].disabled = True
        attempt = getattr(form, "attempt", None)
        context.update(
            submit_label=self.submit_label
            or (_("Sign in") if self.purpose == "login" else _("Verify")),
            countdown=0 if dead else resend_countdown(self.request, self.purpose),
            code_dead=dead,
            form_errors=bool(form.errors),
            phone_display=mask_phone(phone) if phone else "",
            request_code_url=self.get_request_code_url(),
            voice_offered=bool(phone) and voice_offered(),
            signup_url=(
                signup_url(self.request)
                if attempt is not None and attempt.code == "no_account"
                else ""
            ),
        )
        return context
