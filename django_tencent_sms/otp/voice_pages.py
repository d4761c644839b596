"""The "call me instead" part of the shipped pages: which channel a page asks for, and the
verify page's button that has the code read out by a phone call.

The request page's second button posts ``channel=voice``; the verify page's button posts
``call`` to the verify page itself, which calls the number this session asked a code for (so
the page never carries the full number). Both go through ``RequestCodeForm.send``: the same
cooldown, caps and messages as an SMS code.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.otp.conf import otp_settings
from django_tencent_sms.otp.forms import RequestCodeForm
from django_tencent_sms.otp.session import pending_phone, remember_code_request
from django_tencent_sms.otp.voice import CHANNEL_MESSAGE, CHANNELS, VOICE, voice_available

__all__ = ["CALLING_MESSAGE", "call_instead", "page_channel", "voice_offered"]

CALLING_MESSAGE = _("We are calling your phone now: answer it to hear your code.")


def voice_offered() -> bool:
    """Whether the pages show "call me instead": voice codes on and able to go out."""
    try:
        return voice_available(otp_settings())
    except Exception:  # a bad setting is the system checks' to report, not the page's to fail
        return False


def page_channel(request: HttpRequest, form: RequestCodeForm) -> str | None:
    """The channel the request page's POST names (``"sms"`` when none); ``None``, with the
    error on ``form``, for any other value."""
    channel = request.POST.get("channel", "sms")
    if channel in CHANNELS:
        return channel
    form.add_error(None, ValidationError(CHANNEL_MESSAGE, code="invalid_channel"))
    return None


def call_instead(request: HttpRequest, purpose: str, back_to: str) -> HttpResponse:
    """The verify page's "call me instead": call the number of this session's code request
    for ``purpose``, then go ``back_to`` the page with what came of it as a message."""
    phone = pending_phone(request, purpose)
    if not phone:
        messages.error(request, _("Ask for a code first."), fail_silently=True)
        return HttpResponseRedirect(back_to)
    form = RequestCodeForm(data={"phone": phone})
    if form.send(request, purpose, VOICE) or form.delivery_unknown:
        remember_code_request(request, purpose, form.cleaned_data["phone"], form.retry_after)
        messages.success(request, CALLING_MESSAGE, fail_silently=True)
    else:
        errors: Any = form.errors.as_data()
        first = next(iter(errors.values()))[0] if errors else None
        text = next(iter(first)) if first is not None else _("The call could not be placed.")
        messages.error(request, text, fail_silently=True)
    return HttpResponseRedirect(back_to)
