"""Forms for the two steps of a code flow: ask for a code, then type it in.

    form = RequestCodeForm(request.POST)
    if form.is_valid() and form.send(request, "signup"):   # False: the reason is on the form
        ...                                                # form.retry_after: seconds to wait

    form = VerifyCodeForm(request.POST, purpose="signup", request=request)
    if form.is_valid():                                    # the code was right, and is now used
        number = form.cleaned_data["phone"]
    # else form.errors["code"] says why; form.result is the otp.VerificationResult

    form = LoginCodeForm(request.POST, request=request)   # authenticate() + PhoneCodeBackend
    if form.is_valid():
        login(request, form.get_user())

Numbers are accepted as people type them ("138 1234 5678", "+86 138-1234-5678"), read in
``TENCENT_SMS["DEFAULT_REGION"]``; inputs are length-bounded before anything parses them.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib.auth import authenticate, get_backends
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import HttpRequest
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from django.views.decorators.debug import sensitive_variables
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import (
    CodeRequestRefused,
    InvalidMessage,
    SmsError,
    TencentSmsError,
)
from django_tencent_sms.models import SmsLog, VerificationCode
from django_tencent_sms.otp import service
from django_tencent_sms.otp.auth import (
    PhoneCodeAttempt,
    PhoneCodeBackend,
    clear_attempt,
    last_attempt,
)
from django_tencent_sms.otp.conf import otp_settings
from django_tencent_sms.otp.service import Reason, VerificationResult, check_code, send_code
from django_tencent_sms.otp.tencent_waits import tencent_wait
from django_tencent_sms.result_codes import Category
from django_tencent_sms.sending.validation import normalize_phone

__all__ = [
    "CodeField",
    "LoginCodeForm",
    "PhoneField",
    "RequestCodeForm",
    "VerifyCodeForm",
    "code_is_spent",
    "two_sentences",
]

logger = logging.getLogger("django_tencent_sms")

#: Longest number accepted as typed, spaces and punctuation included (E.164 has 15 digits).
PHONE_MAX_LENGTH = 32
#: Longest code accepted as typed (codes have at most 10 digits; spaces are allowed).
CODE_MAX_LENGTH = 20

#: Refusals about the number itself; the others (network, site budget) are shown on the form.
PHONE_REFUSALS = frozenset(
    {
        "cooldown",
        "phone_hourly_limit",
        "phone_daily_limit",
        "region_not_allowed",
        "number_type",
        "region_daily_limit",
        "voice_region",
    }
)

SEND_MESSAGES = {
    # For pages whose countdown says how long to wait (the refusal's own text has a number
    # that would stand still next to it).
    "cooldown": _("A code was sent to this number a moment ago."),
    "phone_rejected": _("This number cannot receive a code. Please check it or use another one."),
    "rate_limited": _("Too many messages were sent to this number. Please try again later."),
    "send_failed": _("The code could not be sent right now. Please try again later."),
    "send_unknown": _(
        "We could not confirm that the code was sent. If it does not arrive, ask for a new one."
    ),
}


#: After a label: ":" in English, the full-width "：" in Chinese (Django's own is ":" in both).
LABEL_SUFFIX = pgettext_lazy("label suffix format", ":")


def label_suffix() -> str:
    return str(LABEL_SUFFIX)


class TelInput(forms.TextInput):
    input_type = "tel"


class PhoneField(forms.Field):
    """A mobile number as typed; cleans to a valid ``PhoneNumber`` (landlines are refused)."""

    widget = TelInput
    default_error_messages = {
        "invalid": _("Enter a phone number."),
        "max_length": _("Enter at most %(max)d characters."),
    }

    def __init__(self, *, max_length: int = PHONE_MAX_LENGTH, **kwargs: Any) -> None:
        self.max_length = max_length
        # A context: Django and phonenumber_field translate "Phone number" too, and win.
        kwargs.setdefault("label", pgettext_lazy("SMS", "Phone number"))
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if not widget.is_hidden:
            attrs.update(
                {"maxlength": str(self.max_length), "autocomplete": "tel", "inputmode": "tel"}
            )
        return attrs

    def to_python(self, value: Any) -> PhoneNumber | None:
        if isinstance(value, PhoneNumber):
            return value
        if value in self.empty_values:
            return None
        if not isinstance(value, str):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        value = value.strip()
        if not value:
            return None
        if len(value) > self.max_length:
            raise ValidationError(
                self.error_messages["max_length"],
                code="max_length",
                params={"max": self.max_length},
            )
        try:
            return normalize_phone(value, sms_settings.DEFAULT_REGION)
        except InvalidMessage as exc:
            raise ValidationError(exc.message, code=exc.code, params=exc.params) from None


class CodeField(forms.CharField):
    """The code as typed (spaces allowed); the check itself is the form's."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Verification code"))
        kwargs.setdefault("max_length", CODE_MAX_LENGTH)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        )
        super().__init__(**kwargs)


