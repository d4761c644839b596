"""Command line: ``python -m django_tencent_sms.sandbox``.

The app key comes from the ``TENCENT_SMS_APP_KEY`` environment variable or ``--app-key-file``,
never from the command line (where ``ps`` would show it). Without either, the sandbox checks
signatures against :data:`~django_tencent_sms.sandbox.accounts.DEVELOPMENT_APP_KEY`
(``"sandbox-app-key"``), a public key for local development only. Likewise the API 3.0 key pair
comes from ``TENCENT_SMS_SECRET_ID`` and ``TENCENT_SMS_SECRET_KEY``, else the public
:data:`~django_tencent_sms.sandbox.accounts.DEVELOPMENT_SECRET_ID` and ``…_SECRET_KEY``.

A Django management command can reuse :func:`add_arguments`, :func:`sandbox_from_options` and
:func:`serve`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Protocol

from django_tencent_sms.sandbox.accounts import (
    DEFAULT_SDK_APP_ID,
    DEVELOPMENT_APP_KEY,
    DEVELOPMENT_SECRET_ID,
    DEVELOPMENT_SECRET_KEY,
)
from django_tencent_sms.sandbox.catalog_control import parse_template_kind, parse_template_status
from django_tencent_sms.sandbox.cli_values import (
    parse_limits,
    parse_package,
    parse_ratio,
    parse_seconds,
    parse_template,
)
from django_tencent_sms.sandbox.core import Sandbox
from django_tencent_sms.sandbox.guard import WILDCARD_HOSTS
from django_tencent_sms.sandbox.limits import FrequencyLimits

__all__ = [
    "TextOutput",
    "add_arguments",
    "add_report_arguments",
    "add_server_arguments",
    "main",
    "package_notes",
    "parse_limits",
    "report_notes",
    "sandbox_from_options",
    "serve",
]

APP_KEY_ENV = "TENCENT_SMS_APP_KEY"
SDK_APP_ID_ENV = "TENCENT_SMS_SDK_APP_ID"
SECRET_ID_ENV = "TENCENT_SMS_SECRET_ID"  # noqa: S105 - a variable name
SECRET_KEY_ENV = "TENCENT_SMS_SECRET_KEY"  # noqa: S105 - a variable name
DEFAULT_PORT = 8765


class TextOutput(Protocol):
    """Where :func:`serve` prints: a text stream, or anything that writes and flushes text."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Delivery reports and replies: where to push them, when, how many delivered."""
    parser.add_argument(
        "--callback-url",
        metavar="URL",
        help="push delivery reports there, as Tencent's status callback (default: keep them "
        "for pullstatus)",
    )
    parser.add_argument(
        "--reply-callback-url",
        metavar="URL",
        help="push replies (POST /_sandbox/reply) there, as Tencent's reply callback",
    )
    parser.add_argument(
        "--report-delay",
        type=parse_seconds,
        default=0.0,
        metavar="SECONDS",
        help="seconds from a send to its delivery report (default 0)",
    )
    parser.add_argument(
        "--report-success",
        type=parse_ratio,
        default=1.0,
        metavar="RATIO",
        help="share of messages reported delivered, e.g. 0.9 or 90%% (default 1: all)",
    )


