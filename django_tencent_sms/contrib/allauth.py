"""django-allauth's phone support on this app: ``PhoneAdapterMixin`` for the site's adapter.

    # accounts/adapter.py
    from allauth.account.adapter import DefaultAccountAdapter
    from django_tencent_sms.contrib.allauth import PhoneAdapterMixin

    class AccountAdapter(PhoneAdapterMixin, DefaultAccountAdapter):
        pass

    # settings.py
    ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
    ACCOUNT_LOGIN_METHODS = {"phone"}
    ACCOUNT_SIGNUP_FIELDS = ["phone*"]
    ACCOUNT_LOGIN_BY_CODE_ENABLED = True

allauth makes its codes; the mixin sends them with ``otp.send_given_code``: the template of
``TENCENT_SMS["OTP"]`` (or ``sms_template``/``sms_params``), counted against the same cooldown,
per-number and per-IP caps, number types, regions and daily budgets as this app's own codes,
the code redacted in the send log. A refusal or a failed send becomes a message on the page
allauth shows next (and allauth's "code sent" message is dropped), never an exception. Numbers
are checked in ``clean_phone`` by ``validation.normalize_phone(for_codes=True)``, so no account is
made for one that cannot receive codes, and stored as E.164 in ``OTP["USER_PHONE_FIELD"]`` with
the flag ``OTP["USER_PHONE_VERIFIED_FIELD"]``. A number with no account gets no SMS unless
``unknown_account_template`` is set. Needs the ``allauth`` extra.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from allauth.account import app_settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_tencent_sms.contrib.refusals import failure_message
from django_tencent_sms.exceptions import CodeRequestRefused, SmsError
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.otp.accounts import pause_like_a_send
from django_tencent_sms.otp.auth import PhoneCodeBackend
from django_tencent_sms.otp.conf import otp_settings
from django_tencent_sms.otp.service import new_code, send_given_code
from django_tencent_sms.validation import normalize_phone

__all__ = ["PhoneAdapterMixin"]

logger = logging.getLogger("django_tencent_sms")

#: Set on the request when a code could not be sent, so allauth's "sent" message is not shown.
NOT_SENT_ATTR = "tencent_sms_code_not_sent"
#: allauth's messages that say a code is on its way.
SENT_MESSAGES = frozenset(
    {"account/messages/login_code_sent.txt", "account/messages/phone_verification_sent.txt"}
)


class PhoneAdapterMixin:
    """Mixed in before ``DefaultAccountAdapter``: allauth's phone methods on this app."""

    #: allauth's code template: None for ``OTP["TEMPLATE"]`` (an ``SmsTemplate`` name or an ID).
    sms_template: Any = None
    #: Its parameters, ``{code}`` and ``{minutes}`` filled in: None for ``OTP["PARAMS"]``.
    sms_params: Sequence[str] | None = None
    #: The purpose allauth's codes are counted under (the cooldown is per number and purpose).
    code_purpose = "allauth"
    #: A template to text numbers that have no account when allauth asks to (enumeration
    #: prevention); None, the default, sends nothing: such texts cost money and help SMS pumping.
    unknown_account_template: Any = None
    unknown_account_params: Sequence[str] = ()

    request: HttpRequest

    # Numbers ---------------------------------------------------------------------------------

    def clean_phone(self, phone: str) -> str:
        """``phone`` as E.164, or a ``ValidationError`` unless it can receive codes."""
        phone = super().clean_phone(phone)  # type: ignore[misc]
        try:
            return normalize_phone(phone, for_codes=True).as_e164
        except ValidationError as exc:
            raise ValidationError(str(exc), code=exc.code) from None

    def get_phone(self, user: Any) -> tuple[str, bool] | None:
        value = getattr(user, self.phone_field(), None)
        if not value:
            return None
        return str(getattr(value, "as_e164", value)), bool(getattr(user, self.verified_field()))

    def set_phone(self, user: Any, phone: str, verified: bool) -> None:
        setattr(user, self.phone_field(), normalize_phone(phone).as_e164)
        setattr(user, self.verified_field(), bool(verified))
        user.save(update_fields=[self.phone_field(), self.verified_field()])

    def set_phone_verified(self, user: Any, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str) -> Any:
        """The one user with ``phone`` (by ``OTP["USER_LOOKUP"]`` or ``USER_PHONE_FIELD``)."""
        try:
            number = normalize_phone(phone)
        except (ValidationError, TypeError):
            return None
        return PhoneCodeBackend().user_finder()(number)

    def phone_field(self) -> str:
        return PhoneCodeBackend().phone_field()

    def verified_field(self) -> str:
        name = otp_settings()["USER_PHONE_VERIFIED_FIELD"]
        get_user_model()._meta.get_field(name)  # FieldDoesNotExist names the mistake
        return str(name)

    # Sending ---------------------------------------------------------------------------------

    @sensitive_variables()
    def send_verification_code_sms(self, user: Any, phone: str, code: str, **kwargs: Any) -> None:
        """Send allauth's ``code`` under this app's limits; a message on the page when not."""
        # allauth passes ``reauthentication`` only for login codes.
        ttl = (
            app_settings.LOGIN_BY_CODE_TIMEOUT
            if "reauthentication" in kwargs
            else app_settings.PHONE_VERIFICATION_TIMEOUT
        )
        try:
            send_given_code(
                phone,
                code,
                self.code_purpose,
                request=self.request,
                template=self.sms_template,
                params=self.sms_params,
                ttl=ttl,
            )
        except (CodeRequestRefused, SmsError) as exc:
            self.code_not_sent(phone, exc)

    def code_not_sent(self, phone: str, exc: Exception) -> None:
        """Tell the person why no code came, and keep allauth from saying that one did."""
        logger.info(
            "No allauth code was sent to %s: %s",
            mask_phone(phone),
            getattr(exc, "code", None) or type(exc).__name__,
        )
        setattr(self.request, NOT_SENT_ATTR, True)
        messages.error(self.request, failure_message(exc))

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        """Nothing, unless ``unknown_account_template`` is set; then that text, counted as a code
        and silent when refused (the page must look the same as for a known number). Either way
        the answer takes as long as a send: its timing does not tell that no account has it."""
        if self.unknown_account_template is None:
            pause_like_a_send()
            return
        try:
            send_given_code(
                phone,
                new_code(otp_settings()["LENGTH"]),  # in no parameter: only counted
                self.code_purpose,
                request=self.request,
                template=self.unknown_account_template,
                params=self.unknown_account_params,
            )
        except (CodeRequestRefused, SmsError) as exc:
            logger.info(
                "No unknown-account SMS was sent to %s: %s",
                mask_phone(phone),
                getattr(exc, "code", None) or type(exc).__name__,
            )

    def send_account_already_exists_sms(self, phone: str, **kwargs: Any) -> None:
        """Nothing (as allauth's default), as late as a send would answer."""
        pause_like_a_send()

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        if message_template in SENT_MESSAGES and getattr(request, NOT_SENT_ATTR, False):
            return
        super().add_message(request, level, message_template, *args, **kwargs)  # type: ignore[misc]
