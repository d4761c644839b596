from django import forms
from phonenumber_field.formfields import PhoneNumberField

from django_tencent_sms.models import SmsTemplate


class NotificationForm(forms.Form):
    phone = PhoneNumberField(region="CN", help_text="+86 137 1111 2222 or 13711112222")
    template = forms.ModelChoiceField(SmsTemplate.objects.filter(is_active=True))
    params = forms.CharField(
        required=False, help_text="Template parameters, separated by commas.", label="Parameters"
    )

    def cleaned_params(self) -> list[str]:
        raw = self.cleaned_data.get("params") or ""
        return [p.strip() for p in raw.split(",")] if raw.strip() else []