def report_notes(sandbox: Sandbox, shown: dict[str, str] | None = None) -> list[str]:
    """Lines describing where reports and replies go; ``shown`` replaces URLs for display (to
    hide a token)."""
    shown = shown or {}
    status, reply = sandbox.callback_url, sandbox.reply_callback_url
    success = f"{sandbox.report_success:.0%} delivered"
    delay = f"after {sandbox.report_delay:g} s"
    return [
        "Delivery reports: "
        + (f"pushed to {shown.get('status', status)}" if status else "kept for pullstatus")
        + f", {delay}, {success}",
        "Replies (POST /_sandbox/reply): "
        + (f"pushed to {shown.get('reply', reply)}" if reply else "kept for pullstatus"),
    ]


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """Where to listen and how strict to be: the options shared with the Django command."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument(
        "--limits",
        type=parse_limits,
        default=FrequencyLimits(),
        metavar="PER_30S,PER_HOUR,PER_DAY[,INTL_PER_DAY]",
        help="frequency limits, e.g. 1,,2,100, or off (default: tencent, Tencent's console "
        "defaults: the same content once per 30 s, 2 per number per day, 100 international)",
    )
    parser.add_argument("--verbose", action="store_true", help="log one line per request")
    parser.add_argument(
        "--no-stop-hint",
        dest="stop_hint",
        action="store_false",
        help="do not print 'Press Ctrl-C to stop.' (for a program that runs the emulator as its "
        "child and says how to stop both, as dev.py demo does)",
    )
    add_report_arguments(parser)
    add_package_argument(parser)


def add_package_argument(parser: argparse.ArgumentParser) -> None:
    """``--package AMOUNT[:USED[:DAYS]]``, repeatable: a prepaid package of the account."""
    parser.add_argument(
        "--package",
        dest="packages",
        action="append",
        type=parse_package,
        default=[],
        metavar="AMOUNT[:USED[:DAYS]]",
        help="a prepaid package (getsmspackages / SmsPackagesStatistics), e.g. 1000:250:30 "
        "(1000 units, 250 used, valid 30 more days); repeatable",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the sandbox's options to ``parser``."""
    add_server_arguments(parser)
    parser.add_argument(
        "--sdk-app-id",
        help=f"SDK AppID to accept (default: ${SDK_APP_ID_ENV}, else {DEFAULT_SDK_APP_ID})",
    )
    parser.add_argument(
        "--app-key-file",
        help=f"file holding the app key (default: ${APP_KEY_ENV}, else the development key)",
    )
    parser.add_argument(
        "--template",
        dest="templates",
        metavar="ID=TEXT",
        type=parse_template,
        action="append",
        default=[],
        help="a template, e.g. 19='Your code is {1}'; repeatable. None: any tpl_id is accepted",
    )
    parser.add_argument(
        "--default-sign", default="腾讯云", help="sign used when a request has none"
    )
    parser.add_argument(
        "--template-status",
        dest="template_statuses",
        metavar="ID=STATUS[:REPLY]",
        type=parse_template_status,
        action="append",
        default=[],
        help="Tencent's review of a template, e.g. 19=rejected:'wording'; repeatable",
    )
    parser.add_argument(
        "--template-kind",
        dest="template_kinds",
        metavar="ID=KIND",
        type=parse_template_kind,
        action="append",
        default=[],
        help="a template's type: verification, notification or marketing, e.g. 19=verification "
        "(the inbox shows a code only for verification templates); repeatable",
    )


def _app_key(options: argparse.Namespace, environ: Mapping[str, str]) -> tuple[str, str]:
    if options.app_key_file:
        with open(options.app_key_file, encoding="utf-8") as f:
            key = f.read().strip()
        if not key:
            raise ValueError(f"{options.app_key_file} is empty")
        return key, f"from {options.app_key_file}"
    if environ.get(APP_KEY_ENV, "").strip():
        return environ[APP_KEY_ENV].strip(), f"from ${APP_KEY_ENV}"
    # Public, so shown: it is what the site's APP_KEY must be to send here. A key of one's own
    # (above) is never printed.
    return DEVELOPMENT_APP_KEY, (
        f"{DEVELOPMENT_APP_KEY!r}, the public development key (set your site's APP_KEY to it; "
        f"${APP_KEY_ENV} or --app-key-file picks another)"
    )


