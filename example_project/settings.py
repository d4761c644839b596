"""Settings of the example site.

As they stand: development against the local emulator (``python3 dev.py demo`` starts it next to
the site). The production shape is in comments below each development block: going live on
Tencent is a change of settings only.
"""

import os
from importlib.util import find_spec
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

# Development.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Production:
# SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
# DEBUG = False
# ALLOWED_HOSTS = ["www.example.com"]
# SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True  # served over HTTPS

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "phonenumber_field",
    "django_tencent_sms",
    "example_project.accounts",  # Profile: the user's phone number
    "example_project.demo",  # the staff "send a notification" page, demo_setup
]

# The code flow as Django REST framework endpoints (api/phone/…, see urls.py), when DRF is
# installed (the `drf` extra; the demo installs the test extras, which include it), and their
# OpenAPI schema at api/schema/ with drf-spectacular. Browsers sign in by session: CSRF applies.
HAS_DRF = find_spec("rest_framework") is not None
HAS_SPECTACULAR = HAS_DRF and find_spec("drf_spectacular") is not None
if HAS_DRF:
    INSTALLED_APPS.append("rest_framework")
if HAS_SPECTACULAR:
    INSTALLED_APPS.append("drf_spectacular")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    **({"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"} if HAS_SPECTACULAR else {}),
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # templates/ comes first: its django_tencent_sms/base.html puts the app's sign-in
        # pages in this site's layout.
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "example_project.context_processors.sandbox",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DATABASE", BASE_DIR / "db.sqlite3"),
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# The site's own strings (its templates and views); the app brings its own catalog.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Signing in: by phone and code on the site, by username and password in the admin (which
# keeps its own login page).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "django_tencent_sms.otp.auth.PhoneCodeBackend",
]
LOGIN_URL = "tencent_sms:request-code"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Verification codes: the same in development and production.
OTP = {
    "TEMPLATE": "login-code",  # an SmsTemplate of type "verification code" (demo_setup adds it)
    "PARAMS": ["{code}", "{minutes}"],  # its text: 您的验证码为{1}，{2}分钟内有效。
    # Where "No account can be found" leads: this site's sign-up page (a URL name or a path).
    "SIGNUP_URL": "signup",
    # Who signs in with a number: a function of this site, since auth.User has no phone field.
    "USER_LOOKUP": "example_project.accounts.lookups.user_for_phone",
    # The defaults, written out to be tuned: 6 digits, valid 5 minutes, a new code after 60 s,
    # at most 5 codes per number and 20 per client address per hour.
    "LENGTH": 6,
    "TTL": 300,
    "RESEND_INTERVAL": 60,
    "PHONE_HOURLY_LIMIT": 5,
    "IP_HOURLY_LIMIT": 20,
    # "Call me instead": the code read out by a phone call (mainland China numbers only; Tencent
    # allows 3 calls per number a day). The emulator's inbox shows each call.
    "VOICE": True,
    # Production: a ceiling on the bill, and the client's address when behind a proxy.
    # "DAILY_LIMIT": 1000,
    # "CLIENT_IP": "mysite.proxy.client_ip",  # function(request) -> the client's IP
}

# Development: the real backend, talking to the local emulator with its development
# credentials. Read what was "sent" in the emulator's inbox (linked from every page).
SANDBOX_PORT = os.environ.get("SANDBOX_PORT", "8765")
SANDBOX_URL = f"http://127.0.0.1:{SANDBOX_PORT}"
TENCENT_SMS = {
    "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
    "SDK_APP_ID": "1400000000",
    "APP_KEY": "sandbox-app-key",
    "API_URL": f"{SANDBOX_URL}/v5/tlssmssvr",
    "VOICE_API_URL": f"{SANDBOX_URL}/v5/tlsvoicesvr",
    "SIGN": "腾讯云",
    "OTP": OTP,
    # The secret in the delivery-report and reply callback URLs (sms/callbacks/…); the emulator
    # pushes to them (dev.py demo). Production: from the environment, secrets.token_urlsafe(32).
    "CALLBACK_TOKEN": os.environ.get("TENCENT_SMS_CALLBACK_TOKEN", "demo-only-callback-token"),
}
# Production: the same backend, the credentials of your SMS application from the environment,
# and no API_URL: the default is Tencent's, over HTTPS. Register your approved templates (with
# Tencent's template IDs) in the admin under the names the code uses, e.g. "login-code".
# TENCENT_SMS = {
#     "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
#     "SDK_APP_ID": os.environ["TENCENT_SMS_SDK_APP_ID"],
#     "APP_KEY": os.environ["TENCENT_SMS_APP_KEY"],
#     "SIGN": "你的签名",  # your approved signature, without 【】
#     "OTP": OTP,
# }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_tencent_sms": {"handlers": ["console"], "level": "INFO"}},
}
