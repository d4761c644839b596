from django.contrib.auth.models import AbstractUser
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField


class User(AbstractUser):
    """A user whose number lives on the user: ``OTP["USER_PHONE_FIELD"]`` (``phone``) and
    ``OTP["USER_PHONE_VERIFIED_FIELD"]`` (``phone_verified``), as PhoneAdapterMixin expects."""

    phone = PhoneNumberField(unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(default=False)
