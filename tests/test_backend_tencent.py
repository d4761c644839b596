"""End to end over a real socket: send_sms → TencentBackend → the local Tencent emulator."""

import json
import socket
import ssl

import pytest
import requests
import urllib3
import urllib3.util.connection
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_tencent_sms import send_sms
from django_tencent_sms.backends import get_backend
from django_tencent_sms.backends.tencent import TencentBackend, _never_sent
from django_tencent_sms.exceptions import (
    ConnectError,
    ConnectionLost,
    HTTPStatusError,
    InvalidMessage,
    InvalidResponse,
    ResponseTimeout,
    SmsError,
    TencentAccountError,
    TencentInputError,
    TencentRateLimitError,
    TencentTransientError,
)
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.pytest_plugin import SANDBOX_APP_KEY
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"


@pytest.fixture
def template(sms_sandbox):
    return SmsTemplate.objects.create(
        name="login-code", tpl_id=19, text="您的验证码为{1}，{2}分钟内有效。"
    )


def test_send_returns_the_emulators_sid_and_fee(sms_sandbox, template):
    log = send_sms(PHONE, "login-code", ["123456", 5], ext="order-42")
    (message,) = sms_sandbox.messages
    assert log.status == SmsLog.Status.SENT and log.result == 0
    assert log.sid == message.sid and log.sid
    assert log.fee == message.fee == 1
    assert message.text == "【腾讯云】您的验证码为123456，5分钟内有效。"
    assert (message.nationcode, message.mobile, message.tpl_id) == ("86", "13711112222", 19)
    assert message.params == ["123456", "5"] and message.ext == "order-42"
    SmsLog.objects.get(pk=log.pk, sid=message.sid)  # persisted, not only on the instance


def test_request_shape_on_the_wire(sms_sandbox, template):
    send_sms(PHONE, template, ["123456", "5"])
    (request,) = sms_sandbox.requests
    body = json.loads(request.body)
    assert request.endpoint == "sendsms"
    assert request.query["sdkappid"] == "1400000000"
    assert len(request.query["random"]) == 10
    assert body["tel"] == {"nationcode": "86", "mobile": "13711112222"}
    assert body["tpl_id"] == 19 and body["params"] == ["123456", "5"]
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("django-tencent-sms/")


def test_long_messages_are_billed_per_part(sms_sandbox):
    SmsTemplate.objects.create(name="long", tpl_id=20, text="通知：" + "很" * 120 + "{1}")
    log = send_sms(PHONE, "long", ["x"])
    assert log.fee == 2 == sms_sandbox.messages[0].fee


def test_international_number(sms_sandbox, template):
    log = send_sms("+447400123456", template, ["123456", "5"])
    assert log.status == SmsLog.Status.SENT
    assert (sms_sandbox.messages[0].nationcode, sms_sandbox.messages[0].mobile) == (
        "44",
        "7400123456",
    )


def test_connections_are_kept_alive_and_reused(sms_sandbox, template):
    before = sms_sandbox.connections
    for _ in range(5):
        send_sms(PHONE, template, ["123456", "5"])
    assert len(sms_sandbox.messages) == 5
    assert sms_sandbox.connections - before == 1
    assert len({r.connection for r in sms_sandbox.requests}) == 1


def test_every_request_has_a_fresh_random(sms_sandbox, template):
    for _ in range(3):
        send_sms(PHONE, template, ["123456", "5"])
    assert len({r.query["random"] for r in sms_sandbox.requests}) == 3


def test_queries_per_send_against_the_real_backend(sms_sandbox, template):
    send_sms(PHONE, template, ["1", "2"])  # warm up the connection
    with CaptureQueriesContext(connection) as queries:
        send_sms(PHONE, template, ["1", "2"])
    assert len(queries) == 2  # INSERT pending, UPDATE outcome


