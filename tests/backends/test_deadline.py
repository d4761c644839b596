"""The transport's total deadline and answer size cap, over a real socket to the emulator.

A trickling answer (one byte at a time, each well inside the read timeout) is given up within
about ``TIMEOUT``; an answer larger than 1 MiB is refused without being read into memory. Both
leave the row ``unknown``: the request reached the server.
"""

import socket
import threading
import time
import tracemalloc

import pytest

from django_tencent_sms import send_sms
from django_tencent_sms.backends import get_backend
from django_tencent_sms.backends.http import MAX_ANSWER_SIZE, total_timeout
from django_tencent_sms.exceptions import InvalidResponse, ResponseTimeout
from django_tencent_sms.models import SmsLog, SmsTemplate

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"


@pytest.fixture
def template(sandbox):
    return SmsTemplate.objects.create(
        name="code", tpl_id=19, text="您的验证码为{1}，{2}分钟内有效。"
    )


def failed_send(template, expected):
    """The exception ``send_sms`` raised, and the seconds it took to raise it."""
    started = time.monotonic()
    with pytest.raises(expected) as info:
        send_sms(PHONE, template, ["123456", "5"])
    return info.value, time.monotonic() - started


@pytest.mark.parametrize("timeout", [0.5, (0.2, 0.3)], ids=["number", "pair"])
def test_a_trickling_answer_is_given_up_within_the_timeout_and_logged_unknown(
    sandbox, template, settings, timeout
):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": timeout}
    # Every byte of the answer (status line, headers, body) 20 ms after the last: each read is
    # well inside the read timeout, the whole answer would take seconds.
    sandbox.fail_next("trickle", delay=0.02)
    error, elapsed = failed_send(template, ResponseTimeout)
    assert elapsed <= 3 * total_timeout(get_backend().timeout)
    log = SmsLog.objects.get()
    assert error.log == log and log.status == SmsLog.Status.UNKNOWN
    assert "may still be delivered" in log.errmsg
    assert len(sandbox.requests) == 1  # never sent again
    # The pool is still usable: the abandoned connection is not reused.
    send_sms(PHONE, template, ["654321", "5"])
    assert SmsLog.objects.filter(status=SmsLog.Status.SENT).count() == 1


def test_total_timeout_is_the_number_or_the_sum_of_the_pair():
    assert total_timeout(2.0) == 2.0
    assert total_timeout((3.05, 10.0)) == pytest.approx(13.05)


@pytest.mark.parametrize("kind", ["huge", "huge_chunked"])
def test_an_answer_over_the_size_cap_is_refused_unread_and_logged_unknown(sandbox, template, kind):
    sandbox.fail_next(kind, size=200 * 1000 * 1000)
    tracemalloc.start()
    try:
        with pytest.raises(InvalidResponse) as info:
            send_sms(PHONE, template, ["123456", "5"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MAX_ANSWER_SIZE
    log = SmsLog.objects.get()
    assert info.value.log == log and log.status == SmsLog.Status.UNKNOWN
    assert "larger than 1024 KiB" in log.errmsg and "not read" in log.errmsg
    assert len(sandbox.requests) == 1
    send_sms(PHONE, template, ["654321", "5"])
    assert SmsLog.objects.filter(status=SmsLog.Status.SENT).count() == 1


def test_an_answer_just_under_the_cap_is_read(sandbox, template):
    """The cap refuses what is larger, not a large but possible answer."""
    sandbox.fail_next("huge_chunked", size=MAX_ANSWER_SIZE)
    with pytest.raises(InvalidResponse) as info:
        send_sms(PHONE, template, ["123456", "5"])
    # Read in full: a body of blanks is simply not the JSON Tencent sends.
    assert "larger than" not in str(info.value)


class BodyTrickler(threading.Thread):
    """A one-shot HTTP server: the headers at once (no length), then a byte every 20 ms for
    five seconds."""

    def __init__(self):
        super().__init__(daemon=True)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()

    def run(self):
        conn, _ = self.listener.accept()
        with conn:
            received = b""
            while b"\r\n\r\n" not in received:
                received += conn.recv(65536)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
                for _ in range(250):  # five seconds at most
                    if self.stop.wait(0.02):
                        break
                    conn.sendall(b" ")
            except OSError:
                pass  # the client gave up


@pytest.mark.parametrize("sandbox", ["v5"], indirect=True)
def test_a_body_trickling_after_prompt_headers_is_given_up_too(sandbox, template, settings):
    server = BodyTrickler()
    server.start()
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "TIMEOUT": 0.5,
        "API_URL": f"http://127.0.0.1:{server.port}/v5/tlssmssvr",
    }
    try:
        _, elapsed = failed_send(template, ResponseTimeout)
    finally:
        server.stop.set()
        server.listener.close()
    assert elapsed <= 1.5
    assert SmsLog.objects.get().status == SmsLog.Status.UNKNOWN
