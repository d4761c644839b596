"""``TencentSmsGateway``: two_factor's phone tokens sent as this app's verification codes.

Each token goes through ``otp.send_given_code``: the number checked (mobile numbers only, the
allowed regions), the request counted against the cooldown, the per-number and per-IP caps and
the daily budgets, a send log row written with the token redacted, only its HMAC stored. A
refusal or a failed send does not reach two_factor's login wizard as an exception (there it
would be a server error): it is logged and shown to the person as a message on the page.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from django.contrib import messages
from django.contrib.messages.api import MessageFailure
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_tencent_sms.contrib.refusals import failure_message
from django_tencent_sms.contrib.two_factor.conf import TOKEN_TTL, two_factor_settings
from django_tencent_sms.contrib.two_factor.middleware import current_request
from django_tencent_sms.exceptions import CodeRequestRefused, SmsError
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.otp.conf import otp_settings
from django_tencent_sms.otp.service import send_given_code
from django_tencent_sms.otp.voice import SMS, VOICE, voice_problem

__all__ = ["CodeNotSent", "TencentSmsGateway"]

logger = logging.getLogger("django_tencent_sms")


class CodeNotSent(Exception):
    """Raised only inside two_factor's setup wizard, which catches it and says on the page that
    the method did not work (the reason is the message next to it); its text is the reason's
    code, for the wizard's log line: never the token, nor the number."""


class TencentSmsGateway:
    """For ``TWO_FACTOR_SMS_GATEWAY`` and ``TWO_FACTOR_CALL_GATEWAY``.

    ``send_sms`` texts the token with ``TENCENT_SMS_TWO_FACTOR["TEMPLATE"]`` (else
    ``OTP["TEMPLATE"]``); ``make_call`` has Tencent call the number and read it out, when voice
    codes are configured (``OTP["VOICE"]``), and tells the person otherwise.
    """

    @sensitive_variables("token")
    def send_sms(self, device: Any, token: str) -> None:
        self._send(device, token, SMS)

    @sensitive_variables("token")
    def make_call(self, device: Any, token: str) -> None:
        problem = voice_problem(otp_settings())
        if problem is not None:
            # For the operator; the person is told below (send_given_code refuses the call).
            logger.warning("two_factor asked for a voice call, which cannot be placed: %s", problem)
        self._send(device, token, VOICE)

    @sensitive_variables("token")
    def _send(self, device: Any, token: str, channel: str) -> None:
        conf = two_factor_settings()
        request = current_request()
        try:
            send_given_code(
                device.number,
                str(token),
                conf["PURPOSE"],
                request=request,
                template=conf["TEMPLATE"],
                params=conf["PARAMS"],
                ttl=TOKEN_TTL,
                channel=channel,
            )
        except (CodeRequestRefused, SmsError) as exc:
            self.not_sent(request, device, exc)

    def not_sent(self, request: HttpRequest | None, device: Any, exc: Exception) -> None:
        """Log why, and tell the person: a message on the page (and, in the setup wizard, the
        wizard's own "this method did not work")."""
        reason = getattr(exc, "code", None) or type(exc).__name__
        logger.info("No two_factor token was sent to %s: %s", mask_phone(device.number), reason)
        text = failure_message(exc)
        if request is None:
            return
        # Without MessageMiddleware, the log line above is all there is.
        with contextlib.suppress(MessageFailure):
            messages.error(request, text)
        if in_setup_wizard(request):
            # The wizard logs it with its traceback: the reason's code only (no number), and
            # not the refusal it replaces (whose text may hold the number).
            raise CodeNotSent(f"The token was not sent: {reason}.") from None


def in_setup_wizard(request: HttpRequest) -> bool:
    """Whether ``request`` is for two_factor's setup wizard, the one view that catches a
    gateway's exception (and shows its own warning); every other view would answer 500."""
    view = getattr(getattr(request, "resolver_match", None), "func", None)
    view_class = getattr(view, "view_class", None)
    if not isinstance(view_class, type):
        return False
    from two_factor.views.core import SetupView  # the gateway is used only with two_factor

    return issubclass(view_class, SetupView)
