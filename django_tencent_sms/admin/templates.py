"""SMS templates in the admin, with a page to send a test message through the real path."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from django_tencent_sms.admin.catalog import CatalogSyncAdmin
from django_tencent_sms.admin.display import refusal, status_badge
from django_tencent_sms.admin.routes import admin_path
from django_tencent_sms.exceptions import (
    ConfigurationError,
    InvalidMessage,
    SmsError,
    TencentSmsError,
)
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.models import MAX_CONTENT_LENGTH, SmsLog, SmsTemplate
from django_tencent_sms.sending.api import send_sms

__all__ = ["SmsTemplateAdmin", "TestMessageForm"]

#: ``InvalidMessage`` codes that belong to the phone field of the test form.
PHONE_CODES = frozenset({"invalid_phone"})


class SmsTemplateForm(forms.ModelForm):
    class Meta:
        model = SmsTemplate
        fields = ["name", "tpl_id", "text", "sign", "type", "is_active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4, "maxlength": MAX_CONTENT_LENGTH})}


class TestMessageForm(forms.Form):
    """A phone number and one field per placeholder of the template."""

    phone = forms.CharField(
        label=pgettext_lazy("SMS", "Phone number"),
        max_length=32,
        help_text=_(
            "With its country code (+86 138 0013 8000), or a number of the default region."
        ),
    )

    def __init__(self, *args, template: SmsTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        for n in range(1, template.param_count + 1):
            self.fields[f"param_{n}"] = forms.CharField(
                label=f"{{{n}}}", max_length=64, required=True
            )

    @property
    def params(self) -> list[str]:
        return [self.cleaned_data[f"param_{n}"] for n in range(1, self.template.param_count + 1)]

    @property
    def param_fields(self):
        return [self[name] for name in self.fields if name.startswith("param_")]


class SmsTemplateAdmin(CatalogSyncAdmin, admin.ModelAdmin):
    form = SmsTemplateForm
    list_display = [
        "name",
        "tpl_id",
        "type",
        "sign",
        "parameter_count",
        "is_active",
        "status",
        "updated_at",
    ]
    list_filter = ["type", "is_active", "status"]
    empty_value_display = "—"  # as on every list of the app
    search_fields = ["name", "text", "=tpl_id"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "status",
        "review_reply",
        "international",
        "synced_at",
    ]
    change_form_template = "admin/tencent_sms/smstemplate/change_form.html"
    change_list_template = "admin/tencent_sms/smstemplate/change_list.html"

    class Media:
        css = {"all": ["tencent_sms/admin.css"]}

    @admin.display(description=_("parameters"))
    def parameter_count(self, template):
        return template.param_count

    def has_send_test_permission(self, request, obj=None):
        return request.user.has_perm(f"{self.opts.app_label}.send_test_sms")

    def get_urls(self):
        return [
            admin_path(self, "<path:object_id>/send-test/", self.send_test_view, "send_test"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, **kwargs):
        context["has_send_test_permission"] = self.has_send_test_permission(request)
        return super().render_change_form(request, context, *args, **kwargs)

    def send_test_view(self, request, object_id):
        """Send the template to a number a staff member types, and show what happened."""
        if not (self.has_view_permission(request) and self.has_send_test_permission(request)):
            raise PermissionDenied
        template = self.get_object(request, object_id)
        if template is None:
            raise Http404
        outcome = None
        if request.method == "POST":
            form = TestMessageForm(request.POST, template=template)
            if form.is_valid():
                outcome = self._send_test(form)
                if outcome is not None:
                    # Who sent what, in the template's history (the number stays masked).
                    self.log_change(
                        request,
                        template,
                        f"Sent a test message to {mask_phone(outcome['log'].phone)} "
                        f"(SMS log #{outcome['log'].pk}, {outcome['log'].status}).",
                    )
        else:
            form = TestMessageForm(template=template)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Send a test message with “%(name)s”") % {"name": template.name},
            "opts": self.opts,
            "original": template,
            "form": form,
            "outcome": outcome,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/tencent_sms/smstemplate/send_test.html", context)

    def _send_test(self, form: TestMessageForm) -> dict | None:
        """Send; put input errors on the form, return what the page shows about the outcome."""
        reason = hint = ""
        log: SmsLog | None
        try:
            log = send_sms(form.cleaned_data["phone"], form.template, form.params)
        except InvalidMessage as exc:
            form.add_error("phone" if exc.code in PHONE_CODES else None, exc)
            return None
        except ConfigurationError as exc:
            form.add_error(
                None, gettext("The SMS settings are incomplete: %(reason)s") % {"reason": exc}
            )
            return None
        except TencentSmsError as exc:
            log = exc.log
            meaning, code, hint = refusal(exc)
            reason = gettext("%(meaning)s (result %(code)s)") % {"meaning": meaning, "code": code}
        except SmsError as exc:
            log, reason = exc.log, str(exc)
        if log is None:  # refused before its log row was written: nothing to link to
            form.add_error(None, reason)
            return None
        return {
            "log": log,
            "ok": not reason,
            "status": status_badge(log),
            "url": reverse("admin:tencent_sms_smslog_change", args=[log.pk]),
            "reason": reason,
            "hint": hint,
        }
