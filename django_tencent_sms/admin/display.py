"""How log values look in the admin: status badges and result meanings, translated."""

from __future__ import annotations

from datetime import timedelta

from django.utils.html import format_html
from django.utils.translation import gettext

from django_tencent_sms.exceptions import TencentSmsError
from django_tencent_sms.models import SmsLog
from django_tencent_sms.result_codes import Category, lookup

__all__ = ["format_elapsed", "refusal", "result_meaning", "status_badge"]

STATUS_ICONS: dict[str, str] = {
    SmsLog.Status.QUEUED: "⋯",
    SmsLog.Status.SENDING: "…",
    SmsLog.Status.PENDING: "…",
    SmsLog.Status.SENT: "✓",
    SmsLog.Status.DELIVERED: "✓✓",
    SmsLog.Status.FAILED: "✗",
    SmsLog.Status.UNDELIVERED: "✗",
    SmsLog.Status.UNKNOWN: "?",
    SmsLog.Status.OPTED_OUT: "⊘",
}


def status_badge(log: SmsLog) -> str:
    """A coloured label with an icon, so the status is not told by colour alone."""
    return format_html(
        '<span class="tencent-sms-status tencent-sms-status-{}">'
        '<span aria-hidden="true">{}</span> {}</span>',
        log.status,
        STATUS_ICONS.get(log.status, ""),
        log.get_status_display(),
    )


def result_meaning(code: int) -> str:
    """What Tencent's result code means, in the active language."""
    if code == 0:
        return gettext("Accepted by Tencent")
    info = lookup(code)
    if info.category == Category.UNKNOWN:
        return gettext("A result code this version does not know")
    return gettext(info.meaning)


def refusal(error: TencentSmsError) -> tuple[str, int | str, str]:
    """Tencent's refusal as a page shows it: its meaning and its hint in the active language,
    and its code: the legacy ``result``, else the API 3.0 code (which not every API 3.0 error
    has a legacy number for)."""
    hint = gettext(error.info.hint) if error.info.hint else ""
    if error.result is not None:
        return result_meaning(error.result), error.result, hint
    return gettext(error.meaning), error.code, hint


def format_elapsed(elapsed: timedelta) -> str:
    """A short duration, to the second: ``< 1 s``, ``45 s``, ``3 min 5 s``, ``2 h 10 min``,
    ``3 d 4 h``. A negative one (the clocks of two machines) counts as none."""
    seconds = max(0, int(elapsed.total_seconds()))
    if seconds < 1:
        return gettext("< 1 s")
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return gettext("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": seconds}
    return gettext("%(seconds)d s") % {"seconds": seconds}
