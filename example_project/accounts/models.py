from django.conf import settings
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField


class Profile(models.Model):
    """A user's mobile number, next to Django's own ``auth.User``: how a site that already has
    users adds phone sign-in without changing its user model."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    phone = PhoneNumberField(unique=True)

    def __str__(self):
        return f"{self.user} ({self.phone.as_international})"
