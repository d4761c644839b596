"""Per-region daily caps, and the conversion alarm (``code_conversion_low``).

Every test runs on both query paths (``otp_query_path``, ``tests/otp/fixtures.py``).
"""

import pytest

from django_tencent_sms.exceptions import CodeRequestRefused, ConfigurationError
from django_tencent_sms.models import VerificationCode
from django_tencent_sms.otp import send_code, verify_code
from django_tencent_sms.signals import code_conversion_low
from tests.helpers import PHONE, last_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("otp_query_path")]


def hk(n):
    return f"+8529123{n:04d}"


def test_region_daily_limits(setup, conf, sms_outbox):
    conf(REGION_DAILY_LIMITS={"CN": None, "*": 2})
    send_code(hk(1))
    send_code(hk(2))
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(hk(3))
    assert refused.value.code == "region_daily_limit"
    assert refused.value.retry_after == 14 * 3600  # until local midnight
    assert VerificationCode.objects.filter(region="HK").count() == 2  # the refused one is gone
    # Another region has its own cap; the uncapped one none.
    send_code("+6591234567")
    for n in range(5):
        send_code(f"+861390000000{n}")
    assert len(sms_outbox) == 8
    setup.advance(hours=14)  # a new day in Shanghai
    send_code(hk(3))
    assert len(sms_outbox) == 9


def test_regions_not_named_without_a_star_are_not_capped(setup, conf, sms_outbox):
    conf(REGION_DAILY_LIMITS={"HK": 1})
    send_code(hk(1))
    with pytest.raises(CodeRequestRefused):
        send_code(hk(2))
    send_code(PHONE)
    send_code("+8613900000000")
    assert len(sms_outbox) == 3


def test_each_code_records_its_region(setup, sms_outbox):
    assert send_code(hk(1)).region == "HK" and send_code(PHONE).region == "CN"


@pytest.mark.parametrize(
    "limits",
    [{"cn": 5}, {"CN": 0}, {"CHN": 5}, ["CN"], {"*": "50"}],
)
def test_bad_region_daily_limits_are_refused(setup, conf, limits):
    conf(REGION_DAILY_LIMITS=limits)
    with pytest.raises(ConfigurationError, match="REGION_DAILY_LIMITS"):
        send_code(PHONE)


@pytest.fixture
def alarms():
    heard = []
    code_conversion_low.connect(
        lambda **kw: heard.append({k: kw[k] for k in ("sent", "verified", "rate", "threshold")}),
        weak=False,
        dispatch_uid="test-conversion",
    )
    yield heard
    code_conversion_low.disconnect(dispatch_uid="test-conversion")


def test_conversion_low_fires_when_codes_are_sent_but_never_entered(
    setup, conf, sms_outbox, alarms
):
    conf(CONVERSION_MIN_RATE=0.5, CONVERSION_MIN_CODES=4, CONVERSION_WINDOW=3600)
    send_code(PHONE)
    assert verify_code(PHONE, last_code(sms_outbox))
    for n in range(3):
        send_code(f"+861390000000{n}")  # never entered
    assert alarms == []  # their five minutes are not over: they may still be entered
    setup.advance(301)
    for n in range(3, 7):
        send_code(f"+861390000000{n}")
    # Of the four codes whose time is over, one was entered: below half.
    assert alarms == [{"sent": 4, "verified": 1, "rate": 0.25, "threshold": 0.5}]
    setup.advance(301)
    for n in range(4):
        send_code(f"+861380000000{n}")
    assert len(alarms) == 2 and alarms[-1]["sent"] == 8  # again, as many codes later
    setup.advance(3600)  # the window slides past them all
    for n in range(4):
        send_code(f"+861370000000{n}")
        assert verify_code(f"+861370000000{n}", last_code(sms_outbox))
    setup.advance(301)
    for n in range(4):
        send_code(f"+861360000000{n}")
    assert len(alarms) == 2


def test_no_alarm_while_people_enter_their_codes(setup, conf, sms_outbox, alarms):
    conf(CONVERSION_MIN_RATE=0.5, CONVERSION_MIN_CODES=2)
    for n in range(8):
        send_code(f"+861390000000{n}")
        if n % 4:  # three in four are entered
            assert verify_code(f"+861390000000{n}", last_code(sms_outbox))
        setup.advance(301)
    assert alarms == []


def test_the_alarm_is_off_by_default(setup, sms_outbox, alarms):
    for n in range(40):
        send_code(f"+86139000000{n:02d}")
    assert alarms == []


@pytest.mark.parametrize(
    "overrides, key",
    [
        ({"CONVERSION_MIN_RATE": 2}, "CONVERSION_MIN_RATE"),
        ({"CONVERSION_MIN_RATE": "0.3"}, "CONVERSION_MIN_RATE"),
        ({"CONVERSION_WINDOW": 0}, "CONVERSION_WINDOW"),
        ({"CONVERSION_MIN_CODES": None}, "CONVERSION_MIN_CODES"),
    ],
)
def test_bad_conversion_settings_are_refused(setup, conf, overrides, key):
    conf(**overrides)
    with pytest.raises(ConfigurationError, match=key):
        send_code(PHONE)
