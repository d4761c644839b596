"""Settings for the django-allauth tests (``tests/contrib/allauth_site/``): the suite's settings
with allauth's account app, a user model holding the number, and phone sign-up and login by code.

    DJANGO_SETTINGS_MODULE=tests.allauth_settings python -m pytest tests/contrib/allauth_site

``python3 dev.py test`` runs them so after the main suite; the main suite leaves them out.
"""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, MIDDLEWARE

INSTALLED_APPS = [*INSTALLED_APPS, "allauth", "allauth.account", "tests.allauth_users"]
MIDDLEWARE = [*MIDDLEWARE, "allauth.account.middleware.AccountMiddleware"]
AUTH_USER_MODEL = "allauth_users.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ROOT_URLCONF = "tests.allauth_urls"

ACCOUNT_ADAPTER = "tests.allauth_users.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"phone"}
ACCOUNT_SIGNUP_FIELDS = ["phone*"]
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
# As README says: a verification template's parameter holds at most 6 digits.
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
# allauth's own rate limits would refuse before ours: the tests are about ours.
ACCOUNT_RATE_LIMITS = False
