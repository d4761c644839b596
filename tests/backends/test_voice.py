"""``send_voice_code`` on every backend: both real ones against the emulator, locmem, console,
and the base class for the backends that cannot call."""

from __future__ import annotations

import io

import phonenumbers
import pytest

from django_tencent_sms.backends import get_backend
from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.backends.console import ConsoleBackend
from django_tencent_sms.backends.dummy import DummyBackend
from django_tencent_sms.exceptions import ConfigurationError, TencentRateLimitError
from django_tencent_sms.sandbox.voice import VoiceLimits
from django_tencent_sms.voice_message import VoiceCodeMessage

MESSAGE = VoiceCodeMessage(phonenumbers.parse("+8613711112222"), "4321", playtimes=3, ext="x")


def test_both_real_backends_place_the_call(sandbox):
    backend = get_backend()
    assert backend.can_send_voice_code
    result = backend.send_voice_code(MESSAGE)
    (call,) = sandbox.calls
    assert result.sid == call.sid and result.ext == "x"
    assert call.params == ["4321"] and call.mobile == "13711112222"


def test_a_refused_call_raises_the_categorised_error(sandbox):
    backend = get_backend()
    backend.send_voice_code(MESSAGE)
    sandbox.voice_limits = VoiceLimits()
    with pytest.raises(TencentRateLimitError):
        backend.send_voice_code(MESSAGE)


def test_the_cloud_backend_needs_the_voice_app(sms_sandbox_cloud, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "VOICE_SDK_APP_ID": ""}
    with pytest.raises(ConfigurationError, match="VOICE_SDK_APP_ID"):
        get_backend().send_voice_code(MESSAGE)
    assert sms_sandbox_cloud.requests == []


def test_an_unusable_voice_endpoint_is_a_configuration_error(sms_sandbox_cloud, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "VOICE_ENDPOINT": "http://h/path"}
    with pytest.raises(ConfigurationError, match="VOICE_ENDPOINT"):
        get_backend().send_voice_code(MESSAGE)


def test_console_reads_the_code_out():
    stream = io.StringIO()
    ConsoleBackend(stream=stream).send_voice_code(MESSAGE)
    assert "Voice call to +8613711112222" in stream.getvalue()
    assert "4 3 2 1" in stream.getvalue()


@pytest.mark.parametrize("backend", [BaseBackend(), DummyBackend()])
def test_backends_that_cannot_call_say_so(backend):
    assert not backend.can_send_voice_code
    with pytest.raises(NotImplementedError, match="cannot place voice-code calls"):
        backend.send_voice_code(MESSAGE)
