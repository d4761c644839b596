"""What a user gets from `pip install`: the wheel and sdist carry everything the app needs at
run time (migrations, translations, templates, py.typed) and no tests."""

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


#: What setuptools says while it builds; collected by ``build`` for the warning test.
BUILD_OUTPUT: list[str] = []


def build(kind, out):
    script = (
        "import sys; from setuptools import build_meta as b; "
        f"print('BUILT', b.build_{kind}(sys.argv[1]))"
    )
    # Byte-compiling off (PYTHONDONTWRITEBYTECODE) makes setuptools warn about that; a user's
    # pip install does not run that way.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    BUILD_OUTPUT.append(done.stdout + done.stderr)
    return out / done.stdout[done.stdout.rindex("BUILT") :].split()[1]


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return build("wheel", out), build("sdist", out)


def test_the_build_is_quiet(dists):
    # `pip install` shows these to every user: a deprecated license classifier, data folders
    # that "would be ignored", MANIFEST.in patterns that match nothing.
    text = "\n".join(BUILD_OUTPUT)
    assert "running bdist_wheel" in text and "running sdist" in text  # the output was seen
    assert re.findall(r".*warn.*", text, flags=re.IGNORECASE) == []


def test_the_license_is_an_spdx_expression(dists):
    wheel, _ = dists
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode()
    assert "License-Expression: MIT" in text.splitlines()
    assert "Classifier: License ::" not in text


def test_wheel_contents(dists):
    wheel, _ = dists
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in [
        "django_tencent_sms/__init__.py",
        "django_tencent_sms/py.typed",
        "django_tencent_sms/migrations/0001_initial.py",
        "django_tencent_sms/locale/zh_Hans/LC_MESSAGES/django.po",
        "django_tencent_sms/locale/zh_Hans/LC_MESSAGES/django.mo",
        "django_tencent_sms/sandbox/__main__.py",
        "django_tencent_sms/management/commands/tencent_sms_sandbox.py",
        "django_tencent_sms/management/commands/purge_sms_logs.py",
        "django_tencent_sms/migrations/0002_log_resend_and_permissions.py",
        "django_tencent_sms/templates/admin/tencent_sms/smslog/change_list.html",
        "django_tencent_sms/templates/admin/tencent_sms/smstemplate/send_test.html",
        "django_tencent_sms/templatetags/tencent_sms_admin.py",
        "django_tencent_sms/static/tencent_sms/admin.css",
        "django_tencent_sms/static/django_tencent_sms/pages.css",
    ]:
        assert required in names, required
    assert not any(n.startswith(("tests/", "example_project/", "bench/")) for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Requires-Dist: requests" in text and "Requires-Dist: Django" in text
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "django_tencent_sms.pytest_plugin" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_wheel_carries_every_module_of_every_subpackage(dists):
    # A folder without its __init__.py would be left out by find: and fail only at import.
    wheel, _ = dists
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "django_tencent_sms").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert "django_tencent_sms/protocol/tc3/send.py" in modules
    assert sorted(modules - names) == []


def test_sdist_contents(dists):
    _, sdist = dists
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for required in [
        "README.md",
        "LICENSE",
        "setup.cfg",
        "pyproject.toml",
        "django_tencent_sms/py.typed",
        "django_tencent_sms/locale/zh_Hans/LC_MESSAGES/django.mo",
        "django_tencent_sms/migrations/0001_initial.py",
        "django_tencent_sms/templates/admin/tencent_sms/smslog/resend_confirmation.html",
        "django_tencent_sms/static/tencent_sms/admin.css",
        "django_tencent_sms/static/django_tencent_sms/pages.css",
    ]:
        assert required in names, required
