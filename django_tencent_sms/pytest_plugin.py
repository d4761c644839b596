"""Pytest plugin, registered through the ``pytest11`` entry point.

Fixtures:

* ``sms_outbox``: ``django_tencent_sms.outbox``, emptied before every test (always, autouse).
* ``tencent_sms_sandbox``: one local Tencent emulator for the whole session, over a real socket.
* ``sms_sandbox``: the emulator, reset, with ``TENCENT_SMS`` pointing the real backend at it for
  this test; every ``SmsTemplate`` saved during the test is registered with the emulator, with
  its type (so the inbox and ``/_sandbox/messages`` show codes of verification templates only).
* ``sms_sandbox_cloud``: the same, with the API 3.0 backend (``TencentCloudBackend``) pointed at
  the emulator's API 3.0 endpoint instead.

Both start each test with delivery reports kept for pulls (no callback URLs, no delay, every
message delivered); set ``sandbox.callback_url`` (e.g. to ``live_server.url`` + the callback
path) to have them pushed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from django_tencent_sms.testing import reset_outbox

if TYPE_CHECKING:
    from pytest_django import Settings

    from django_tencent_sms.message import SmsMessage
    from django_tencent_sms.models import SmsTemplate
    from django_tencent_sms.sandbox import Sandbox
    from django_tencent_sms.voice_message import VoiceCodeMessage

SANDBOX_SDK_APP_ID = "1400000000"
SANDBOX_APP_KEY = "sandbox-test-app-key"
SANDBOX_SECRET_ID = "AKIDsandboxTestSecretId"  # noqa: S105 - the emulator's, not a real key
SANDBOX_SECRET_KEY = "sandbox-test-secret-key"  # noqa: S105 - the emulator's, not a real key


@pytest.fixture(autouse=True)
def _tencent_sms_reset_outbox() -> None:
    reset_outbox()


@pytest.fixture
def sms_outbox() -> list[SmsMessage | VoiceCodeMessage]:
    import django_tencent_sms

    return django_tencent_sms.outbox


@pytest.fixture(scope="session")
def tencent_sms_sandbox() -> Iterator[Sandbox]:
    from django_tencent_sms.sandbox import Sandbox

    with Sandbox(
        sdk_app_id=SANDBOX_SDK_APP_ID,
        app_key=SANDBOX_APP_KEY,
        templates={},
        secret_id=SANDBOX_SECRET_ID,
        secret_key=SANDBOX_SECRET_KEY,
    ) as sandbox:
        yield sandbox


@pytest.fixture
def sms_sandbox(tencent_sms_sandbox: Sandbox, settings: Settings) -> Iterator[Sandbox]:
    """Requires pytest-django (for its ``settings`` fixture)."""
    backend = {
        "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
        "SDK_APP_ID": SANDBOX_SDK_APP_ID,
        "APP_KEY": SANDBOX_APP_KEY,
        "API_URL": tencent_sms_sandbox.url,
        "VOICE_API_URL": tencent_sms_sandbox.voice_url,
    }
    with _sending_to(tencent_sms_sandbox, settings, backend):
        yield tencent_sms_sandbox


@pytest.fixture
def sms_sandbox_cloud(tencent_sms_sandbox: Sandbox, settings: Settings) -> Iterator[Sandbox]:
    """``sms_sandbox`` for Tencent Cloud API 3.0: ``TencentCloudBackend`` sends to the emulator's
    ``POST /`` (``sandbox.cloud_endpoint``). Requires pytest-django."""
    backend = {
        "BACKEND": "django_tencent_sms.backends.tencentcloud.TencentCloudBackend",
        "SDK_APP_ID": SANDBOX_SDK_APP_ID,
        "SECRET_ID": SANDBOX_SECRET_ID,
        "SECRET_KEY": SANDBOX_SECRET_KEY,
        "ENDPOINT": tencent_sms_sandbox.cloud_endpoint,
        "VOICE_SDK_APP_ID": tencent_sms_sandbox.account.voice_sdk_app_id,
        "VOICE_ENDPOINT": tencent_sms_sandbox.cloud_endpoint,
    }
    with _sending_to(tencent_sms_sandbox, settings, backend):
        yield tencent_sms_sandbox


@contextmanager
def _sending_to(sandbox: Sandbox, settings: Settings, backend: dict[str, str]) -> Iterator[None]:
    """Start ``sandbox`` afresh, point ``TENCENT_SMS`` at it with ``backend``'s settings, and
    register every ``SmsTemplate`` saved meanwhile with it."""
    from django.db.models.signals import post_save

    from django_tencent_sms.models import SmsTemplate
    from django_tencent_sms.sandbox.templates import TEMPLATE_KINDS

    sandbox.reset()
    sandbox.state.templates.clear_reviews()  # a status a test set is not the next test's
    sandbox.limits = None
    sandbox.voice_limits = None
    # Delivery reports kept for pulls, not pushed: a test that wants pushes sets the URLs.
    sandbox.callback_url = sandbox.reply_callback_url = None
    sandbox.report_delay = 0
    sandbox.report_success = 1.0
    settings.TENCENT_SMS = {**(getattr(settings, "TENCENT_SMS", None) or {}), **backend}

    def register(sender: type[SmsTemplate], instance: SmsTemplate, **kwargs: Any) -> None:
        kind = instance.type if instance.type in TEMPLATE_KINDS else None
        sandbox.add_template(instance.tpl_id, instance.text, kind=kind)

    post_save.connect(register, sender=SmsTemplate, weak=False)
    try:
        yield
    finally:
        post_save.disconnect(register, sender=SmsTemplate)
