"""The pytest plugin's ``sms_sandbox`` registers each ``SmsTemplate`` saved with its type, so the
emulator shows the codes of the site's verification messages and no others."""

from __future__ import annotations

import pytest
import requests

from django_tencent_sms import send_sms
from django_tencent_sms.models import SmsTemplate

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"


def test_saved_templates_are_registered_with_their_type(sms_sandbox):
    SmsTemplate.objects.create(name="code", tpl_id=61, text="Code {1}", type="verification")
    SmsTemplate.objects.create(name="order", tpl_id=62, text="Order {1} shipped")
    SmsTemplate.objects.create(name="sale", tpl_id=63, text="Sale {1}", type="marketing")
    kinds = sms_sandbox.template_kinds()
    assert (kinds[61], kinds[62], kinds[63]) == ("verification", "notification", "marketing")
    send_sms(PHONE, "code", ["482913"])
    send_sms(PHONE, "order", ["A1234"])
    url = f"http://127.0.0.1:{sms_sandbox.port}/_sandbox/messages"
    listed = requests.get(url, params={"phone": PHONE}, timeout=5).json()
    assert [(m["tpl_id"], m["kind"], m["code"]) for m in listed] == [
        (62, "notification", None),
        (61, "verification", "482913"),
    ]
