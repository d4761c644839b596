"""Django settings for the benchmarks (not for the tests: see tests/settings.py).

The database comes from the environment, set by each script before ``django.setup()``:

``BENCH_DB``
    ``sqlite`` (default): a SQLite *file*, ``BENCH_SQLITE_PATH`` (default
    ``bench/.data/bench.sqlite3``). ``BENCH_SQLITE_JOURNAL``: ``default`` (Django's and SQLite's
    defaults: rollback journal, synchronous=FULL, so every commit waits for the disk twice) or
    ``wal`` (``journal_mode=WAL``, ``synchronous=NORMAL``: commits reach the OS, and the disk at
    checkpoints; the usual tuning of a site that keeps SQLite in production).
    ``postgres``: ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/bench``).
``BENCH_ADMIN_DATABASES``
    ``small_name,big_name``: two PostgreSQL databases on the server of ``BENCH_DATABASE_URL``, as
    the aliases ``default`` (small) and ``big`` (a third name: ``huge``).
    ``bench.routing.SwitchRouter`` sends every query to the alias chosen with
    ``bench.routing.use_db(alias)``, so one process can render the same admin page against
    either and alternate between them (``bench/admin_scale.py``, ``bench/dashboard_scale.py``).
``BENCH_SMS_API_URL``
    where the real backend (``TencentBackend``) posts: the emulator the script started.
``BENCH_SMS_BACKEND``
    dotted path of the backend (default ``TencentBackend``).
``BENCH_SMS_CA_BUNDLE``
    ``TENCENT_SMS["CA_BUNDLE"]``: the CA bundle the backends verify the API's certificate with
    (the bench CA of ``bench/tls.py`` behind the latency proxy); unset, what requests trusts.
``BENCH_BULK_CONCURRENCY``
    ``TENCENT_SMS["BULK_CONCURRENCY"]`` (``bench/bulk.py --concurrency``); unset, the app's default.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

BENCH_DIR = Path(__file__).resolve().parent

SECRET_KEY = "bench-only-not-secret"  # noqa: S105 - benchmarks only
DEBUG = False
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "en"
ROOT_URLCONF = "bench.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

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

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"


def postgres(url: str, name: str | None = None) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"Unsupported BENCH_DATABASE_URL scheme: {parts.scheme!r}")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name or unquote(parts.path.lstrip("/")) or "bench",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)

if os.environ.get("BENCH_ADMIN_DATABASES"):
    # A third name (bench/dashboard_scale.py) becomes the alias "huge".
    names = os.environ["BENCH_ADMIN_DATABASES"].split(",")
    DATABASES = {
        alias: postgres(DATABASE_URL, name)
        for alias, name in zip(("default", "big", "huge"), names, strict=False)
    }
    DATABASE_ROUTERS = ["bench.routing.SwitchRouter"]
elif os.environ.get("BENCH_DB", "sqlite") == "postgres":
    DATABASES = {"default": postgres(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("BENCH_SQLITE_PATH", str(BENCH_DIR / ".data" / "bench.sqlite3")),
        }
    }
    if os.environ.get("BENCH_SQLITE_JOURNAL", "default") == "wal":
        DATABASES["default"]["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        }

TENCENT_SMS = {
    "BACKEND": os.environ.get(
        "BENCH_SMS_BACKEND", "django_tencent_sms.backends.tencent.TencentBackend"
    ),
    "SDK_APP_ID": "1400000000",
    "APP_KEY": "bench-app-key",
    "API_URL": os.environ.get("BENCH_SMS_API_URL", "http://127.0.0.1:9/v5/tlssmssvr"),
    "SIGN": "腾讯云",
    "CA_BUNDLE": os.environ.get("BENCH_SMS_CA_BUNDLE") or None,
    "OTP": {
        "TEMPLATE": "bench-code",
        # A benchmark sends many codes: the per-number and per-IP limits stay on (they are part
        # of the work), each operation uses a number of its own.
    },
}

if os.environ.get("BENCH_BULK_CONCURRENCY"):  # bench/bulk.py --concurrency
    TENCENT_SMS["BULK_CONCURRENCY"] = int(os.environ["BENCH_BULK_CONCURRENCY"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"django_tencent_sms": {"level": "WARNING"}},
}
