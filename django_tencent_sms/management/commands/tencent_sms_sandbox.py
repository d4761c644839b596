"""Run the local Tencent SMS emulator with this site's credentials and templates."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import close_old_connections
from django.urls import NoReverseMatch, reverse

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.sandbox import Sandbox
from django_tencent_sms.sandbox.accounts import (
    DEFAULT_SDK_APP_ID,
    DEFAULT_VOICE_SDK_APP_ID,
    DEVELOPMENT_APP_KEY,
    DEVELOPMENT_SECRET_ID,
    DEVELOPMENT_SECRET_KEY,
)
from django_tencent_sms.sandbox.cli import add_server_arguments, package_notes, report_notes, serve


def templates_from_database() -> dict[int, str]:
    """Active ``SmsTemplate`` rows as ``{tpl_id: text}``, read afresh for every request so
    templates added in the admin are known at once."""
    from django_tencent_sms.models import SmsTemplate

    close_old_connections()
    try:
        return dict(SmsTemplate.objects.filter(is_active=True).values_list("tpl_id", "text"))
    finally:
        close_old_connections()


def kinds_from_database() -> dict[int, str]:
    """The type of each active ``SmsTemplate`` (``verification``, ``notification``,
    ``marketing``) as ``{tpl_id: type}``, and ``OTP["TEMPLATE"]``'s as ``verification``: the
    inbox shows a code only for those. Read afresh for every inbox page."""
    from django_tencent_sms.models import SmsTemplate
    from django_tencent_sms.otp.conf import merged_otp_settings

    close_old_connections()
    try:
        rows = SmsTemplate.objects.filter(is_active=True).values_list("tpl_id", "type", "name")
        otp = merged_otp_settings()
        chosen = otp.get("TEMPLATE") if isinstance(otp, dict) else None
        kinds: dict[int, str] = {}
        for tpl_id, kind, name in rows:
            if name == chosen or kind == SmsTemplate.Type.VERIFICATION:
                kinds[tpl_id] = SmsTemplate.Type.VERIFICATION.value
            else:
                kinds.setdefault(tpl_id, str(kind))
        if isinstance(chosen, int) and not isinstance(chosen, bool):
            kinds[chosen] = SmsTemplate.Type.VERIFICATION.value
        return kinds
    finally:
        close_old_connections()


class _Verbatim:
    """A command's output as the text stream ``serve`` prints to: written as is (the command's
    ``OutputWrapper`` would end every write, even ``print``'s separate newline, with one)."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> int:
        self.out.write(text, ending="")
        return len(text)

    def flush(self) -> None:
        self.out.flush()


class Command(BaseCommand):
    help = (
        "Run a local emulator of Tencent's SMS API that checks signatures with this site's "
        "TENCENT_SMS credentials and knows its SmsTemplate rows."
    )

    def add_arguments(self, parser: Any) -> None:
        add_server_arguments(parser)
        parser.add_argument(
            "--site-url",
            metavar="URL",
            help="this site's address, e.g. http://127.0.0.1:8000: delivery reports and replies "
            "are pushed to its callback URLs (include('django_tencent_sms.reports.urls'), with "
            "TENCENT_SMS['CALLBACK_TOKEN']) unless --callback-url/--reply-callback-url say "
            "otherwise",
        )

    def callback_urls(self, site_url: str | None) -> dict[str, str]:
        """The site's callback URLs under ``site_url``, token included."""
        if not site_url:
            return {}
        token = sms_settings.CALLBACK_TOKEN
        if not token:
            raise CommandError("--site-url needs TENCENT_SMS['CALLBACK_TOKEN'] to be set.")
        urls = {}
        for kind in ("status", "reply"):
            try:
                path = reverse(f"tencent_sms_callbacks:{kind}", kwargs={"token": token})
            except NoReverseMatch:
                raise CommandError(
                    "--site-url needs the callback URLs: add "
                    "path('sms/', include('django_tencent_sms.reports.urls')) to the URLconf."
                ) from None
            urls[kind] = site_url.rstrip("/") + path
        return urls

    def build_sandbox(self, options: dict[str, Any]) -> Sandbox:
        site = self.callback_urls(options.get("site_url"))
        return Sandbox(
            sdk_app_id=sms_settings.SDK_APP_ID or DEFAULT_SDK_APP_ID,
            app_key=sms_settings.APP_KEY or DEVELOPMENT_APP_KEY,
            templates=templates_from_database,
            template_kinds=kinds_from_database,
            default_sign=sms_settings.SIGN or "腾讯云",
            host=options["host"],
            port=options["port"],
            limits=options["limits"],
            verbose=options["verbose"],
            secret_id=sms_settings.SECRET_ID or DEVELOPMENT_SECRET_ID,
            secret_key=sms_settings.SECRET_KEY or DEVELOPMENT_SECRET_KEY,
            callback_url=options.get("callback_url") or site.get("status"),
            reply_callback_url=options.get("reply_callback_url") or site.get("reply"),
            report_delay=options.get("report_delay", 0.0),
            report_success=options.get("report_success", 1.0),
            voice_sdk_app_id=sms_settings.VOICE_SDK_APP_ID or DEFAULT_VOICE_SDK_APP_ID,
        )

    def handle(self, *args: Any, **options: Any) -> None:
        notes = [
            f"SDK AppID: {sms_settings.SDK_APP_ID or DEFAULT_SDK_APP_ID}",
            "App key: "
            + (
                "TENCENT_SMS['APP_KEY']"
                if sms_settings.APP_KEY
                else f"{DEVELOPMENT_APP_KEY!r}, the public development key"
            ),
            "API 3.0 key: "
            + (
                "TENCENT_SMS['SECRET_ID'] and ['SECRET_KEY']"
                if sms_settings.SECRET_ID and sms_settings.SECRET_KEY
                else "the public development key pair"
            ),
            "Templates: this site's active SmsTemplate rows (their types, and OTP['TEMPLATE'] "
            "as a verification template)",
        ]
        try:
            sandbox = self.build_sandbox(options)
            sandbox.set_packages(options.get("packages") or [])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        # The token is a secret: the notes show the site's callback URLs without it.
        token = sms_settings.CALLBACK_TOKEN
        shown = {
            kind: url.replace(token, "<CALLBACK_TOKEN>")
            for kind, url in (
                ("status", sandbox.callback_url),
                ("reply", sandbox.reply_callback_url),
            )
            if url and token
        }
        notes.extend(report_notes(sandbox, shown))
        notes.extend(package_notes(options.get("packages") or []))
        serve(
            sandbox,
            notes,
            stdout=_Verbatim(self.stdout),
            stop_hint=options.get("stop_hint", True),
        )
