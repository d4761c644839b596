"""Templates by name, remembered for a short while, so a send by name costs no lookup query.

A template is read far more often than it changes. Entries live for
``TENCENT_SMS["TEMPLATE_CACHE_TIMEOUT"]`` seconds (0 turns the cache off) in each process, and
are dropped at once in the process that saves or deletes a template; other processes see such
a change within the timeout.

Nothing is cached inside a transaction (``atomic()``, ``ATOMIC_REQUESTS``, Django's
``TestCase``): a template read there may be rolled back, and must not outlive it.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.signals import setting_changed
from django.db import router, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.models import SmsTemplate

__all__ = ["clear_template_cache", "template_by_name"]

_entries: dict[tuple[str, str], tuple[float, SmsTemplate]] = {}


def template_by_name(name: str) -> SmsTemplate:
    """The ``SmsTemplate`` called ``name``; ``SmsTemplate.DoesNotExist`` when there is none."""
    using = router.db_for_read(SmsTemplate)
    timeout = sms_settings.TEMPLATE_CACHE_TIMEOUT
    usable = bool(timeout) and not transaction.get_connection(using).in_atomic_block
    key = (using, name)
    if usable:
        entry = _entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
    template = SmsTemplate.objects.using(using).get(name=name)  # unique: no ORDER BY/LIMIT
    if usable:
        _entries[key] = (time.monotonic() + timeout, template)
    return template


def clear_template_cache(**kwargs: Any) -> None:
    """Forget every remembered template (connected to template saves and deletes, settings
    changes and migrations; the test helpers call it before each test)."""
    _entries.clear()


post_save.connect(clear_template_cache, sender=SmsTemplate, dispatch_uid="tencent_sms_tpl_save")
post_delete.connect(clear_template_cache, sender=SmsTemplate, dispatch_uid="tencent_sms_tpl_del")
post_migrate.connect(clear_template_cache, dispatch_uid="tencent_sms_tpl_migrate")
setting_changed.connect(clear_template_cache, dispatch_uid="tencent_sms_tpl_settings")
