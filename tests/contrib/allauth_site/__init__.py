"""PhoneAdapterMixin on a site with django-allauth: run under tests.allauth_settings."""
