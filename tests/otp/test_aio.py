"""``asend_code``, ``acheck_code`` and ``averify_code`` from async code, over the emulator:
the limits, the single use and the hashing of the sync service, and cancellation mid-send."""

from __future__ import annotations

import asyncio

import pytest
from django.core.exceptions import SynchronousOnlyOperation

from django_tencent_sms.exceptions import CodeRequestRefused, InvalidMessage, TransportError
from django_tencent_sms.models import SmsLog, VerificationCode
from django_tencent_sms.otp import Reason, acheck_code, asend_code, averify_code, send_code
from django_tencent_sms.sending.aio import in_thread
from django_tencent_sms.sending.content import REDACTED
from tests.aio import eventually, run_async, until_requested
from tests.helpers import PHONE, wrong

pytestmark = pytest.mark.django_db(transaction=True)


def sent_code(sandbox):
    return sandbox.messages[-1].params[0]


def codes():
    return list(VerificationCode.objects.order_by("pk"))


@run_async
async def test_a_code_sent_and_verified_from_async_code(sms_sandbox, setup):
    with pytest.raises(SynchronousOnlyOperation):
        send_code(PHONE)
    record = await asend_code(PHONE, "login")
    code = sent_code(sms_sandbox)
    assert record.state == VerificationCode.State.SENT and code not in record.code_hash
    (log,) = await in_thread(lambda: list(SmsLog.objects.all()))
    assert log.status == "sent" and REDACTED in log.params and code not in log.params
    result = await acheck_code(PHONE, wrong(code))
    assert result.reason is Reason.WRONG and result.attempts_left == 4  # MAX_ATTEMPTS 5
    assert await averify_code(PHONE, code) is True
    assert await averify_code(PHONE, code) is False  # single use
    assert (await acheck_code(PHONE, code)).reason is Reason.USED


@run_async
async def test_limits_refuse_as_they_do_for_send_code(sms_sandbox, setup):
    await asend_code(PHONE)
    with pytest.raises(CodeRequestRefused) as info:
        await asend_code(PHONE)
    assert info.value.code == "cooldown" and len(sms_sandbox.messages) == 1
    with pytest.raises(InvalidMessage):
        await asend_code("12345")
    assert len(await in_thread(codes)) == 1  # refused requests leave no code


@run_async
async def test_a_lost_answer_leaves_a_usable_code(sms_sandbox, setup):
    sms_sandbox.fail_next("lost_answer", delay=0.1)  # accepted, answer lost
    with pytest.raises(TransportError):
        await asend_code(PHONE)
    (record,) = await in_thread(codes)
    assert record.state == VerificationCode.State.UNKNOWN  # it may have arrived
    assert await averify_code(PHONE, sent_code(sms_sandbox)) is True


@run_async
async def test_a_code_cancelled_mid_send_is_sent_and_recorded(sms_sandbox, setup):
    sms_sandbox.fail_next("slow", delay=8.0)  # held until released (within the 10 s timeout)
    task = asyncio.create_task(asend_code(PHONE))
    assert await until_requested(sms_sandbox)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (record,) = await in_thread(codes)
    assert record.state == VerificationCode.State.PENDING  # the caller did not wait
    sms_sandbox.release_slow()
    record = await eventually(lambda: VerificationCode.objects.exclude(state="pending").first())
    assert record.state == VerificationCode.State.SENT
    assert await eventually(lambda: SmsLog.objects.filter(status="sent").count() == 1)
    assert await averify_code(PHONE, sent_code(sms_sandbox)) is True
    assert len(sms_sandbox.requests) == 1
