"""Resending from the admin: confirmed once, one message per outcome, never a traceback."""

from __future__ import annotations

import hmac
import secrets

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from django_tencent_sms.account.optouts import opted_out_among
from django_tencent_sms.admin.display import refusal, status_badge
from django_tencent_sms.admin.phones import phone_for, timestamp
from django_tencent_sms.exceptions import (
    ConfigurationError,
    InvalidMessage,
    SmsError,
    TencentSmsError,
)
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.sending.api import resend
from django_tencent_sms.sending.content import REDACTED, is_verification

__all__ = ["MAX_RESEND", "confirmation", "resend_and_report", "resend_blocker", "take_token"]

#: Each send runs inside the admin request and can take seconds when Tencent is slow: a bigger
#: batch belongs in code (``sending.api.resend``), not in one click.
MAX_RESEND = 20

#: Session key of the one-time token of the confirmation page on screen.
CONFIRMATION_SESSION_KEY = "tencent_sms_resend_token"
CONFIRMATION_FIELD = "resend_token"

#: ``InvalidMessage`` codes of messages the confirmation page already said it would skip.
EXPECTED_SKIPS = frozenset({"verification_code", "secret_params", "opted_out"})


def resend_blocker(log: SmsLog) -> str | None:
    """Why ``log`` can never be resent (a verification code, secret parameters), or None.

    The log's page offers no resend for such a message: its confirmation could only say no.
    """
    if is_verification(log):
        return gettext("Verification code: will not be resent. The person must request a new code.")
    if REDACTED in log.params:
        return gettext("It had secret parameters, which were not stored: it cannot be resent.")
    return None


def confirmation(model_admin, request, logs, *, action: bool) -> TemplateResponse:
    """The page listing what will be sent again, with a fresh one-time token."""
    verification_ids = set(
        SmsTemplate.objects.filter(type=SmsTemplate.Type.VERIFICATION).values_list(
            "tpl_id", flat=True
        )
    )
    rows = [
        {
            "log": log,
            "phone": phone_for(request, log.phone),
            "created": timestamp(log.created_at),
            "template": log.template.name if log.template is not None else f"#{log.tpl_id}",
            "status": status_badge(log),
            "verification": REDACTED in log.params
            or (log.template.type if log.template is not None else None)
            == SmsTemplate.Type.VERIFICATION
            or (log.template is None and log.tpl_id in verification_ids),
            "unknown": log.status in (SmsLog.Status.UNKNOWN, SmsLog.Status.PENDING),
        }
        for log in logs
    ]
    # Marketing messages to numbers on the opt-out list: resending them is refused.
    for row in rows:
        template = row["log"].template
        row["marketing"] = template is not None and template.type == SmsTemplate.Type.MARKETING
    listed = opted_out_among(row["log"].phone for row in rows if row["marketing"])
    for row in rows:
        phone = row["log"].phone
        row["opted_out"] = row["marketing"] and (getattr(phone, "as_e164", None) or phone) in listed
    token = secrets.token_urlsafe(16)
    request.session[CONFIRMATION_SESSION_KEY] = token
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Resend SMS messages?"),
        "opts": model_admin.opts,
        "rows": rows,
        "sendable": sum(1 for row in rows if not (row["verification"] or row["opted_out"])),
        "action": action,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "original": logs[0] if not action else None,
        "token": token,
        "token_field": CONFIRMATION_FIELD,
    }
    return TemplateResponse(request, "admin/tencent_sms/smslog/resend_confirmation.html", context)


def take_token(model_admin, request) -> bool:
    """Whether the POST carries the token of the confirmation page, which it uses up.

    A double click, a browser resubmission or a second tab cannot send the messages twice.
    """
    expected = request.session.pop(CONFIRMATION_SESSION_KEY, None)
    given = request.POST.get(CONFIRMATION_FIELD, "")
    if expected and hmac.compare_digest(str(expected), given):
        return True
    model_admin.message_user(
        request,
        gettext("This resend was already submitted, or its page expired: nothing was sent."),
        level=messages.WARNING,
    )
    return False


def resend_and_report(model_admin, request, logs) -> list[SmsLog]:
    """Resend each log through ``send_sms``'s path and report every outcome as an admin message.

    Returns the new log rows, sent or not. Refusals (bad input, a verification code, Tencent's
    answer, the network) become messages; only a bug raises.
    """
    created = []
    for log in logs:
        values = {"id": log.pk, "phone": phone_for(request, log.phone)}
        try:
            new = resend(log, user=request.user)
        except InvalidMessage as exc:
            # The number check's message holds the whole number: not for this page.
            reason = (
                gettext("the number cannot receive SMS")
                if exc.code == "invalid_phone"
                else " ".join(exc.messages)
            )
            if exc.code in EXPECTED_SKIPS:  # as the confirmation said: information, no error
                level = messages.INFO
                text = gettext("SMS #%(id)s to %(phone)s was skipped: %(reason)s")
            else:
                level = messages.ERROR
                text = gettext("SMS #%(id)s to %(phone)s was not resent: %(reason)s")
            text %= {**values, "reason": reason}
        except TencentSmsError as exc:
            created += [exc.log] if exc.log is not None else []
            meaning, result, hint = refusal(exc)
            if exc.outcome_unknown:  # an answer, but the SMS may still arrive
                level = messages.WARNING
                text = gettext(
                    "SMS #%(id)s to %(phone)s was resent as #%(new)s, but Tencent failed "
                    "mid-way: %(meaning)s (result %(result)s). It may have reached the person, "
                    "so it will not be tried again automatically."
                )
            else:
                level = messages.ERROR
                text = gettext(
                    "SMS #%(id)s to %(phone)s was resent as #%(new)s, but Tencent refused it: "
                    "%(meaning)s (result %(result)s)."
                )
            text %= {
                **values,
                "new": exc.log.pk if exc.log else "?",
                "meaning": meaning,
                "result": result,
            }
            if hint and not exc.outcome_unknown:
                text += " " + hint
        except SmsError as exc:
            attempt = exc.log
            created += [attempt] if attempt is not None else []
            if attempt is not None and attempt.status == SmsLog.Status.UNKNOWN:
                level = messages.WARNING
                text = gettext(
                    "SMS #%(id)s to %(phone)s was resent as #%(new)s, but no answer came back "
                    "(%(reason)s): it may have reached the person, so it will not be tried "
                    "again automatically."
                )
            else:
                level = messages.ERROR
                text = gettext(
                    "SMS #%(id)s to %(phone)s was resent as #%(new)s, but it could not reach "
                    "Tencent: %(reason)s"
                )
            text %= {**values, "new": attempt.pk if attempt else "?", "reason": exc}
        except ConfigurationError as exc:
            level = messages.ERROR
            text = gettext(
                "SMS #%(id)s was not resent: the SMS settings are incomplete (%(reason)s)."
            ) % {**values, "reason": exc}
        else:
            created.append(new)
            level = messages.SUCCESS
            text = gettext(
                "SMS #%(id)s to %(phone)s was resent as #%(new)s (sid %(sid)s, fee %(fee)s)."
            ) % {**values, "new": new.pk, "sid": new.sid or "—", "fee": new.fee}
        model_admin.message_user(request, text, level=level)
    return created
