#!/usr/bin/env python3
"""Set up a development environment and run the demo or the tests. Standard library only.

    python3 dev.py demo     # virtualenv, install, migrate, sample data; emulator + site
    python3 dev.py test     # virtualenv, install; lint, types, migration check, test suite
    python3 dev.py test -k sandbox -x   # extra arguments go to pytest
    python3 dev.py demo --help          # what a command does and its options; nothing runs

Environment variables:
    TENCENT_SMS_PYTHON   interpreter for the virtualenv (default: the one running this script)
    TENCENT_SMS_DJANGO   pip requirement for Django (default: what setup.cfg allows)
    DATABASE_URL         postgres://user@host:port/name to run the tests on PostgreSQL,
                         mysql://user@host:port/name on MariaDB (or MySQL); installs the
                         `mysql` extra, whose mysqlclient compiles: see README "Running the tests"
    TENCENT_SMS_TWO_FACTOR_TESTS=0   leave out django-two-factor-auth (and its tests): the
                         suite on the current phonenumbers, which two_factor 1.18 caps below 9
    DEMO_PORT, SANDBOX_PORT, DEMO_USERNAME, DEMO_PASSWORD   for the demo
    DEMO_AUTH=allauth    the demo with django-allauth's sign-up and login by code
                         (example_project/settings_allauth.py, its own database)
    DEMO_AUTH=two_factor the demo with django-two-factor-auth guarding the admin: password,
                         then a token texted by this app (example_project/settings_two_factor.py,
                         its own database)
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
EXAMPLE = ROOT / "example_project"


def log(text: str) -> None:
    print(f"==> {text}", flush=True)


def run(*cmd: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
    subprocess.run([str(c) for c in cmd], check=True, env=env, cwd=cwd)


def interpreter() -> str:
    wanted = os.environ.get("TENCENT_SMS_PYTHON")
    if not wanted:
        return sys.executable
    found = shutil.which(wanted) or (wanted if Path(wanted).exists() else None)
    if not found:
        sys.exit(f"TENCENT_SMS_PYTHON={wanted!r} was not found.")
    return found


def venv_python(extras: str) -> Path:
    """A virtualenv for this interpreter and Django requirement, created and updated as needed.

    Reinstalls only when setup.cfg or the requested Django changed, so a second run is fast.
    """
    python = interpreter()
    version = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    if tuple(int(p) for p in version.split(".")) < (3, 10):
        sys.exit(f"Python 3.10 or newer is needed; {python} is {version}.")
    django = os.environ.get("TENCENT_SMS_DJANGO", "")
    name = (
        ".venv"
        if not (os.environ.get("TENCENT_SMS_PYTHON") or django)
        else (
            ".venv-py"
            + version
            + ("-" + re.sub(r"[^0-9a-z.]+", "-", django.lower()).strip("-") if django else "")
        )
    )
    venv = ROOT / name
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    py = bin_dir / ("python.exe" if os.name == "nt" else "python")
    stamp_text = "\n".join([(ROOT / "setup.cfg").read_text(), extras, django, version])
    stamp = hashlib.sha256(stamp_text.encode()).hexdigest()
    stamp_file = venv / ".installed"
    if not py.exists():
        log(f"Creating {name} with Python {version}")
        run(python, "-m", "venv", venv)
    if not stamp_file.exists() or stamp_file.read_text() != stamp:
        log(f"Installing django-tencent-sms[{extras}] into {name}")
        pip = [py, "-m", "pip", "--disable-pip-version-check", "-q"]
        run(*pip, "install", "-U", "pip", "setuptools", "wheel")
        requirements = ["-e", f".[{extras}]"]
        if django:
            requirements.append(django)
        run(*pip, "install", *requirements)
        stamp_file.write_text(stamp)
    return py


#: DATABASE_URL's schemes, as tests/settings.py reads them, and the databases they name.
SCHEMES = {
    "postgres": "PostgreSQL",
    "postgresql": "PostgreSQL",
    "mysql": "MariaDB/MySQL",
    "mariadb": "MariaDB/MySQL",
}


def database() -> str:
    """The database the tests run on, by DATABASE_URL."""
    scheme = os.environ.get("DATABASE_URL", "").partition(":")[0]
    return SCHEMES.get(scheme, scheme) if scheme else "SQLite"


def two_factor_tests() -> bool:
    """Whether the django-two-factor-auth tests run (the default). TENCENT_SMS_TWO_FACTOR_TESTS=0
    leaves out its extra and its run: django-two-factor-auth 1.18 caps phonenumbers below 9, so a
    run without it tests the app on the current phonenumbers (CI does both, on different lines)."""
    return os.environ.get("TENCENT_SMS_TWO_FACTOR_TESTS", "1") != "0"


def test_extras() -> str:
    """The extras the tests install. mysqlclient compiles against the MariaDB client library, so
    only a MariaDB/MySQL run asks for it: a plain run needs no C build dependencies."""
    return (
        "test,postgres,lint"
        + (",two-factor" if two_factor_tests() else "")
        + (",mysql" if database() == "MariaDB/MySQL" else "")
    )


#: The test runs after the main one, each with settings of its own: (what, settings, folder).
OWN_SETTINGS_RUNS = (
    ("django-allauth", "tests.allauth_settings", "tests/contrib/allauth_site"),
    ("django-two-factor-auth", "tests.two_factor_settings", "tests/contrib/two_factor_site"),
)


def test(args: list[str]) -> int:
    py = venv_python(test_extras())
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    db = database()
    version = subprocess.run(
        [py, "-c", "import django, sys; print(django.get_version(), sys.version.split()[0])"],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    log(f"Django {version[0]} on Python {version[1]}, {db}")
    log("Lint (ruff)")
    run(py, "-m", "ruff", "check", ".")
    run(py, "-m", "ruff", "format", "--check", ".")
    if tuple(int(part) for part in version[1].split(".")[:2]) >= (3, 11):
        log("Types (mypy, configured in pyproject.toml)")
        run(py, "-m", "mypy", env=env)
    else:
        log("Types: not checked on Python 3.10 (django-stubs needs 3.11+; other lines check them)")
    log("Migrations match the models")
    run(py, "-m", "django", "makemigrations", "--check", "--dry-run", env=env)
    log("Test suite")
    statuses = [subprocess.run([str(py), "-m", "pytest", *args], env=env, cwd=ROOT).returncode]
    # django-allauth's tests need a user model with a phone number, django-two-factor-auth's
    # its apps and gateway: their own settings, so their own runs (the first leaves them out).
    # Extra arguments go to every run; a run they leave no test of (`-k sandbox`) is fine,
    # when another ran some.
    for title, settings_module, folder in OWN_SETTINGS_RUNS:
        if settings_module == "tests.two_factor_settings" and not two_factor_tests():
            log(f"Not run: the tests with {title} (TENCENT_SMS_TWO_FACTOR_TESTS=0)")
            continue
        log(f"Test suite with {title} ({settings_module})")
        paths = [] if any(a.startswith("tests") for a in args) else [folder]
        own_env = {**env, "DJANGO_SETTINGS_MODULE": settings_module}
        statuses.append(
            subprocess.run(
                [str(py), "-m", "pytest", *args, *paths], env=own_env, cwd=ROOT
            ).returncode
        )
    failed = [s for s in statuses if s not in (0, 5)]
    if failed:
        return failed[0]
    return 5 if all(s == 5 for s in statuses) else 0


#: The staff account's number (see example_project/demo/management/commands/demo_setup.py).
DEMO_PHONE = "+86 138 0013 8000"


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, procs: list[subprocess.Popen], timeout: float = 60) -> bool:
    """True once something listens on 127.0.0.1:``port``; False if a process ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and all(p.poll() is None for p in procs):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def stop(procs: list[subprocess.Popen]) -> None:
    """Stop each process and its children (runserver's autoreloader runs the site in one)."""
    for p in procs:
        if p.poll() is None:
            if os.name == "nt":
                p.terminate()
            else:
                os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


