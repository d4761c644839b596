"""Tencent's default frequency limits on the sandbox's API 3.0 endpoint, over a real socket.

No Django; the clock is faked.
"""

from __future__ import annotations

from django_tencent_sms.sandbox import FrequencyLimits
from tests.sandbox.helpers import sandbox_fixtures
from tests.sandbox.test_tc3 import (
    APP_ID,
    NOW,
    SECRET_ID,
    SECRET_KEY,
    TEMPLATES,
    body,
    post,
    statuses,
)

clock, sandbox = sandbox_fixtures(
    now=NOW, sdk_app_id=APP_ID, templates=TEMPLATES, secret_id=SECRET_ID, secret_key=SECRET_KEY
)


def codes(sb, **fields) -> list[str]:
    return [s["Code"] for s in statuses(post(sb, body(**fields)))]


def test_defaults_hold_the_same_content_and_allow_two_a_day(sandbox, clock):
    sandbox.limits = FrequencyLimits()
    assert codes(sandbox, TemplateParamSet=["1111"]) == ["Ok"]
    assert codes(sandbox, TemplateParamSet=["1111"]) == [
        "LimitExceeded.PhoneNumberThirtySecondLimit"
    ]
    assert codes(sandbox, TemplateParamSet=["2222"]) == ["Ok"]
    clock.advance(60)
    assert codes(sandbox, TemplateParamSet=["3333"]) == ["LimitExceeded.PhoneNumberDailyLimit"]


def test_the_international_cap_is_the_applications_global_daily_limit(sandbox):
    sandbox.limits = FrequencyLimits(per_30s=None, per_day=None, international_per_day=1)
    numbers = ["+447400123456", "+447400123457"]
    assert codes(sandbox, PhoneNumberSet=numbers, SignName=None) == [
        "Ok",
        "LimitExceeded.AppGlobalDailyLimit",
    ]
