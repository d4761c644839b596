"""Settings for the django-two-factor-auth tests (``tests/contrib/two_factor_site/``): the
suite's settings with two_factor, django-otp and the phone plugin, the gateway for texts and
calls, and its middleware.

    DJANGO_SETTINGS_MODULE=tests.two_factor_settings python -m pytest tests/contrib/two_factor_site

``python3 dev.py test`` runs them so after the main suite; the main suite leaves them out.
"""

from pathlib import Path

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, MIDDLEWARE, TEMPLATES

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
    "django_tencent_sms.contrib.two_factor.GatewayRequestMiddleware",
]
# two_factor/_base.html, which shows the page's messages.
TEMPLATES = [
    {**TEMPLATES[0], "DIRS": [Path(__file__).parent / "contrib" / "two_factor_site" / "templates"]}
]
ROOT_URLCONF = "tests.two_factor_urls"
LOGIN_URL = "two_factor:login"

TWO_FACTOR_SMS_GATEWAY = "django_tencent_sms.contrib.two_factor.TencentSmsGateway"
TWO_FACTOR_CALL_GATEWAY = "django_tencent_sms.contrib.two_factor.TencentSmsGateway"
TENCENT_SMS_TWO_FACTOR = {"TEMPLATE": "login-code"}
