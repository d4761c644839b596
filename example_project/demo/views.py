from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from django_tencent_sms import send_sms
from django_tencent_sms.exceptions import InvalidMessage, SmsError, TencentSmsError

from .forms import NotificationForm

#: The demo's icon: a speech bubble. The site's own pages name an inline icon; this answers the
#: browsers' /favicon.ico of pages that name none (the admin's), so no 404 follows every page.
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<path fill="#0052d9" d="M2 2h12a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H7l-3 3v-3H2a1 1 0 0 1-1-1V3'
    'a1 1 0 0 1 1-1z"/></svg>'
)


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    return HttpResponse(FAVICON, content_type="image/svg+xml")


@staff_member_required
def send_notification(request):
    """Staff send a templated notification; every outcome is shown the way a site would."""
    form = NotificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            log = send_sms(
                form.cleaned_data["phone"], form.cleaned_data["template"], form.cleaned_params()
            )
        except InvalidMessage as exc:
            form.add_error(None, exc)
        except TencentSmsError as exc:
            refusal = {"result": exc.result, "meaning": exc.meaning}
            if exc.user_facing:
                text = _(
                    "Tencent refused it (%(result)s: %(meaning)s). Please check the number or wait."
                )
            else:
                refusal["hint"] = exc.hint or _("see the send log.")
                text = _("Tencent refused it (%(result)s: %(meaning)s). Operator: %(hint)s")
            messages.error(request, text % refusal)
            return redirect("send")
        except SmsError as exc:
            messages.warning(
                request,
                _("%(error)s (log #%(log)s, status %(status)s)")
                % {"error": exc, "log": exc.log.pk, "status": exc.log.get_status_display()},
            )
            return redirect("send")
        else:
            messages.success(
                request,
                _("Sent: sid %(sid)s, fee %(fee)s (log #%(log)s).")
                % {"sid": log.sid, "fee": log.fee, "log": log.pk},
            )
            return redirect("send")
    return render(request, "demo/send.html", {"form": form})