# --- Tencent refusals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "exc_class"),
    [
        (1016, TencentInputError),
        (1025, TencentRateLimitError),
        (1031, TencentAccountError),
        (1008, TencentTransientError),
    ],
)
def test_refusals_raise_by_category_and_log_failed(sms_sandbox, template, result, exc_class):
    sms_sandbox.fail_next("result", result=result)
    with pytest.raises(exc_class) as info:
        send_sms(PHONE, template, ["123456", "5"])
    log = info.value.log
    assert log.status == SmsLog.Status.FAILED and log.result == result and log.errmsg
    assert log.sid == "" and log.fee is None
    assert SmsLog.objects.get(pk=log.pk).status == SmsLog.Status.FAILED
    assert len(sms_sandbox.requests) == 1  # refusals are not retried


def test_wrong_app_key_is_refused_with_1001(sms_sandbox, template, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "APP_KEY": "wrong-key"}
    with pytest.raises(TencentAccountError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.result == 1001
    assert "wrong-key" not in str(info.value) + repr(info.value)


def test_trailing_space_on_the_app_key_does_not_break_the_signature(
    sms_sandbox, template, settings
):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "APP_KEY": SANDBOX_APP_KEY + " "}
    assert send_sms(PHONE, template, ["123456", "5"]).status == SmsLog.Status.SENT


def test_frequency_limit_reaches_the_caller_as_a_rate_limit(sms_sandbox, template):
    from django_tencent_sms.sandbox import FrequencyLimits

    sms_sandbox.limits = FrequencyLimits(per_30s=1, per_hour=None, per_day=None)
    send_sms(PHONE, template, ["123456", "5"])
    with pytest.raises(TencentRateLimitError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.result == 1023 and info.value.user_facing


def test_unknown_tpl_id_is_refused_by_tencent(sms_sandbox, template):
    with pytest.raises(TencentAccountError) as info:
        send_sms(PHONE, 404, ["a"])  # no SmsTemplate row: only Tencent can tell
    assert info.value.result == 1014


# --- transport faults -------------------------------------------------------------------


def test_http_500_is_unknown(sms_sandbox, template):
    sms_sandbox.fail_next("http_error", status=500)
    with pytest.raises(HTTPStatusError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.status == 500
    assert info.value.log.status == SmsLog.Status.UNKNOWN
    assert len(sms_sandbox.requests) == 1


def test_http_404_is_failed(sms_sandbox, template):
    sms_sandbox.fail_next("http_error", status=404)
    with pytest.raises(HTTPStatusError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.log.status == SmsLog.Status.FAILED


def test_body_that_is_not_json_is_unknown(sms_sandbox, template):
    sms_sandbox.fail_next("not_json")
    with pytest.raises(InvalidResponse) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.log.status == SmsLog.Status.UNKNOWN


def test_dropped_connection_is_unknown_and_not_retried(sms_sandbox, template):
    sms_sandbox.fail_next("drop")
    with pytest.raises(ConnectionLost) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.log.status == SmsLog.Status.UNKNOWN
    assert len(sms_sandbox.requests) == 1


def test_timeout_after_the_body_was_sent_is_unknown_and_sent_exactly_once(
    sms_sandbox, template, settings
):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": (1.0, 0.2)}
    sms_sandbox.fail_next("slow", delay=0.5)
    with pytest.raises(ResponseTimeout) as info:
        send_sms(PHONE, template, ["123456", "5"])
    log = SmsLog.objects.get()
    assert info.value.log == log and log.status == SmsLog.Status.UNKNOWN
    assert "may still be delivered" in log.errmsg
    # Tencent goes on to send it: exactly one request, exactly one SMS, no retry.
    assert wait_until(lambda: len(sms_sandbox.messages) == 1)
    assert len(sms_sandbox.requests) == 1


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_is_failed_after_bounded_retries(db, settings, monkeypatch):
    port = closed_port()
    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
        "SDK_APP_ID": "1400000000",
        "APP_KEY": "k",
        "API_URL": f"http://127.0.0.1:{port}/v5/tlssmssvr",
        "CONNECT_RETRIES": 2,
    }
    attempts = []
    real = urllib3.util.connection.create_connection

    def counting(*args, **kwargs):
        attempts.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", counting)
    SmsTemplate.objects.create(name="t", tpl_id=1, text="hi {1}")
    with pytest.raises(ConnectError) as info:
        send_sms(PHONE, "t", ["x"])
    assert len(attempts) == 3  # one try and two retries, then it gives up
    assert not info.value.may_have_reached_tencent
    assert info.value.log.status == SmsLog.Status.FAILED


def test_a_refused_connect_is_retried_and_then_sent_once(sms_sandbox, template, monkeypatch):
    real = urllib3.util.connection.create_connection
    failures = [ConnectionRefusedError(111, "Connection refused")]

    def flaky(*args, **kwargs):
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", flaky)
    log = send_sms(PHONE, template, ["123456", "5"])
    assert log.status == SmsLog.Status.SENT
    assert len(sms_sandbox.requests) == 1 and len(sms_sandbox.messages) == 1


# --- input never leaves the machine -----------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "params"),
    [
        ("12345", ["123456", "5"]),
        (PHONE, ["123456"]),
        (PHONE, ["1234567890123", "5"]),
        (PHONE, ["123456", "5", "extra"]),
    ],
)
def test_bad_input_never_reaches_the_emulator(sms_sandbox, template, phone, params):
    with pytest.raises(InvalidMessage):
        send_sms(phone, template, params)
    assert sms_sandbox.requests == []
    assert not SmsLog.objects.exists()


def test_unknown_template_name_never_reaches_the_emulator(sms_sandbox, template):
    with pytest.raises(InvalidMessage):
        send_sms(PHONE, "no-such-template", [])
    assert sms_sandbox.requests == []


# --- secrets ----------------------------------------------------------------------------


def test_the_app_key_appears_in_no_message_repr_or_row(sms_sandbox, template, caplog, settings):
    secret = "Secret-App-Key-0123456789"  # the emulator refuses it: 1001 in the last round
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "APP_KEY": secret}
    texts = []
    backend = get_backend()
    texts += [repr(backend), str(backend.__dict__.get("api_url"))]
    for fault in ("http_error", "not_json", "drop", None):
        if fault:
            sms_sandbox.fail_next(fault)
        with pytest.raises(SmsError) as info:
            send_sms(PHONE, template, ["123456", "5"])
        texts += [str(info.value), repr(info.value), repr(info.value.__cause__)]
    rows = list(SmsLog.objects.values())
    texts += [repr(rows), caplog.text]
    assert all(secret not in t for t in texts)
    assert len(rows) == 4