#: The demo's settings by DEMO_AUTH: the site's own sign-in, or with django-allauth, or with
#: django-two-factor-auth guarding the admin.
DEMO_SETTINGS = {
    "": "example_project.settings",
    "allauth": "example_project.settings_allauth",
    "two_factor": "example_project.settings_two_factor",
}


def demo_commands(
    manage: list[str], site_port: int, sandbox_port: int, args: list[str]
) -> list[list[str]]:
    """The emulator's command and the site's, as ``demo`` runs them."""
    reports = ["--site-url", f"http://127.0.0.1:{site_port}", "--report-delay", "2"]
    # 50 a day, not Tencent's 2, and no 30-second rule: a person trying the demo signs in many
    # times a day and resends a message from the admin at once.
    limits = ["--limits", ",,50,100"]
    # Delivery reports reach the site's callback two seconds after each send. The emulator's
    # "Press Ctrl-C to stop." would land amid the site's output: demo says it once for both.
    sandbox = ["tencent_sms_sandbox", "--port", str(sandbox_port), "--no-stop-hint"]
    return [
        [*manage, *sandbox, *limits, *reports],
        [*manage, "runserver", f"127.0.0.1:{site_port}", *args],
    ]


def demo(args: list[str]) -> int:
    # The same extras as `test`, so that one virtualenv serves both without reinstalling.
    py = venv_python(test_extras())
    site_port = int(os.environ.get("DEMO_PORT", "8000"))
    sandbox_port = int(os.environ.get("SANDBOX_PORT", "8765"))
    username = os.environ.get("DEMO_USERNAME", "admin")
    password = os.environ.get("DEMO_PASSWORD", "admin")
    auth = os.environ.get("DEMO_AUTH", "")
    if auth not in DEMO_SETTINGS:
        sys.exit(f"DEMO_AUTH={auth!r}: use one of {', '.join(repr(a) for a in DEMO_SETTINGS)}.")
    allauth = auth == "allauth"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": DEMO_SETTINGS[auth],
        "SANDBOX_PORT": str(sandbox_port),
        "PYTHONPATH": str(ROOT),
    }
    for name, port in (("DEMO_PORT", site_port), ("SANDBOX_PORT", sandbox_port)):
        if port_in_use(port):
            sys.exit(f"Port {port} is in use (another demo running?); set {name} to another.")
    manage = [str(py), str(EXAMPLE / "manage.py")]
    log("Migrating the demo database (SQLite)")
    run(*manage, "migrate", "--noinput", "-v", "0", env=env)
    run(*manage, "demo_setup", env=env)
    log("Starting the Tencent emulator and the site (Ctrl-C stops both)")
    commands = demo_commands(manage, site_port, sandbox_port, args)
    # Each in a session of its own, so that stop() reaches its children too.
    procs = [
        subprocess.Popen(command, env=env, start_new_session=os.name != "nt")
        for command in commands
    ]
    # SIGTERM (a process manager, `kill`) stops both as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        if not all(wait_for_port(port, procs) for port in (sandbox_port, site_port)):
            log("The emulator or the site did not start: see its output above")
            return 1
        site = f"http://127.0.0.1:{site_port}"
        print(
            f"\n  Site:            {site}/\n"
            f"  Sign in by code: {site}{'/accounts/login/code/' if allauth else '/phone/login/'}"
            f"   ({username}'s number: {DEMO_PHONE})\n"
            f"  Sign up:         {site}/accounts/signup/\n"
            + (
                f"  Staff sign-in:   {site}/account/login/   (password, then the token texted"
                f" to {DEMO_PHONE})\n"
                if auth == "two_factor"
                else ""
            )
            + f"  Admin:           {site}/admin/   (user {username!r}, password {password!r})\n"
            f"  Emulator inbox:  http://127.0.0.1:{sandbox_port}/_sandbox/inbox"
            "   (the codes and messages the site sends; filter by a number to reply as it:\n"
            "                   退订 puts it on the opt-out list, and marketing messages stop)\n"
            "\n  Ctrl-C stops both.\n",
            flush=True,
        )
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        log("The emulator or the site stopped; stopping the other")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(procs)


