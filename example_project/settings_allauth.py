"""The example site with django-allauth doing sign-up and sign-in (``DEMO_AUTH=allauth python3
dev.py demo``): phone sign-up and login by code, the codes sent by PhoneAdapterMixin.

Everything else is ``settings.py``'s. The users are ``phone_users.User`` (the number on the
user), so this variant keeps its own database, ``db-allauth.sqlite3``.
"""

import os

from example_project.settings import *  # noqa: F403
from example_project.settings import BASE_DIR, INSTALLED_APPS, MIDDLEWARE, OTP, TEMPLATES

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "allauth",
    "allauth.account",
    "example_project.phone_users",
]
MIDDLEWARE = [*MIDDLEWARE, "allauth.account.middleware.AccountMiddleware"]
AUTH_USER_MODEL = "phone_users.User"
ROOT_URLCONF = "example_project.urls_allauth"
# templates_allauth/ first: the header's links point at allauth's pages, and allauth's pages
# use the site's layout.
TEMPLATES = [{**TEMPLATES[0], "DIRS": [BASE_DIR / "templates_allauth", *TEMPLATES[0]["DIRS"]]}]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DATABASE", BASE_DIR / "db-allauth.sqlite3"),
    }
}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",  # the admin: username and password
    "allauth.account.auth_backends.AuthenticationBackend",  # the site: phone and code
]
LOGIN_URL = "account_request_login_code"

ACCOUNT_ADAPTER = "example_project.phone_users.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"phone"}
ACCOUNT_SIGNUP_FIELDS = ["phone*"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
# Six digits, like the app's own codes and the verification template's text, rather than
# allauth's default of letters in two dashed groups.
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}

# The number is found on the user model, not by settings.py's Profile lookup.
OTP = {**OTP, "USER_LOOKUP": None, "USER_PHONE_FIELD": "phone", "SIGNUP_URL": "account_signup"}
TENCENT_SMS = {**TENCENT_SMS, "OTP": OTP}  # noqa: F405
