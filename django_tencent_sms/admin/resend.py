"""Resending from the admin: one message per outcome, never a traceback for a refused send."""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext

from ..exceptions import (
    ConfigurationError,
    InvalidMessage,
    SmsError,
    TencentSmsError,
)
from ..masking import mask_phone
from ..sending import resend
from .display import result_meaning

__all__ = ["MAX_RESEND", "resend_and_report"]

#: A person confirms each resend; a bigger batch belongs in code, not in a click.
MAX_RESEND = 100


def resend_and_report(model_admin, request, logs):
    """Resend each log through ``send_sms``'s path and report every outcome as an admin message.

    Returns the new logs that were sent. Refusals (bad input, a verification code, Tencent's
    answer, the network) become messages; only a bug raises.
    """
    sent = []
    for log in logs:
        values = {"id": log.pk, "phone": mask_phone(log.phone)}
        try:
            new = resend(log, user=request.user)
        except InvalidMessage as exc:
            level = messages.ERROR
            text = gettext("SMS #%(id)s to %(phone)s was not resent: %(reason)s") % {
                **values,
                "reason": " ".join(exc.messages),
            }
        except TencentSmsError as exc:
            level = messages.ERROR
            text = gettext(
                "SMS #%(id)s to %(phone)s was resent as #%(new)s, but Tencent refused it: "
                "%(meaning)s (result %(result)s)."
            ) % {
                **values,
                "new": exc.log.pk if exc.log else "?",
                "meaning": result_meaning(exc.result),
                "result": exc.result,
            }
            if exc.info.hint:
                text += " " + gettext(exc.info.hint)
        except SmsError as exc:
            new = exc.log
            if new is not None and new.status == new.Status.UNKNOWN:
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
            text %= {**values, "new": new.pk if new else "?", "reason": exc}
        except ConfigurationError as exc:
            level = messages.ERROR
            text = gettext(
                "SMS #%(id)s was not resent: the SMS settings are incomplete (%(reason)s)."
            ) % {
                **values,
                "reason": exc,
            }
        else:
            sent.append(new)
            level = messages.SUCCESS
            text = gettext(
                "SMS #%(id)s to %(phone)s was resent as #%(new)s (sid %(sid)s, fee %(fee)s)."
            ) % {**values, "new": new.pk, "sid": new.sid or "—", "fee": new.fee}
        model_admin.message_user(request, text, level=level)
    return sent
