"""Run the local Tencent SMS emulator with this site's credentials and templates."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.sandbox import Sandbox
from django_tencent_sms.sandbox.cli import add_server_arguments, serve
from django_tencent_sms.sandbox.cloudapi import DEVELOPMENT_SECRET_ID, DEVELOPMENT_SECRET_KEY
from django_tencent_sms.sandbox.core import DEFAULT_SDK_APP_ID, DEVELOPMENT_APP_KEY


def templates_from_database() -> dict[int, str]:
    """Active ``SmsTemplate`` rows as ``{tpl_id: text}``, read afresh for every request so
    templates added in the admin are known at once."""
    from django_tencent_sms.models import SmsTemplate

    close_old_connections()
    try:
        return dict(SmsTemplate.objects.filter(is_active=True).values_list("tpl_id", "text"))
    finally:
        close_old_connections()


class Command(BaseCommand):
    help = (
        "Run a local emulator of Tencent's SMS API that checks signatures with this site's "
        "TENCENT_SMS credentials and knows its SmsTemplate rows."
    )

    def add_arguments(self, parser: Any) -> None:
        add_server_arguments(parser)

    def build_sandbox(self, options: dict[str, Any]) -> Sandbox:
        return Sandbox(
            sdk_app_id=sms_settings.SDK_APP_ID or DEFAULT_SDK_APP_ID,
            app_key=sms_settings.APP_KEY or DEVELOPMENT_APP_KEY,
            templates=templates_from_database,
            default_sign=sms_settings.SIGN or "腾讯云",
            host=options["host"],
            port=options["port"],
            limits=options["limits"],
            verbose=options["verbose"],
            secret_id=sms_settings.SECRET_ID or DEVELOPMENT_SECRET_ID,
            secret_key=sms_settings.SECRET_KEY or DEVELOPMENT_SECRET_KEY,
        )

    def handle(self, *args: Any, **options: Any) -> None:
        notes = [
            f"SDK AppID: {sms_settings.SDK_APP_ID or DEFAULT_SDK_APP_ID}",
            "App key: "
            + ("TENCENT_SMS['APP_KEY']" if sms_settings.APP_KEY else "the public development key"),
            "API 3.0 key: "
            + (
                "TENCENT_SMS['SECRET_ID'] and ['SECRET_KEY']"
                if sms_settings.SECRET_ID and sms_settings.SECRET_KEY
                else "the public development key pair"
            ),
            "Templates: this site's active SmsTemplate rows",
        ]
        serve(self.build_sandbox(options), notes, stdout=self.stdout._out)
