"""Run the local Tencent SMS emulator with this site's credentials and templates."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from django_tencent_sms.conf import sms_settings


def templates_from_database() -> dict[int, str]:
    """Active ``SmsTemplate`` rows as ``{tpl_id: text}``, read fresh for every request."""
    from django_tencent_sms.models import SmsTemplate

    close_old_connections()
    try:
        return dict(SmsTemplate.objects.filter(is_active=True).values_list("tpl_id", "text"))
    finally:
        close_old_connections()


class Command(BaseCommand):
    help = (
        "Run a local emulator of Tencent's SMS API that checks signatures with "
        "TENCENT_SMS['APP_KEY'] and knows the site's SmsTemplate rows."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--limits",
            help="Per-number frequency limits 'per_30s,per_hour,per_day' (e.g. 1,5,10).",
        )
        parser.add_argument("--verbose", action="store_true", help="One line per request.")

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tencent_sms.sandbox import FrequencyLimits, Sandbox

        limits = None
        if options["limits"]:
            try:
                values = [int(v) if v else None for v in options["limits"].split(",")]
                limits = FrequencyLimits(*values)
            except (TypeError, ValueError) as exc:
                raise CommandError(f"--limits: {exc}") from exc
        app_key = sms_settings.APP_KEY or "sandbox-app-key"
        sandbox = Sandbox(
            sdk_app_id=sms_settings.SDK_APP_ID or "1400000000",
            app_key=app_key,
            templates=templates_from_database,
            default_sign=sms_settings.SIGN or "腾讯云",
            host=options["host"],
            port=options["port"],
            limits=limits,
            verbose=options["verbose"],
        )
        sandbox.start()
        self.stdout.write(
            f"Tencent SMS emulator listening; set TENCENT_SMS['API_URL'] = {sandbox.url!r}\n"
            f"Received messages: http://{sandbox.host}:{sandbox.port}/_sandbox/messages\n"
            "Quit with CONTROL-C."
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.stop()
