"""The user of the django-allauth tests: the number in ``phone``, its flag in ``phone_verified``."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField


class User(AbstractUser):
    phone = PhoneNumberField(unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(default=False)
