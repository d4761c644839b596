from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from django_tencent_sms.models import SmsTemplate


class NotificationForm(forms.Form):
    phone = PhoneNumberField(
        region="CN", label=_("Phone number"), help_text=_("+86 137 1111 2222 or 13711112222")
    )
    template = forms.ModelChoiceField(
        SmsTemplate.objects.filter(is_active=True), label=_("Template")
    )
    params = forms.CharField(
        required=False,
        help_text=_("Template parameters, separated by commas."),
        label=_("Parameters"),
    )

    def cleaned_params(self) -> list[str]:
        raw = self.cleaned_data.get("params") or ""
        return [p.strip() for p in raw.split(",")] if raw.strip() else []
