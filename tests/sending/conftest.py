"""Fixtures of the sending tests."""

import pytest

from django_tencent_sms.models import SmsTemplate


@pytest.fixture
def notice(db):
    """The template of the bulk tests: one parameter, text known, the default signature."""
    return SmsTemplate.objects.create(name="notice", tpl_id=7, text="您的订单{1}已发货。")
