"""The app works without django-allauth: no module but ``contrib.allauth`` imports it.

A subprocess imports every module of the package with ``allauth`` made unimportable, then sends
a code; a site that never installed the ``allauth`` extra gets no ImportError from us.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import importlib, pkgutil, sys

class NoAllauth:
    def find_spec(self, name, path=None, target=None):
        if name == "allauth" or name.startswith("allauth."):
            raise ImportError("allauth is not installed")
        return None

sys.meta_path.insert(0, NoAllauth())
import django
django.setup()
import django_tencent_sms

skipped = {"django_tencent_sms.contrib.allauth"}
imported = 0
for info in pkgutil.walk_packages(django_tencent_sms.__path__, "django_tencent_sms."):
    if info.name in skipped or ".migrations." in info.name:
        continue
    importlib.import_module(info.name)
    imported += 1
assert not any(m == "allauth" or m.startswith("allauth.") for m in sys.modules), "allauth"
try:
    importlib.import_module("django_tencent_sms.contrib.allauth")
except ImportError as exc:
    print("contrib.allauth needs allauth:", exc)
else:
    raise AssertionError("contrib.allauth imported without allauth")
print("imported", imported)
"""


def test_no_module_but_contrib_allauth_imports_allauth():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "contrib.allauth needs allauth: allauth is not installed" in done.stdout
    imported = int(done.stdout.split("imported")[-1])
    assert imported > 100  # the whole package, not an early stop
