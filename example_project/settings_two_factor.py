"""The example site with django-two-factor-auth guarding the admin (``DEMO_AUTH=two_factor
python3 dev.py demo``): staff sign in with their password and a token texted to their phone
by ``TencentSmsGateway`` (or read out by a call), at ``/account/login/``.

Everything else is ``settings.py``'s (the site's own sign-in by code still works). This variant
keeps its own database, ``db-two-factor.sqlite3``; ``demo_setup`` gives the staff account a
phone device with the demo's number.
"""

import os

from example_project.settings import *  # noqa: F403
from example_project.settings import BASE_DIR, INSTALLED_APPS, MIDDLEWARE, TEMPLATES

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "two_factor.plugins.phonenumber",
]
MIDDLEWARE = [
    *MIDDLEWARE,
    "django_otp.middleware.OTPMiddleware",
    # Lets the gateway count the client's IP and show a refusal on the wizard's page.
    "django_tencent_sms.contrib.two_factor.GatewayRequestMiddleware",
]
ROOT_URLCONF = "example_project.urls_two_factor"
# templates_two_factor/ first: two_factor's pages in the site's layout, and its links on home.
TEMPLATES = [{**TEMPLATES[0], "DIRS": [BASE_DIR / "templates_two_factor", *TEMPLATES[0]["DIRS"]]}]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DATABASE", BASE_DIR / "db-two-factor.sqlite3"),
    }
}
LOGIN_URL = "two_factor:login"

TWO_FACTOR_SMS_GATEWAY = "django_tencent_sms.contrib.two_factor.TencentSmsGateway"
# settings.py turns voice codes on, so "Phone call" works too.
TWO_FACTOR_CALL_GATEWAY = "django_tencent_sms.contrib.two_factor.TencentSmsGateway"
# The verification template of settings.py's codes ("login-code"), and its parameters.
TENCENT_SMS_TWO_FACTOR = {"TEMPLATE": "login-code", "PARAMS": ["{code}", "{minutes}"]}
