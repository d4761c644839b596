"""A burst of parallel sends through the real backends to the emulator, over real sockets."""

import threading

import pytest

from django_tencent_sms.backends import get_backend
from django_tencent_sms.models import SmsTemplate
from django_tencent_sms.sending.content import prepare_message

pytestmark = pytest.mark.django_db

BURST = 30


def test_thirty_parallel_sends_all_succeed(sandbox):
    SmsTemplate.objects.create(name="code", tpl_id=19, text="您的验证码为{1}，{2}分钟内有效。")
    messages = [
        prepare_message(f"+86137{index:08d}", 19, ["123456", "5"])[0] for index in range(BURST)
    ]
    backend = get_backend()  # one backend, shared by the threads as the service shares it
    results: list = [None] * BURST
    barrier = threading.Barrier(BURST)

    def client(index):
        barrier.wait()
        try:
            results[index] = backend.send(messages[index]).sid
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=client, args=(i,)) for i in range(BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [r for r in results if not isinstance(r, str)] == []
    assert len(sandbox.messages) == BURST