class RequestCodeForm(forms.Form):
    """Step one: the number to send a code to. ``send()`` sends it.

    After ``send()``: ``record`` (the ``VerificationCode``), ``retry_after`` (seconds before
    another code may be asked for: the cooldown after a send, the wait after a refusal; None
    when waiting will not help; for Tencent's own frequency refusals, how long its window lasts),
    ``error_code`` (stable: a ``CodeRequestRefused`` code,
    ``invalid_phone``, ``phone_rejected``, ``rate_limited``, ``send_failed`` or
    ``send_unknown``) and ``delivery_unknown`` (the SMS may or may not have gone out; its code
    works if it arrives).
    """

    phone = PhoneField()

    #: Shown when ``delivery_unknown``.
    delivery_unknown_message = SEND_MESSAGES["send_unknown"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", label_suffix())
        super().__init__(*args, **kwargs)
        self.record: VerificationCode | None = None
        self.retry_after: int | None = None
        self.error_code: str | None = None
        self.delivery_unknown = False

    def send(
        self, request: HttpRequest | None, purpose: str = "login", channel: str = "sms"
    ) -> bool:
        """Send a code to the cleaned number (``channel="voice"``: by a phone call); True when
        it was sent, False (with the reason on the form, or ``delivery_unknown``) when not."""
        if not self.is_valid():
            return False
        cooldown = otp_settings()["RESEND_INTERVAL"] or None
        try:
            self.record = send_code(
                self.cleaned_data["phone"], purpose, request=request, channel=channel
            )
        except CodeRequestRefused as exc:
            code = exc.code or "refused"
            self.retry_after = exc.retry_after
            self._refuse(code, exc, on_phone=code in PHONE_REFUSALS)
        except InvalidMessage as exc:
            if exc.code == "invalid_phone":
                self._refuse("invalid_phone", exc, on_phone=True)
            else:  # the template or its parameters: the site's configuration, not the person
                logger.error("A verification code could not be sent: %s", exc)
                self._refuse("send_failed")
        except SmsError as exc:
            if exc.log is not None and exc.log.status == SmsLog.Status.UNKNOWN:
                # The code stays valid and the cooldown runs: it may arrive.
                self.error_code = "send_unknown"
                self.delivery_unknown = True
                self.retry_after = cooldown
            elif isinstance(exc, TencentSmsError) and exc.user_facing:
                limited = exc.category is Category.RATE_LIMIT
                if limited:  # how long Tencent's window lasts, for a Retry-After
                    self.retry_after = tencent_wait(exc.result, service.clock(), cooldown or 60)
                self._refuse("rate_limited" if limited else "phone_rejected", on_phone=True)
            else:
                self._refuse("send_failed")
        else:
            self.retry_after = cooldown
            return True
        return False

    def _refuse(
        self, code: str, error: ValidationError | None = None, *, on_phone: bool = False
    ) -> None:
        self.error_code = code
        if error is None:
            error = ValidationError(SEND_MESSAGES[code], code=code)
        else:
            error = ValidationError(error.message, code=code, params=error.params)
        self.add_error("phone" if on_phone else None, error)


class VerifyCodeForm(forms.Form):
    """Step two: the number and the code. Valid only when ``check_code`` accepted the code for
    ``purpose`` (which uses it up); ``result`` is the ``VerificationResult`` of the check."""

    phone = PhoneField()
    code = CodeField()

    def __init__(
        self,
        *args: Any,
        purpose: str = "login",
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", label_suffix())
        super().__init__(*args, **kwargs)
        self.purpose = purpose
        self.request = request
        self.result: VerificationResult | None = None

    # The code is in cleaned_data, and in the frames below (check, authenticate, check_code).
    @method_decorator(sensitive_variables())
    def clean(self) -> dict[str, Any]:
        super().clean()
        phone, code = self.cleaned_data.get("phone"), self.cleaned_data.get("code")
        if phone is not None and code:
            self.result = self.check(phone, code)
            if not self.result.ok:
                self.add_error("code", result_error(self.result))
        return self.cleaned_data

    def check(self, phone: PhoneNumber, code: str) -> VerificationResult:
        """Check the code (counting a try); overridable."""
        return check_code(phone, code, self.purpose, request=self.request)


class LoginCodeForm(VerifyCodeForm):
    """Step two of a login: ``authenticate(request, phone=, code=)`` through
    ``PhoneCodeBackend``; ``get_user()`` is the user to ``login()`` when the form is valid."""

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        if request is None:
            raise TypeError("LoginCodeForm needs the request, for authenticate().")
        super().__init__(*args, request=request, **kwargs)
        self.user: Any = None
        self.attempt: PhoneCodeAttempt | None = None

    def check(self, phone: PhoneNumber, code: str) -> VerificationResult:
        if not any(isinstance(backend, PhoneCodeBackend) for backend in get_backends()):
            raise ImproperlyConfigured(
                "Add 'django_tencent_sms.otp.auth.PhoneCodeBackend' to AUTHENTICATION_BACKENDS to "
                "sign in with SMS codes."
            )
        clear_attempt(self.request)
        self.user = authenticate(self.request, phone=phone, code=code, purpose=self.purpose)
        self.attempt = last_attempt(self.request)
        if self.attempt is not None:
            return self.attempt.result
        # Another backend answered first (a user, or PermissionDenied): take its word for it.
        return VerificationResult(Reason.OK if self.user is not None else Reason.WRONG)

    @method_decorator(sensitive_variables())
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.result is not None and self.result.ok and self.user is None:
            attempt = self.attempt
            self.add_error(
                None,
                ValidationError(
                    attempt.message if attempt else SEND_MESSAGES["send_failed"],
                    code=attempt.code if attempt else "refused",
                ),
            )
        return cleaned

    def get_user(self) -> Any:
        return self.user


#: Two sentences one after the other: a space in English, none after a Chinese full stop.
SENTENCES = pgettext_lazy("sentence joining format", "%(first)s %(second)s")

#: What a check says when the code it looked at can no longer be used.
DEAD_REASONS = frozenset({Reason.EXPIRED, Reason.USED, Reason.TOO_MANY_ATTEMPTS})


def two_sentences(first: Any, second: Any) -> str:
    """``first`` then ``second``, joined as the active language joins sentences."""
    return str(SENTENCES) % {"first": first, "second": second}


def code_is_spent(form: VerifyCodeForm) -> bool:
    """Whether the code ``form`` checked can no longer be used: its last try went wrong, it
    expired or was used (also by a right code that signed nobody in: no account)."""
    result = form.result
    if result is None:
        return False
    if result.ok:  # right, but refused after (no account, inactive): the code is used up
        return not form.is_valid()
    if result.reason is Reason.WRONG:
        return result.attempts_left == 0
    return result.reason in DEAD_REASONS


def result_error(result: VerificationResult) -> ValidationError:
    """The reason a check failed, translated, with the tries left after a wrong code."""
    message = result.message
    if result.reason is Reason.WRONG:
        if result.attempts_left:
            left = ngettext(
                "%(count)d more try is allowed.",
                "%(count)d more tries are allowed.",
                result.attempts_left,
            ) % {"count": result.attempts_left}
        else:
            left = str(_("No tries are left: request a new code."))
        message = two_sentences(message, left)
    return ValidationError(message, code=result.reason.value)