def sandbox_from_options(
    options: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> tuple[Sandbox, list[str]]:
    """A configured (not started) sandbox, and lines describing its configuration."""
    environ = os.environ if environ is None else environ
    sdk_app_id = options.sdk_app_id or environ.get(SDK_APP_ID_ENV) or DEFAULT_SDK_APP_ID
    app_key, key_source = _app_key(options, environ)
    templates = dict(options.templates) or None
    secret_id = environ.get(SECRET_ID_ENV, "").strip() or DEVELOPMENT_SECRET_ID
    secret_key = environ.get(SECRET_KEY_ENV, "").strip() or DEVELOPMENT_SECRET_KEY
    sandbox = Sandbox(
        sdk_app_id=sdk_app_id,
        app_key=app_key,
        templates=templates,
        default_sign=options.default_sign,
        host=options.host,
        port=options.port,
        limits=options.limits,
        verbose=options.verbose,
        secret_id=secret_id,
        secret_key=secret_key,
        callback_url=options.callback_url,
        reply_callback_url=options.reply_callback_url,
        report_delay=options.report_delay,
        report_success=options.report_success,
    )
    packages = getattr(options, "packages", None) or []
    if packages:
        sandbox.set_packages(packages)
    for tpl_id, status, reply in getattr(options, "template_statuses", ()):
        sandbox.set_template_status(tpl_id, status, reply=reply)
    for tpl_id, kind in getattr(options, "template_kinds", ()):
        sandbox.set_template_kind(tpl_id, kind)
    limits = options.limits
    notes = [
        f"SDK AppID: {sdk_app_id}",
        f"App key: {key_source}",
        f"API 3.0 SecretId: {secret_id} (SecretKey "
        + (f"from ${SECRET_KEY_ENV})" if secret_key != DEVELOPMENT_SECRET_KEY else "public)"),
        "Templates: "
        + (", ".join(str(i) for i in sorted(templates)) if templates else "any tpl_id (lenient)"),
        "Frequency limits: "
        + (
            f"same content {limits.per_30s} per 30 s, {limits.per_hour} per hour, "
            f"{limits.per_day} per day, {limits.international_per_day} international per day"
            if limits
            else "off"
        ),
        *report_notes(sandbox),
    ]
    notes += package_notes(packages)
    return sandbox, notes


def package_notes(packages: list[dict[str, int]]) -> list[str]:
    """The line describing the ``--package`` options, when there are any."""
    if not packages:
        return []
    return ["Packages: " + ", ".join(f"{p['amount']} ({p['used']} used)" for p in packages)]


def serve(
    sandbox: Sandbox,
    notes: Sequence[str] = (),
    *,
    stdout: TextOutput | None = None,
    stop_event: threading.Event | None = None,
    stop_hint: bool = True,
) -> None:
    """Start ``sandbox``, print where it listens (and, with ``stop_hint``, how to stop it),
    serve until Ctrl-C, SIGTERM or ``stop_event``."""
    out = sys.stdout if stdout is None else stdout
    stop_event = threading.Event() if stop_event is None else stop_event
    sandbox.start()
    previous = None
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (a process manager stopping us) ends as cleanly as Ctrl-C.
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop_event.set())
    try:
        base = sandbox.url.removesuffix("/v5/tlssmssvr")
        print(f"Tencent SMS sandbox listening on {base}", file=out)
        print(f"  API_URL: {sandbox.url}", file=out)
        print(f"  ENDPOINT (API 3.0): {sandbox.cloud_endpoint}", file=out)
        print(
            f"  Voice codes: VOICE_API_URL {sandbox.voice_url}, VOICE_ENDPOINT "
            f"{sandbox.cloud_endpoint}, VOICE_SDK_APP_ID {sandbox.account.voice_sdk_app_id}",
            file=out,
        )
        for note in notes:
            print(f"  {note}", file=out)
        # The control pages answer a loopback Host only: a wildcard address is not one.
        if sandbox.host.strip().lower() in WILDCARD_HOSTS:
            loopback = "[::1]" if ":" in sandbox.host else "127.0.0.1"
            base = f"http://{loopback}:{sandbox.port}"
        print(f"  Inbox: {base}/_sandbox/inbox", file=out)
        print(f"  Messages (JSON): {base}/_sandbox/messages", file=out)
        if stop_hint:
            print("Press Ctrl-C to stop.", file=out)
        out.flush()
        while not stop_event.wait(0.5):
            pass
    except KeyboardInterrupt:
        print("Stopping.", file=out)
    finally:
        sandbox.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextOutput | None = None,
    stop_event: threading.Event | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Run the sandbox from command-line arguments; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m django_tencent_sms.sandbox",
        description="A local emulator of Tencent's legacy SMS API (yun.tim.qq.com/v5/tlssmssvr).",
    )
    add_arguments(parser)
    options = parser.parse_args(argv)
    try:
        sandbox, notes = sandbox_from_options(options, environ)
        serve(
            sandbox,
            notes,
            stdout=stdout,
            stop_event=stop_event,
            stop_hint=getattr(options, "stop_hint", True),
        )
    except OSError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
    return 0
