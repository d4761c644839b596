"""A sandbox of its own for the catalog tests (the session one knows every test's templates),
with ``TENCENT_SMS`` pointing the ``v5`` or the ``cloud`` backend at it."""

from __future__ import annotations

import pytest

from django_tencent_sms.pytest_plugin import (
    SANDBOX_APP_KEY,
    SANDBOX_SDK_APP_ID,
    SANDBOX_SECRET_ID,
    SANDBOX_SECRET_KEY,
)
from django_tencent_sms.sandbox import Sandbox


def backend_settings(kind: str, sandbox: Sandbox) -> dict[str, str]:
    if kind == "v5":
        return {
            "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
            "SDK_APP_ID": SANDBOX_SDK_APP_ID,
            "APP_KEY": SANDBOX_APP_KEY,
            "API_URL": sandbox.url,
        }
    return {
        "BACKEND": "django_tencent_sms.backends.tencentcloud.TencentCloudBackend",
        "SDK_APP_ID": SANDBOX_SDK_APP_ID,
        "SECRET_ID": SANDBOX_SECRET_ID,
        "SECRET_KEY": SANDBOX_SECRET_KEY,
        "ENDPOINT": sandbox.cloud_endpoint,
    }


@pytest.fixture(params=["v5", "cloud"])
def catalog(request, settings):
    """A fresh emulator with no templates and the default signature (ID 1, 腾讯云)."""
    sandbox = Sandbox(
        sdk_app_id=SANDBOX_SDK_APP_ID,
        app_key=SANDBOX_APP_KEY,
        templates={},
        secret_id=SANDBOX_SECRET_ID,
        secret_key=SANDBOX_SECRET_KEY,
    ).start()
    sandbox.kind = request.param
    settings.TENCENT_SMS = {
        **(getattr(settings, "TENCENT_SMS", None) or {}),
        **backend_settings(request.param, sandbox),
    }
    yield sandbox
    sandbox.stop()
