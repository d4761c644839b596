"""Voice codes: ``send_code(channel="voice")`` over both backends against the emulator.

A voice code is a code like any other (hash, checks, limits shared with SMS codes); its call
goes out through ``sendcvoice`` or VMS ``SendCodeVoice`` over a real socket.
"""

import pytest
from django.core.checks import run_checks
from django.test import RequestFactory

from django_tencent_sms.exceptions import CodeRequestRefused, SmsError, TencentRateLimitError
from django_tencent_sms.models import SmsLog, VerificationCode
from django_tencent_sms.otp import check_code, send_code, verify_code
from django_tencent_sms.sandbox.voice import VoiceLimits
from tests.helpers import PHONE, wrong

pytestmark = pytest.mark.django_db


@pytest.fixture
def voice(sandbox, setup, conf):
    """Voice codes on, sending to the emulator (v5 and API 3.0)."""
    conf(VOICE=True)
    return sandbox


def test_a_voice_code_is_read_out_by_a_call_and_verifies(voice):
    record = send_code(PHONE, "login", channel="voice")
    (call,) = voice.calls
    code = call.params[0]
    assert call.mobile == PHONE[3:] and call.channel == "voice"
    assert "📞" in call.text and " ".join(code) in call.text
    record.refresh_from_db()
    assert record.channel == "voice" and record.state == VerificationCode.State.SENT
    log = record.log
    assert log.channel == SmsLog.Channel.VOICE and log.status == SmsLog.Status.SENT
    assert log.template is None and log.tpl_id == 0 and log.sid == call.sid
    # The code is secret: the row keeps it redacted, as a verification SMS's.
    assert code not in str(log.params) and code not in record.code_hash
    assert not check_code(PHONE, wrong(code), "login")
    assert verify_code(PHONE, code, "login")


def test_voice_and_sms_share_one_cooldown(voice):
    send_code(PHONE, "login")
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, "login", channel="voice")
    assert refused.value.code == "cooldown"
    assert voice.calls == []


def test_sms_after_a_call_waits_too(voice):
    send_code(PHONE, "login", channel="voice")
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, "login")
    assert refused.value.code == "cooldown"


def test_voice_codes_count_against_the_number_caps(voice, conf, clock):
    conf(VOICE=True, PHONE_HOURLY_LIMIT=1, RESEND_INTERVAL=0)
    send_code(PHONE, "login", channel="voice")
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, "login")
    assert refused.value.code == "phone_hourly_limit"


@pytest.mark.parametrize(
    ("limits", "refusal"),
    [({"IP_HOURLY_LIMIT": 1}, "ip_hourly_limit"), ({"DAILY_LIMIT": 1}, "daily_limit")],
)
def test_a_call_cannot_get_around_the_ip_caps_or_the_budget(voice, conf, limits, refusal):
    conf(VOICE=True, RESEND_INTERVAL=0, **limits)
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    send_code(PHONE, "login", request=request)  # an SMS
    with pytest.raises(CodeRequestRefused) as refused:
        send_code("+8613900001111", "login", request=request, channel="voice")
    assert refused.value.code == refusal
    assert voice.calls == []


@pytest.mark.parametrize("number", ["+85291234567", "+886912345678", "+14155550123"])
def test_numbers_outside_mainland_china_get_no_call(voice, number):
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(number, "login", channel="voice")
    assert refused.value.code == "voice_region"
    assert voice.requests == [] and not VerificationCode.objects.exists()


def test_off_unless_configured(sandbox, setup, template, conf):
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, "login", channel="voice")
    assert refused.value.code == "voice_unavailable"
    assert sandbox.requests == []
    sandbox.add_template(template.tpl_id, template.text)  # saved before the sandbox watched
    send_code(PHONE, "login")  # SMS codes are unaffected
    assert len(sandbox.messages) == 1


@pytest.mark.parametrize("channel", ["VOICE", "Voice", "call", "", None, 1, ["voice"], "v" * 10**5])
def test_a_bad_channel_is_a_value_error(setup, conf, channel):
    conf(VOICE=True)
    with pytest.raises(ValueError) as error:
        send_code(PHONE, "login", channel=channel)
    assert len(str(error.value)) < 120
    assert not VerificationCode.objects.exists()


