"""DRF stays optional: the app, every module outside ``contrib.rest_framework``, its checks and
its URLs work in a process where ``rest_framework`` cannot be imported."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SCRIPT = textwrap.dedent(
    """
    import importlib, pkgutil, sys

    class NoDRF:
        # Any import of DRF, or of a package built on it, fails as if it were not installed.
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"rest_framework", "drf_spectacular",
                                      "rest_framework_simplejwt"}:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoDRF())

    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="x" * 50,
        INSTALLED_APPS=[
            "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
            "django.contrib.sessions", "django.contrib.messages", "phonenumber_field",
            "django_tencent_sms",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        ROOT_URLCONF="django_tencent_sms.otp.urls",
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        TEMPLATES=[{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.request",
            ]},
        }],
        TENCENT_SMS={"BACKEND": "django_tencent_sms.backends.locmem.LocmemBackend"},
    )
    django.setup()

    import django_tencent_sms
    skipped = []
    for info in pkgutil.walk_packages(django_tencent_sms.__path__, "django_tencent_sms."):
        if info.name.startswith("django_tencent_sms.contrib.rest_framework"):
            continue
        try:
            importlib.import_module(info.name)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.split(".")[0] in {"rest_framework", "drf_spectacular"}:
                raise SystemExit(f"{info.name} imports {exc.name}")
            skipped.append((info.name, exc.name))  # another optional package (pytest, ...)

    from django.core.management import call_command
    from django.urls import reverse
    call_command("check", verbosity=0)
    reverse("api-request-code")  # the app_name applies only when included
    try:
        importlib.import_module("django_tencent_sms.contrib.rest_framework.views")
    except ModuleNotFoundError as exc:
        assert exc.name == "rest_framework", exc.name
    else:
        raise SystemExit("the blocker did not block")
    assert not [m for m in sys.modules if m.split(".")[0] == "rest_framework"]
    print("imported without DRF; skipped:", skipped)
    """
)


def test_the_app_never_imports_rest_framework():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported without DRF" in result.stdout
