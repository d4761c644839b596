"""Settings for the test suite.

``DATABASE_URL`` selects the database (``postgres://user@host:port/name`` or
``mysql://user@host:port/name`` for MariaDB or MySQL); without it the suite runs on SQLite in
memory.
"""

import os
from importlib.util import find_spec
from urllib.parse import unquote, urlsplit

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "phonenumber_field",
    "django_tencent_sms",
]

# Background sending (tests/test_background.py), with the packages of the `test` extra: on
# Django 5.2 the django-tasks backport (Django 6 has django.tasks), and the database task
# backend whose db_worker the tests run. The default TASKS stays Django's immediate backend.
if find_spec("django.tasks") is None and find_spec("django_tasks") is not None:
    INSTALLED_APPS.append("django_tasks")
if find_spec("django_tasks_db") is not None:
    INSTALLED_APPS.append("django_tasks_db")

# The DRF integration (tests/contrib/), with the packages of the `test` extra.
if find_spec("rest_framework") is not None:
    INSTALLED_APPS += ["rest_framework", "rest_framework.authtoken"]
if find_spec("drf_spectacular") is not None:
    INSTALLED_APPS.append("drf_spectacular")
    # As drf-spectacular asks, for every view: its annotations build on this when imported.
    REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

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


def database_from_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        engine, options, test = "django.db.backends.postgresql", {}, {}
    elif parts.scheme in ("mysql", "mariadb"):
        engine = "django.db.backends.mysql"
        # The app stores Chinese text (and users' emoji): utf8mb4 on the connection and for the
        # test database, whatever the server's defaults are.
        options = {"charset": "utf8mb4"}
        test = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    else:
        raise ValueError(f"Unsupported DATABASE_URL scheme: {parts.scheme!r}")
    return {
        "ENGINE": engine,
        "NAME": unquote(parts.path.lstrip("/")) or "test",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "TEST": test,
    }


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The suite never reaches Tencent: by default messages stay in memory; tests that cross HTTP
# use the `sms_sandbox` fixture, which points the real backend at the local emulator.
TENCENT_SMS = {
    "BACKEND": "django_tencent_sms.backends.locmem.LocmemBackend",
    "SIGN": "腾讯云",
    # tests/urls.py mounts the delivery-report callbacks; without a token they refuse all (W030).
    "CALLBACK_TOKEN": "tests-only-callback-token",
}
