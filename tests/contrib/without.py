"""Running the package in a process where an optional dependency cannot be imported.

``run_without`` starts a Python that refuses to import the given top-level packages, sets
Django up with ``tests.settings``, imports every module of the app but those ``skipped``,
checks that none of the refused packages got imported, runs ``then`` (more code, in the same
process), and prints how many modules it imported (``imported``).
"""

import os
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

ROOT = Path(__file__).resolve().parents[2]

_HEAD = r"""
import importlib, pkgutil, sys

REFUSED = {refused!r}

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in REFUSED:
            raise ImportError(f"{{name.split('.')[0]}} is not installed")
        return None

sys.meta_path.insert(0, Refuse())
import django
django.setup()
import django_tencent_sms

imported = 0
for info in pkgutil.walk_packages(django_tencent_sms.__path__, "django_tencent_sms."):
    if info.name in {skipped!r} or ".migrations." in info.name:
        continue
    importlib.import_module(info.name)
    imported += 1
assert not any(m.split(".")[0] in REFUSED for m in sys.modules), "a refused package was imported"
"""


def run_without(
    refused: set[str], *, skipped: set[str], then: str = ""
) -> subprocess.CompletedProcess:
    script = _HEAD.format(refused=refused, skipped=skipped) + dedent(then)
    script += '\nprint("imported", imported)\n'
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )


def imported(done: subprocess.CompletedProcess) -> int:
    """How many of the app's modules the process imported."""
    return int(done.stdout.split("imported")[-1])
