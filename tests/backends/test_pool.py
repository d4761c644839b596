"""The connection pool fits the threads: no new connection once it has warmed up.

Connections are counted where they arrive, at the emulator (``Sandbox.connections``), over real
sockets; nothing here is timed.
"""

import threading

import pytest

from django_tencent_sms.backends import get_backend
from django_tencent_sms.backends.pool import normalize_pool_size
from django_tencent_sms.exceptions import ConfigurationError
from django_tencent_sms.models import SmsTemplate
from django_tencent_sms.sending.content import prepare_message
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db


def _in_threads(count, work):
    """Run ``work(index)`` in ``count`` threads released together; the exceptions raised."""
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        barrier.wait()
        try:
            work(index)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.parametrize("threads", [8, 32, 64])
def test_no_new_connection_after_warm_up(sandbox, threads):
    SmsTemplate.objects.create(name="code", tpl_id=19, text="您的验证码为{1}，{2}分钟内有效。")
    backend = get_backend()  # the shared backend, its pool of the default POOL_SIZE
    messages = [
        prepare_message(f"+86137{i:08d}", 19, ["123456", "5"])[0] for i in range(threads * 4)
    ]
    # Warm-up: every request held at the emulator until all the threads' connections are in,
    # so each thread has one of its own at once: the most the pool is ever asked for.
    before = sandbox.connections
    sandbox.fail_next("slow", count=threads, delay=30)

    def release():
        wait_until(lambda: sandbox.connections - before >= threads, timeout=30)
        sandbox.reset()  # drops the faults not yet drawn and wakes those being played

    releaser = threading.Thread(target=release)
    releaser.start()
    warm = backend.send
    assert _in_threads(threads, lambda i: warm(messages[i])) == []
    releaser.join(60)
    warmed = sandbox.connections
    assert warmed - before <= threads
    for round_ in range(1, 4):
        errors = _in_threads(threads, lambda i, r=round_: backend.send(messages[r * threads + i]))
        assert errors == []
    assert sandbox.connections == warmed  # every later send reused a pooled connection


def test_a_smaller_pool_than_the_threads_opens_connections_again(sandbox, settings):
    # The cost POOL_SIZE avoids, shown: 8 threads through a pool of 2 keep reconnecting.
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "POOL_SIZE": 2}
    SmsTemplate.objects.create(name="code", tpl_id=19, text="您的验证码为{1}，{2}分钟内有效。")
    backend = get_backend()
    assert backend.pool_size == 2
    messages = [prepare_message(f"+86137{i:08d}", 19, ["1234", "5"])[0] for i in range(32)]
    sandbox.fail_next("slow", count=8, delay=0.3)
    assert _in_threads(8, lambda i: backend.send(messages[i])) == []
    warmed = sandbox.connections
    sandbox.fail_next("slow", count=8, delay=0.3)
    assert _in_threads(8, lambda i: backend.send(messages[8 + i])) == []
    assert sandbox.connections > warmed


@pytest.mark.parametrize("value", [0, -1, 1025, True, 1.5, "64", None])
def test_a_bad_pool_size_is_refused(value):
    with pytest.raises(ConfigurationError, match="POOL_SIZE"):
        normalize_pool_size(value)
