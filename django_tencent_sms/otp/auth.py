"""Sign in with a phone number and an SMS code: an authentication backend.

``PhoneCodeBackend`` answers ``authenticate(request, phone=..., code=...)``. It checks the code
with ``otp.check_code`` *first*, so every call costs one of the code's tries whether or not an
account uses the number: probing which numbers have accounts is as expensive as guessing codes.
Only then does it look the user up, and it returns ``None`` for an inactive user, for no match or
more than one, and when ``phone`` or ``code`` is missing (so a username/password backend next to
it keeps working).

With Django's own ``auth.User`` (no phone field), keep the number in a profile model and set
``USER_LOOKUP`` instead: README, "Signing in with a code". A complete example, with a custom
user model holding the number::

    # accounts/models.py
    from django.contrib.auth.models import AbstractUser
    from phonenumber_field.modelfields import PhoneNumberField

    class User(AbstractUser):
        phone = PhoneNumberField(unique=True, null=True, blank=True)

    # settings.py
    AUTH_USER_MODEL = "accounts.User"
    AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",      # username + password (the admin)
        "django_tencent_sms.otp.auth.PhoneCodeBackend",       # phone + SMS code
    ]
    TENCENT_SMS = {
        ...,
        "OTP": {
            "TEMPLATE": "login-code",        # an SmsTemplate name or a Tencent template ID
            "USER_PHONE_FIELD": "phone",     # the default; exact match on the E.164 text
            # or "USER_LOOKUP": "accounts.lookups.user_for_phone",  # f(PhoneNumber) -> user
        },
    }

    # accounts/views.py: a login view of your own (the shipped ones are in
    # django_tencent_sms.otp.views and .api, mounted by django_tencent_sms.otp.urls)
    from django.conf import settings
    from django.contrib.auth import authenticate, login
    from django.db import transaction
    from django.shortcuts import redirect, render
    from django.utils.translation import gettext as _
    from django_tencent_sms.otp.auth import last_attempt

    @transaction.non_atomic_requests      # the OTP service relies on autocommit
    def phone_login(request):
        error = None
        if request.method == "POST":
            user = authenticate(
                request, phone=request.POST.get("phone"), code=request.POST.get("code")
            )
            if user is not None:
                login(request, user)
                return redirect(settings.LOGIN_REDIRECT_URL)  # a page your site has
            attempt = last_attempt(request)   # why not: .code ("wrong", "no_account", ...)
            error = attempt.message if attempt else _("Enter your number and the code.")
        return render(request, "accounts/phone_login.html", {"error": error})

(``django_tencent_sms.otp.forms.LoginCodeForm`` does the same with translated messages for every
case.)

The backend extends ``ModelBackend`` only for ``get_user`` and permissions (a site that signs in
by phone alone still gets ``user.has_perm``); it never accepts a password.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.otp.conf import OTP_SETTING, otp_settings
from django_tencent_sms.otp.service import VerificationResult, check_code

__all__ = ["PhoneCodeAttempt", "PhoneCodeBackend", "last_attempt"]

logger = logging.getLogger("django_tencent_sms")

#: Where the backend leaves the outcome of its last attempt on the request.
ATTEMPT_ATTR = "_tencent_sms_attempt"


@dataclasses.dataclass(frozen=True)
class PhoneCodeAttempt:
    """What ``PhoneCodeBackend.authenticate`` found, for a view that must say why it failed.

    ``code`` is stable: ``"ok"`` when a user was returned; the code check's reason
    (``"wrong"``, ``"expired"``, ``"used"``, ``"too_many_attempts"``, ``"none_issued"``) when
    the code was refused; ``"no_account"`` or ``"inactive"`` when the code was right but nobody
    may sign in with it (the code is used up either way).
    """

    code: str
    result: VerificationResult
    user: Any = dataclasses.field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.code == "ok"

    @property
    def message(self) -> str:
        """What to tell the person, translated."""
        if self.code in ACCOUNT_MESSAGES:
            return str(ACCOUNT_MESSAGES[self.code])
        return self.result.message


ACCOUNT_MESSAGES = {
    "no_account": _("No account can be found for this phone number."),
    "inactive": _("This account is inactive."),
}


def last_attempt(request: HttpRequest | None) -> PhoneCodeAttempt | None:
    """The outcome of the last ``PhoneCodeBackend`` attempt made with ``request``, if any."""
    return getattr(request, ATTEMPT_ATTR, None)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clear_attempt(request: HttpRequest | None) -> None:
    if request is not None and hasattr(request, ATTEMPT_ATTR):
        delattr(request, ATTEMPT_ATTR)


class PhoneCodeBackend(ModelBackend):
    """Authenticate with ``phone`` and an SMS ``code`` sent by ``otp.send_code``.

    ``TENCENT_SMS["OTP"]["USER_LOOKUP"]`` (a dotted path or a callable taking a ``PhoneNumber``
    and returning a user or ``None``) finds the user when set; otherwise the user-model field
    named by ``USER_PHONE_FIELD`` (default ``"phone"``; a ``CharField`` holding E.164 text or a
    ``PhoneNumberField``) must match the number exactly. Override ``get_user_by_phone`` for
    anything else.
    """

    # The code: no local of these, nor of the frames below them, in an error report.
    @sensitive_variables()
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        phone: Any = None,
        code: Any = None,
        purpose: str = "login",
    ) -> Any:
        if _blank(phone) or _blank(code):
            return None
        # Resolve the lookup before the check: a configuration error must not cost a try.
        find = self.user_finder()
        attempt = self.attempt(check_code(phone, code, purpose, request=request), find)
        if request is not None:
            setattr(request, ATTEMPT_ATTR, attempt)
        return attempt.user if attempt.ok else None

    def attempt(
        self, result: VerificationResult, find: Callable[[PhoneNumber], Any]
    ) -> PhoneCodeAttempt:
        """What a checked code means for signing in: the user when one may, else why not."""
        if not result.ok or result.record is None:
            return PhoneCodeAttempt(result.reason.value, result)
        user = find(result.record.phone)
        if user is None:
            return PhoneCodeAttempt("no_account", result)
        if not self.user_can_authenticate(user):
            return PhoneCodeAttempt("inactive", result, user)
        return PhoneCodeAttempt("ok", result, user)

    @sensitive_variables()
    async def aauthenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        phone: Any = None,
        code: Any = None,
        purpose: str = "login",
    ) -> Any:
        # ModelBackend's async variant reads username/password; this one must not fall into it.
        return await sync_to_async(self.authenticate)(request, phone, code, purpose)

    def user_finder(self) -> Callable[[PhoneNumber], Any]:
        """The function that maps a verified number to a user or None, from the settings."""
        conf = otp_settings()
        lookup = conf["USER_LOOKUP"]
        if lookup:
            if isinstance(lookup, str):
                try:
                    lookup = import_string(lookup)
                except ImportError as exc:
                    raise ConfigurationError(
                        f"{OTP_SETTING}['USER_LOOKUP'] cannot be imported: {exc}"
                    ) from exc
            if not callable(lookup):
                raise ConfigurationError(
                    f"{OTP_SETTING}['USER_LOOKUP'] must be a function or its dotted path."
                )
            return lookup
        self.phone_field()  # fails now, before a try is spent, when the field is missing
        return self.get_user_by_phone

    def phone_field(self) -> str:
        """``USER_PHONE_FIELD``, checked against the user model."""
        field = otp_settings()["USER_PHONE_FIELD"]
        user_model = get_user_model()
        try:
            user_model._meta.get_field(field)
        except (FieldDoesNotExist, TypeError) as exc:
            raise ConfigurationError(
                f"{OTP_SETTING}['USER_PHONE_FIELD'] is {field!r}, but "
                f"{user_model._meta.label} has no such field; name the field that holds the "
                f"number, or set USER_LOOKUP to a function."
            ) from exc
        return field

    def get_user_by_phone(self, phone: PhoneNumber) -> Any:
        """The one user whose ``USER_PHONE_FIELD`` is ``phone`` (compared as E.164 text, which
        a ``PhoneNumberField`` converts to its stored format); None for none or several."""
        field = self.phone_field()
        user_model = get_user_model()
        users = list(user_model._default_manager.filter(**{field: phone.as_e164})[:2])
        if len(users) > 1:
            logger.warning(
                "Several %s share the phone number %s in %r; none can sign in with it.",
                user_model._meta.verbose_name_plural,
                mask_phone(phone),
                field,
            )
            return None
        return users[0] if users else None