def test_tencents_voice_limits_refuse_the_fourth_call_of_a_day(voice, conf, clock):
    conf(VOICE=True, RESEND_INTERVAL=0)
    voice.voice_limits = VoiceLimits(per_30s=None, per_10min=None, per_day=3)
    for _ in range(3):
        send_code(PHONE, "login", channel="voice")
    with pytest.raises(TencentRateLimitError):
        send_code(PHONE, "login", channel="voice")
    assert len(voice.calls) == 3
    failed = VerificationCode.objects.order_by("-id")[0]
    assert failed.state == VerificationCode.State.FAILED
    assert failed.log.channel == "voice" and failed.log.status == SmsLog.Status.FAILED


def test_the_cloud_backend_without_a_voice_app_is_a_half_configured_voice(
    sms_sandbox_cloud, setup, conf, settings
):
    conf(VOICE=True)
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "VOICE_SDK_APP_ID": ""}
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, "login", channel="voice")
    assert refused.value.code == "voice_unavailable"
    ids = {message.id for message in run_checks()}
    assert "tencent_sms.E044" in ids


def test_locmem_keeps_the_call_in_the_outbox(setup, conf, sms_outbox):
    conf(VOICE=True)
    send_code(PHONE, "login", channel="voice")
    (call,) = sms_outbox
    assert call.e164 == PHONE and call.code.isdigit()
    assert call.code not in repr(call)
    assert verify_code(PHONE, call.code, "login")


def check_ids():
    return {message.id for message in run_checks()}


def test_a_voice_app_while_voice_is_off_is_a_warning(setup, conf, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "VOICE_SDK_APP_ID": "1400009999"}
    assert "tencent_sms.W044" in check_ids()
    conf(VOICE=True)
    assert "tencent_sms.W044" not in check_ids()


def test_voice_on_with_a_backend_that_cannot_call_is_an_error(setup, conf, settings):
    conf(VOICE=True)
    assert "tencent_sms.E044" not in check_ids()  # locmem can call
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "BACKEND": "django_tencent_sms.backends.dummy.DummyBackend",
    }
    assert "tencent_sms.E044" in check_ids()
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, "login", channel="voice")
    assert refused.value.code == "voice_unavailable"


@pytest.mark.parametrize(
    "overrides", [{"VOICE": "yes"}, {"VOICE": 1}, {"VOICE_PLAYTIMES": 4}, {"VOICE_PLAYTIMES": 0}]
)
def test_bad_voice_settings_are_reported(setup, conf, overrides):
    conf(**overrides)
    assert "tencent_sms.E012" in check_ids()


@pytest.mark.parametrize("playtimes", [1, 3])
def test_the_code_is_read_as_many_times_as_configured(setup, conf, sms_outbox, playtimes):
    conf(VOICE=True, VOICE_PLAYTIMES=playtimes)
    send_code(PHONE, "login", channel="voice")
    assert sms_outbox[-1].playtimes == playtimes


def test_a_call_whose_answer_was_lost_keeps_its_code(voice):
    voice.fail_next("drop")
    with pytest.raises(SmsError) as lost:
        send_code(PHONE, "login", channel="voice")
    assert lost.value.may_have_reached_tencent
    record = VerificationCode.objects.get()
    assert record.state == VerificationCode.State.UNKNOWN
    assert record.log.status == SmsLog.Status.UNKNOWN and record.log.channel == "voice"


@pytest.mark.parametrize(
    ("fixture", "setting", "value"),
    [
        ("sms_sandbox_cloud", "VOICE_ENDPOINT", "http://h/with/a/path"),
        ("sms_sandbox", "VOICE_API_URL", "ftp://cloud.tim.qq.com/v5/tlsvoicesvr"),
        ("sms_sandbox", "VOICE_API_URL", 123),
        ("sms_sandbox_cloud", "VOICE_SDK_APP_ID", ["1400000001"]),
        ("sms_sandbox_cloud", "VOICE_SDK_APP_ID", "１４００"),
    ],
)
def test_an_unusable_voice_address_refuses_voice_not_a_crash(
    request, fixture, setting, value, setup, template, conf, settings
):
    sandbox = request.getfixturevalue(fixture)
    conf(VOICE=True)
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, setting: value}
    assert "tencent_sms.E044" in check_ids()
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, "login", channel="voice")
    assert refused.value.code == "voice_unavailable"
    assert sandbox.requests == []
    send_code(PHONE, "login")  # SMS codes are unaffected
    assert len(sandbox.messages) == 1
