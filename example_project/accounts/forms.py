from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Profile


class SignupForm(forms.ModelForm):
    """The last step of signing up: a username for the number the person just verified."""

    class Meta:
        model = get_user_model()
        fields = ["username"]

    def __init__(self, *args, phone, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone = phone

    def clean(self):
        # Checked only now, after the code: before, anyone could probe which numbers have
        # accounts; here only the number's owner learns it.
        if Profile.objects.filter(phone=self.phone).exists():
            raise ValidationError(
                _("This number already belongs to an account: sign in with it instead."),
                code="phone_taken",
            )
        return super().clean()

    @transaction.atomic
    def save(self):
        user = super().save(commit=False)
        user.set_unusable_password()  # signs in with codes only
        user.save()
        Profile.objects.create(user=user, phone=self.phone)
        return user
