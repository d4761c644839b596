"""Settings of the demo site. Development defaults; the production shape is shown in comments."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "phonenumber_field",
    "django_tencent_sms",
    "example_project.demo",
]

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
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
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
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "admin:login"

# The demo talks to the local emulator started next to it (`python3 dev.py demo`), with the
# emulator's development credentials.
SANDBOX_PORT = os.environ.get("SANDBOX_PORT", "8765")
TENCENT_SMS = {
    "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
    "SDK_APP_ID": "1400000000",
    "APP_KEY": "sandbox-app-key",
    "API_URL": f"http://127.0.0.1:{SANDBOX_PORT}/v5/tlssmssvr",
    "SIGN": "腾讯云",
}

# Production: the same backend, credentials from the environment, Tencent's default API_URL.
# TENCENT_SMS = {
#     "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
#     "SDK_APP_ID": os.environ["TENCENT_SMS_SDK_APP_ID"],
#     "APP_KEY": os.environ["TENCENT_SMS_APP_KEY"],
#     "SIGN": "你的签名",
# }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_tencent_sms": {"handlers": ["console"], "level": "INFO"}},
}