def test_shared_backend_is_reused_and_replaced_when_settings_change(sms_sandbox, settings):
    first = get_backend()
    assert get_backend() is first and isinstance(first, TencentBackend)
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": 2}
    assert get_backend() is not first and get_backend().timeout == 2.0


def test_an_unusable_api_url_found_at_send_time_is_failed_not_unknown(
    sms_sandbox, template, settings
):
    from django_tencent_sms.exceptions import ConfigurationError

    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "API_URL": "http://127.0.0.1:99999/v5"}
    with pytest.raises(ConfigurationError):
        send_sms(PHONE, template, ["123456", "5"])
    log = SmsLog.objects.get()
    assert log.status == SmsLog.Status.FAILED and sms_sandbox.requests == []


def tls_error(reason):
    pool = urllib3.HTTPSConnectionPool("sms.example", 443)
    wrapped = urllib3.exceptions.MaxRetryError(pool, "/", reason=reason)
    return requests.exceptions.SSLError(wrapped)


def test_only_a_certificate_failure_counts_as_never_sent_among_tls_errors():
    # A TLS error while reading the answer (the server reset the connection after reading the
    # request) may follow a request Tencent received: it must not be retried.
    after_send = tls_error(urllib3.exceptions.SSLError(ssl.SSLError(1, "unexpected eof")))
    assert not _never_sent(after_send)
    bad_cert = urllib3.exceptions.SSLError(ssl.SSLCertVerificationError(1, "self-signed"))
    assert _never_sent(tls_error(bad_cert))
    refused = urllib3.exceptions.NewConnectionError(None, "refused")
    assert _never_sent(
        requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason=refused))
    )
