"""The app works without django-two-factor-auth: no module imports it, ``contrib.two_factor``
included, and its checks run (and name the gateway's mistakes) in a process without it.

A subprocess imports every module of the package with ``two_factor`` and ``django_otp`` made
unimportable, then sends a code and runs the system checks with the gateway named in settings.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import importlib, pkgutil, sys

class NoTwoFactor:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"two_factor", "django_otp"}:
            raise ImportError(f"{name} is not installed")
        return None

sys.meta_path.insert(0, NoTwoFactor())
import django
from django.conf import settings
django.setup()
import django_tencent_sms

skipped = {"django_tencent_sms.contrib.allauth"}
imported = 0
for info in pkgutil.walk_packages(django_tencent_sms.__path__, "django_tencent_sms."):
    if info.name in skipped or ".migrations." in info.name:
        continue
    importlib.import_module(info.name)
    imported += 1
assert not any(m.split(".")[0] in {"two_factor", "django_otp"} for m in sys.modules)

from django.test.utils import override_settings
from django_tencent_sms.contrib.two_factor.checks import check_two_factor

with override_settings(
    TWO_FACTOR_SMS_GATEWAY="django_tencent_sms.contrib.two_factor.TencentSmsGateway",
    TENCENT_SMS_TWO_FACTOR={"PURPOSE": "Not Valid"},
):
    print("ids", sorted(m.id for m in check_two_factor()))
print("imported", imported)
"""


def test_no_module_imports_two_factor_and_the_checks_run_without_it():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    # No template (tests.settings has no OTP one), no middleware, and the wrong purpose.
    assert "ids ['tencent_sms.E060', 'tencent_sms.E061', 'tencent_sms.W060']" in done.stdout
    imported = int(done.stdout.split("imported")[-1])
    assert imported > 100  # the whole package, not an early stop
