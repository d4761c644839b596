"""Fixtures of the account tests: an empty cache, and the sandbox knowing a template."""

import pytest
from django.core.cache import cache

from django_tencent_sms.models import SmsTemplate


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sandbox(sandbox):
    """The shared ``sandbox`` (the legacy API, then API 3.0), knowing the "note" template."""
    SmsTemplate.objects.create(name="note", tpl_id=7, text="Order {1} shipped")
    return sandbox
