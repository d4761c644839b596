"""Helpers for testing a site that sends SMS.

With ``BACKEND`` set to ``django_tencent_sms.backends.locmem.LocmemBackend`` in test settings,
messages land in ``django_tencent_sms.outbox``. The pytest plugin (installed with the package)
empties it before every test; Django ``TestCase`` users mix in ``SmsTestMixin``.
"""

from __future__ import annotations

from typing import Any

import django_tencent_sms

__all__ = ["SmsTestMixin", "reset_outbox"]


def reset_outbox() -> list:
    """Empty the outbox, and forget templates remembered by name (a test's templates must not
    outlive it); the new, empty outbox."""
    from django.apps import apps

    if apps.ready:
        from django_tencent_sms.sending.template_cache import clear_template_cache

        clear_template_cache()
    django_tencent_sms.outbox = []
    return django_tencent_sms.outbox


class SmsTestMixin:
    """Empties ``django_tencent_sms.outbox`` before each test. Put it before ``TestCase``."""

    def setUp(self) -> None:
        reset_outbox()
        super().setUp()  # type: ignore[misc]

    @property
    def sms_outbox(self) -> list[Any]:
        return django_tencent_sms.outbox