#: What ``dev.py <command> --help`` prints. Nothing is installed or started for it.
HELP = {
    "demo": """usage: python3 dev.py demo [RUNSERVER-ARGUMENTS...]

Create .venv (if needed), install the app and the example site, migrate the SQLite database,
load sample templates and a staff account, then start the Tencent emulator and the site.
Ctrl-C stops both. Arguments after `demo` go to `manage.py runserver` (e.g. --noreload).

Environment variables:
    DEMO_PORT        the site's port (default 8000)
    SANDBOX_PORT     the emulator's port (default 8765)
    DEMO_USERNAME    the staff account (default admin)
    DEMO_PASSWORD    its password (default admin)
    DEMO_AUTH        allauth: sign-up and login by code with django-allauth;
                     two_factor: the admin behind django-two-factor-auth (texted tokens)
    TENCENT_SMS_PYTHON, TENCENT_SMS_DJANGO   interpreter and Django for the virtualenv
""",
    "test": """usage: python3 dev.py test [PYTEST-ARGUMENTS...]

Create the virtualenv (if needed) and install the app with its test tools, then run ruff, mypy
(Python 3.11+), the migration check and pytest. Arguments after `test` go to pytest, e.g.
`python3 dev.py test -k sandbox -x`; `python3 dev.py test -- --help` shows pytest's own help.

Environment variables:
    DATABASE_URL         postgres://user@host:port/name or mysql://user@host:port/name
                         (default: SQLite)
    TENCENT_SMS_PYTHON   interpreter for the virtualenv (default: the one running dev.py)
    TENCENT_SMS_DJANGO   pip requirement for Django, e.g. "Django>=6.0,<7"
    TENCENT_SMS_TWO_FACTOR_TESTS=0   leave out django-two-factor-auth and its tests, so the
                         suite runs on the current phonenumbers (two_factor 1.18 caps it below 9)
""",
}

HELP_FLAGS = ("-h", "--help")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"demo": demo, "test": test}
    if argv and argv[0] in HELP_FLAGS:
        print(__doc__)
        return 0
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    command, args = argv[0], argv[1:]
    if args and args[0] in HELP_FLAGS:
        print(HELP[command])
        return 0
    if args and args[0] == "--":  # `dev.py test -- --help`: the rest is for pytest itself
        args = args[1:]
    return commands[command](args)


if __name__ == "__main__":
    sys.exit(main())
