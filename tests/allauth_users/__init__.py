"""A user model with a phone number, for the django-allauth tests (tests.allauth_settings)."""
