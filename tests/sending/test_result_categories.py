"""What a refusal's category does, end to end on both backends, with the emulator answering the
code: the exception, the log row, a verification code and its sign-in page, a bulk send."""

import pytest

from django_tencent_sms import send_bulk, send_sms
from django_tencent_sms.exceptions import (
    TencentAccountError,
    TencentRateLimitError,
    TencentUnknownOutcomeError,
)
from django_tencent_sms.models import SmsLog, VerificationCode
from django_tencent_sms.otp import send_code
from tests.helpers import PHONE
from tests.otp import flows

pytestmark = pytest.mark.django_db

Status = SmsLog.Status


@pytest.fixture
def otp_defaults(otp_defaults):
    return flows.with_user_lookup(otp_defaults)


#: API 3.0 code → the legacy ``result`` the v5 emulator answers for it (its equivalent, or the
#: legacy code of the same kind when it has none).
APP_LIMITS = {
    "LimitExceeded.AppDailyLimit": 1022,
    "LimitExceeded.AppGlobalDailyLimit": 1047,
    "LimitExceeded.AppCountryOrRegionDailyLimit": 1022,
    "LimitExceeded.AppMainlandChinaDailyLimit": 1022,
    "LimitExceeded.DailyLimit": 1047,
    "LimitExceeded.GlobalSmsSendingRateLimit": 1047,
}


def fail_with(sandbox, code, result, count=1):
    sandbox.fail_next("result", code=code, result=result, count=count)


def expected_code(sandbox, code):
    """What ``exc.code`` is on this backend: the name on API 3.0, empty on the legacy API."""
    return code if sandbox.requests[-1].endpoint == "SendSms" else ""


@pytest.mark.parametrize(("code", "result"), APP_LIMITS.items())
def test_an_application_limit_is_the_operators_and_logged_failed(sandbox, setup, code, result):
    fail_with(sandbox, code, result)
    with pytest.raises(TencentAccountError) as info:
        send_sms(PHONE, "login-code", ["123456", "5"])
    exc = info.value
    assert not exc.user_facing and not isinstance(exc, TencentRateLimitError)
    assert exc.code == expected_code(sandbox, code)
    assert SmsLog.objects.get(pk=exc.log.pk).status == Status.FAILED


def test_send_and_recv_fail_is_unknown_and_never_sent_again(sandbox, setup):
    fail_with(sandbox, "InternalError.SendAndRecvFail", 1008)
    with pytest.raises(TencentUnknownOutcomeError) as info:
        send_sms(PHONE, "login-code", ["123456", "5"])
    log = SmsLog.objects.get(pk=info.value.log.pk)
    assert log.status == Status.UNKNOWN and log.errmsg
    assert len(sandbox.requests) == 1


def test_a_sensitive_word_is_not_blamed_on_the_person(sandbox, setup, client, settings):
    flows.mount(settings)
    fail_with(sandbox, "FailedOperation.ContainSensitiveWord", 1002)
    response = flows.post_json(client, flows.API_REQUEST, {"phone": PHONE})
    assert response.status_code == 502 and response.json()["error"]["code"] == "send_failed"
    assert VerificationCode.objects.get().state == VerificationCode.State.FAILED


@pytest.mark.parametrize(("code", "result"), list(APP_LIMITS.items())[:2])
def test_an_application_limit_does_not_tell_the_person_to_wait(
    sandbox, setup, client, settings, code, result
):
    flows.mount(settings)
    fail_with(sandbox, code, result)
    response = flows.post_json(client, flows.API_REQUEST, {"phone": PHONE})
    assert response.status_code == 502 and response.json()["error"]["code"] == "send_failed"
    assert VerificationCode.objects.get().state == VerificationCode.State.FAILED


def test_a_per_number_limit_still_tells_the_person_to_wait(sandbox, setup, client, settings):
    flows.mount(settings)
    fail_with(sandbox, "LimitExceeded.PhoneNumberDailyLimit", 1025)
    response = flows.post_json(client, flows.API_REQUEST, {"phone": PHONE})
    assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"


def test_an_unknown_outcome_keeps_the_verification_code_usable(sandbox, setup, client, settings):
    flows.mount(settings)
    fail_with(sandbox, "InternalError.SendAndRecvFail", 1008)
    response = flows.post_json(client, flows.API_REQUEST, {"phone": PHONE})
    assert response.json()["error"]["code"] == "send_unknown"
    assert VerificationCode.objects.get().state == VerificationCode.State.UNKNOWN
    assert len(sandbox.requests) == 1


def test_send_code_raises_the_unknown_outcome(sandbox, setup):
    fail_with(sandbox, "InternalError.Timeout", 1008)
    with pytest.raises(TencentUnknownOutcomeError):
        send_code(PHONE)
    assert VerificationCode.objects.get().state == VerificationCode.State.UNKNOWN


def numbers(count):
    return [f"+86137{i:08d}" for i in range(count)]


def test_bulk_an_unknown_outcome_is_unknown_for_its_numbers_and_sent_once(sandbox, setup):
    fail_with(sandbox, "InternalError.SendAndRecvFail", 1008)
    try:
        summary = send_bulk(numbers(3), "login-code", ["1", "5"])
    except TencentUnknownOutcomeError as exc:  # the legacy API refuses the whole request
        summary = exc.summary
    assert summary.unknown == 3 and summary.sent == summary.failed == 0
    assert set(SmsLog.objects.values_list("status", flat=True)) == {Status.UNKNOWN}
    assert len(sandbox.requests) == 1


def test_bulk_an_application_limit_stops_the_send(sandbox, setup, settings):
    # One batch at a time, so that the refusal stops the send before a second request.
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "BULK_CONCURRENCY": 1}
    fail_with(sandbox, "LimitExceeded.AppDailyLimit", 1022)
    with pytest.raises(TencentAccountError) as info:
        send_bulk(numbers(250), "login-code", ["1", "5"])
    assert len(sandbox.requests) == 1
    assert info.value.summary.sent == 0 and info.value.summary.failed == 250
