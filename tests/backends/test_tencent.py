"""End to end over a real socket: send_sms → the real backend → the local Tencent emulator.

Every end-to-end test runs for both API generations (the ``sandbox`` fixture is parametrised):
``TencentBackend`` on the legacy v5 API and ``TencentCloudBackend`` on API 3.0. Tests of what
differs on the wire are marked ``legacy_only`` or ``cloud_only``.
"""

import json
import re
import socket
import ssl
import time

import pytest
import requests
import urllib3
import urllib3.util.connection
from django.db import connection
from django.test.utils import CaptureQueriesContext
from requests.adapters import HTTPAdapter

from django_tencent_sms import send_sms
from django_tencent_sms.backends import get_backend
from django_tencent_sms.backends.http import never_sent
from django_tencent_sms.backends.tencent import TencentBackend, new_random
from django_tencent_sms.backends.tencentcloud import TencentCloudBackend
from django_tencent_sms.exceptions import (
    ConfigurationError,
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
from django_tencent_sms.models import SmsDailyStat, SmsLog, SmsTemplate
from django_tencent_sms.pytest_plugin import (
    SANDBOX_APP_KEY,
    SANDBOX_SDK_APP_ID,
    SANDBOX_SECRET_ID,
    SANDBOX_SECRET_KEY,
)
from django_tencent_sms.sending.content import prepare_message
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db

PHONE = "+8613711112222"

#: The backend each API generation of the ``sandbox`` fixture configures, and its secret setting.
GENERATIONS = {
    "v5": (TencentBackend, "APP_KEY", SANDBOX_APP_KEY),
    "cloud": (TencentCloudBackend, "SECRET_KEY", SANDBOX_SECRET_KEY),
}
legacy_only = pytest.mark.parametrize("sandbox", ["v5"], indirect=True)
cloud_only = pytest.mark.parametrize("sandbox", ["cloud"], indirect=True)


@pytest.fixture
def api(sandbox, request):
    """``"v5"`` or ``"cloud"``: the generation ``sandbox`` was set up for."""
    return request.node.callspec.params["sandbox"]


@pytest.fixture
def secret(api):
    """``(setting, value)`` of the secret the backend signs with."""
    return GENERATIONS[api][1:]


@pytest.fixture
def template(sandbox):
    return SmsTemplate.objects.create(
        name="login-code", tpl_id=19, text="您的验证码为{1}，{2}分钟内有效。"
    )


def test_send_returns_the_emulators_sid_and_fee(sandbox, template):
    log = send_sms(PHONE, "login-code", ["123456", 5], ext="order-42")
    (message,) = sandbox.messages
    assert log.status == SmsLog.Status.SENT and log.result == 0
    assert log.sid == message.sid and log.sid
    assert log.fee == message.fee == 1
    assert message.text == "【腾讯云】您的验证码为123456，5分钟内有效。"
    assert (message.nationcode, message.mobile, message.tpl_id) == ("86", "13711112222", 19)
    assert message.params == ["123456", "5"] and message.ext == "order-42"
    SmsLog.objects.get(pk=log.pk, sid=message.sid)  # persisted, not only on the instance


@legacy_only
def test_request_shape_on_the_wire(sandbox, template):
    send_sms(PHONE, template, ["123456", "5"])
    (request,) = sandbox.requests
    body = json.loads(request.body)
    assert request.endpoint == "sendsms"
    assert request.query["sdkappid"] == "1400000000"
    assert len(request.query["random"]) == 10
    assert body["tel"] == {"nationcode": "86", "mobile": "13711112222"}
    assert body["tpl_id"] == 19 and body["params"] == ["123456", "5"]
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("django-tencent-sms/")


@cloud_only
def test_api3_request_shape_on_the_wire(sandbox, template):
    before = int(time.time())
    send_sms(PHONE, template, ["123456", "5"])
    (request,) = sandbox.requests
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert request.method == "POST" and request.endpoint == "SendSms" and request.code == "Ok"
    assert headers["x-tc-action"] == "SendSms"
    assert headers["x-tc-version"] == "2021-01-11"
    assert headers["x-tc-region"] == "ap-guangzhou"
    assert before <= int(headers["x-tc-timestamp"]) <= int(time.time())
    assert headers["content-type"] == "application/json"
    assert headers["host"] == sandbox.cloud_endpoint.removeprefix("http://")
    assert headers["user-agent"].startswith("django-tencent-sms/")
    assert re.fullmatch(
        rf"TC3-HMAC-SHA256 Credential={SANDBOX_SECRET_ID}/\d{{4}}-\d{{2}}-\d{{2}}/sms/tc3_request, "
        r"SignedHeaders=content-type;host, Signature=[0-9a-f]{64}",
        headers["authorization"],
    )
    # TemplateId is a string in API 3.0; empty optional fields are left out.
    assert json.loads(request.body) == {
        "PhoneNumberSet": ["+8613711112222"],
        "SmsSdkAppId": SANDBOX_SDK_APP_ID,
        "TemplateId": "19",
        "TemplateParamSet": ["123456", "5"],
        "SignName": "腾讯云",
    }


@cloud_only
def test_api3_ext_and_extend_travel_as_session_context_and_extend_code(sandbox, template):
    log = send_sms(PHONE, template, ["123456", "5"], ext="order-42", extend="12")
    body = json.loads(sandbox.requests[0].body)
    assert body["SessionContext"] == "order-42" and body["ExtendCode"] == "12"
    (message,) = sandbox.messages
    assert (message.ext, message.extend) == ("order-42", "12")
    assert log.status == SmsLog.Status.SENT


@cloud_only
def test_api3_request_id_reaches_the_result_the_exception_and_the_log(sandbox, template):
    from django_tencent_sms.signals import sms_sent

    results = []

    def receiver(sender, log, result, **kwargs):
        results.append(result)

    sms_sent.connect(receiver)
    try:
        send_sms(PHONE, template, ["123456", "5"])
    finally:
        sms_sent.disconnect(receiver)
    (result,) = results
    assert re.fullmatch(r"[0-9a-f-]{36}", result.request_id)
    assert result.sid == sandbox.messages[0].sid
    # …and the log keeps it, for support tickets.
    assert SmsLog.objects.get(sid=result.sid).request_id == result.request_id

    sandbox.fail_next("result", result=1031)
    with pytest.raises(TencentAccountError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert re.fullmatch(r"[0-9a-f-]{36}", info.value.request_id)
    assert info.value.code == "FailedOperation.InsufficientBalanceInSmsPackage"
    assert info.value.log.errmsg.startswith("FailedOperation.InsufficientBalanceInSmsPackage: ")
    assert SmsLog.objects.get(pk=info.value.log.pk).request_id == info.value.request_id


def test_long_messages_are_billed_per_part(sandbox):
    SmsTemplate.objects.create(name="long", tpl_id=20, text="通知：" + "很" * 120 + "{1}")
    log = send_sms(PHONE, "long", ["x"])
    assert log.fee == 2 == sandbox.messages[0].fee


def test_international_number(sandbox, template):
    log = send_sms("+447400123456", template, ["123456", "5"])
    assert log.status == SmsLog.Status.SENT
    assert (sandbox.messages[0].nationcode, sandbox.messages[0].mobile) == (
        "44",
        "7400123456",
    )


def test_connections_are_kept_alive_and_reused(sandbox, template):
    before = sandbox.connections
    for _ in range(5):
        send_sms(PHONE, template, ["123456", "5"])
    assert len(sandbox.messages) == 5
    assert sandbox.connections - before == 1
    assert len({r.connection for r in sandbox.requests}) == 1


@legacy_only
def test_every_request_has_a_fresh_random(sandbox, template):
    for _ in range(3):
        send_sms(PHONE, template, ["123456", "5"])
    assert len({r.query["random"] for r in sandbox.requests}) == 3


def test_queries_per_send_against_the_real_backend(sandbox, template):
    send_sms(PHONE, template, ["1", "2"])  # warm up the connection
    with CaptureQueriesContext(connection) as queries:
        send_sms(PHONE, template, ["1", "2"])
    # INSERT pending, UPDATE outcome, each followed by the dashboard rollup's upsert (on
    # MariaDB the outcome's save() first reads the row locked, for the rollup). On PostgreSQL
    # each write carries its upsert in one statement, with no transaction around it.
    log, stats = (connection.ops.quote_name(m._meta.db_table) for m in (SmsLog, SmsDailyStat))
    writes = [q["sql"] for q in queries if not q["sql"].startswith("SELECT")]
    if connection.vendor == "postgresql":
        assert len(queries) == len(writes) == 2
        upsert = f"), s AS (INSERT INTO {stats} "
        assert writes[0].startswith(f"WITH w AS (INSERT INTO {log}") and upsert in writes[0]
        assert writes[1].startswith(f"WITH w AS (UPDATE {log}") and upsert in writes[1]
        return
    expected = [
        f"INSERT INTO {log}",
        f"INSERT INTO {stats}",
        f"UPDATE {log}",
        f"INSERT INTO {stats}",
    ]
    assert len(writes) == 4 and all(w.startswith(e) for w, e in zip(writes, expected, strict=True))
    assert len(queries) == 4 + (connection.vendor == "mysql")


# --- Tencent refusals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "exc_class"),
    [
        (1016, TencentInputError),
        (1025, TencentRateLimitError),
        (1031, TencentAccountError),
        (1007, TencentTransientError),
    ],
)
def test_refusals_raise_by_category_and_log_failed(sandbox, template, result, exc_class, api):
    # On API 3.0 the emulator answers the same refusal with its API 3.0 code: 1016 and 1025 in
    # the number's SendStatus, 1031 and 1007 as the request's Error.
    sandbox.fail_next("result", result=result)
    with pytest.raises(exc_class) as info:
        send_sms(PHONE, template, ["123456", "5"])
    if api == "cloud":
        assert info.value.code and info.value.request_id
    log = info.value.log
    assert log.status == SmsLog.Status.FAILED and log.result == result and log.errmsg
    assert log.sid == "" and log.fee is None
    assert SmsLog.objects.get(pk=log.pk).status == SmsLog.Status.FAILED
    assert len(sandbox.requests) == 1  # refusals are not retried


def test_wrong_app_key_is_refused_with_1001(sandbox, template, settings, secret, api):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, secret[0]: "wrong-key"}
    with pytest.raises(TencentAccountError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.result == 1001
    assert "wrong-key" not in str(info.value) + repr(info.value)
    if api == "cloud":
        assert info.value.code == "AuthFailure.SignatureFailure"
        assert "SECRET_KEY" in info.value.hint


def test_trailing_space_on_the_app_key_does_not_break_the_signature(
    sandbox, template, settings, secret
):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, secret[0]: secret[1] + " "}
    assert send_sms(PHONE, template, ["123456", "5"]).status == SmsLog.Status.SENT


def test_a_request_time_off_by_more_than_the_window_is_refused(sandbox, template, api, monkeypatch):
    # Legacy: 10 minutes (1021). API 3.0: 5 minutes (AuthFailure.SignatureExpire, also 1021).
    skew = 700 if api == "v5" else 400
    monkeypatch.setattr(sandbox, "clock", lambda: time.time() + skew)
    with pytest.raises(TencentAccountError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.result == 1021 and sandbox.messages == []
    if api == "cloud":
        assert info.value.code == "AuthFailure.SignatureExpire"


@cloud_only
def test_api3_wrong_secret_id_is_refused(sandbox, template, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "SECRET_ID": "AKIDsomebodyElse"}
    with pytest.raises(TencentAccountError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.code == "AuthFailure.SecretIdNotFound" and info.value.result is None
    log = info.value.log
    assert log.status == SmsLog.Status.FAILED and log.result is None
    assert log.errmsg.startswith("AuthFailure.SecretIdNotFound")


def test_wrong_sdk_app_id_is_refused_with_1019(sandbox, template, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "SDK_APP_ID": "1400000001"}
    with pytest.raises(TencentAccountError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.result == 1019


def test_frequency_limit_reaches_the_caller_as_a_rate_limit(sandbox, template):
    from django_tencent_sms.sandbox import FrequencyLimits

    sandbox.limits = FrequencyLimits(per_30s=1, per_hour=None, per_day=None)
    send_sms(PHONE, template, ["123456", "5"])
    with pytest.raises(TencentRateLimitError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.result == 1023 and info.value.user_facing


def test_unknown_tpl_id_is_refused_by_tencent(sandbox, template):
    with pytest.raises(TencentAccountError) as info:
        send_sms(PHONE, 404, ["a"])  # no SmsTemplate row: only Tencent can tell
    assert info.value.result == 1014


# --- transport faults -------------------------------------------------------------------


def test_http_500_is_unknown(sandbox, template):
    sandbox.fail_next("http_error", status=500)
    with pytest.raises(HTTPStatusError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.status == 500
    assert info.value.log.status == SmsLog.Status.UNKNOWN
    assert len(sandbox.requests) == 1


def test_http_404_is_failed(sandbox, template):
    sandbox.fail_next("http_error", status=404)
    with pytest.raises(HTTPStatusError) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.log.status == SmsLog.Status.FAILED


def test_body_that_is_not_json_is_unknown(sandbox, template):
    sandbox.fail_next("not_json")
    with pytest.raises(InvalidResponse) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.log.status == SmsLog.Status.UNKNOWN


def test_dropped_connection_is_unknown_and_not_retried(sandbox, template):
    sandbox.fail_next("drop")
    with pytest.raises(ConnectionLost) as info:
        send_sms(PHONE, template, ["123456", "5"])
    assert info.value.log.status == SmsLog.Status.UNKNOWN
    assert len(sandbox.requests) == 1


def test_timeout_after_the_body_was_sent_is_unknown_and_sent_exactly_once(
    sandbox, template, settings
):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": (1.0, 0.2)}
    sandbox.fail_next("slow", delay=0.5)
    with pytest.raises(ResponseTimeout) as info:
        send_sms(PHONE, template, ["123456", "5"])
    log = SmsLog.objects.get()
    assert info.value.log == log and log.status == SmsLog.Status.UNKNOWN
    assert "may still be delivered" in log.errmsg
    # Tencent goes on to send it: exactly one request, exactly one SMS, no retry.
    assert wait_until(lambda: len(sandbox.messages) == 1)
    assert len(sandbox.requests) == 1


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "configure",
    [
        lambda port: {
            "BACKEND": "django_tencent_sms.backends.tencent.TencentBackend",
            "SDK_APP_ID": "1400000000",
            "APP_KEY": "k",
            "API_URL": f"http://127.0.0.1:{port}/v5/tlssmssvr",
        },
        lambda port: {
            "BACKEND": "django_tencent_sms.backends.tencentcloud.TencentCloudBackend",
            "SDK_APP_ID": "1400000000",
            "SECRET_ID": "AKIDk",
            "SECRET_KEY": "k",
            "ENDPOINT": f"http://127.0.0.1:{port}",
        },
    ],
    ids=["v5", "cloud"],
)
def test_connection_refused_is_failed_after_bounded_retries(db, settings, monkeypatch, configure):
    port = closed_port()
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, **configure(port), "CONNECT_RETRIES": 2}
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


def test_a_refused_connect_is_retried_and_then_sent_once(sandbox, template, monkeypatch):
    real = urllib3.util.connection.create_connection
    failures = [ConnectionRefusedError(111, "Connection refused")]

    def flaky(*args, **kwargs):
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", flaky)
    log = send_sms(PHONE, template, ["123456", "5"])
    assert log.status == SmsLog.Status.SENT
    assert len(sandbox.requests) == 1 and len(sandbox.messages) == 1


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
def test_bad_input_never_reaches_the_emulator(sandbox, template, phone, params):
    with pytest.raises(InvalidMessage):
        send_sms(phone, template, params)
    assert sandbox.requests == []
    assert not SmsLog.objects.exists()


def test_unknown_template_name_never_reaches_the_emulator(sandbox, template):
    with pytest.raises(InvalidMessage):
        send_sms(PHONE, "no-such-template", [])
    assert sandbox.requests == []


# --- secrets ----------------------------------------------------------------------------


def test_the_app_key_appears_in_no_message_repr_or_row(sandbox, template, caplog, settings, secret):
    setting, secret = secret[0], "Secret-App-Key-0123456789"  # refused: 1001 in the last round
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, setting: secret}
    texts = []
    backend = get_backend()
    texts += [repr(backend), str(backend.__dict__.get("api_url"))]
    for fault in ("http_error", "not_json", "drop", None):
        if fault:
            sandbox.fail_next(fault)
        with pytest.raises(SmsError) as info:
            send_sms(PHONE, template, ["123456", "5"])
        texts += [str(info.value), repr(info.value), repr(info.value.__cause__)]
    rows = list(SmsLog.objects.values())
    texts += [repr(rows), caplog.text]
    assert all(secret not in t for t in texts)
    assert len(rows) == 4


def test_shared_backend_is_reused_and_replaced_when_settings_change(sandbox, settings, api):
    first = get_backend()
    assert get_backend() is first and isinstance(first, GENERATIONS[api][0])
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "TIMEOUT": 2}
    assert get_backend() is not first and get_backend().timeout == 2.0


@legacy_only
def test_an_unusable_api_url_found_at_send_time_is_failed_not_unknown(sandbox, template, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "API_URL": "http://127.0.0.1:99999/v5"}
    with pytest.raises(ConfigurationError):
        send_sms(PHONE, template, ["123456", "5"])
    log = SmsLog.objects.get()
    assert log.status == SmsLog.Status.FAILED and sandbox.requests == []


@cloud_only
@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:99999", "ftp://127.0.0.1", "https://sms.example/v5/tlssmssvr"]
)
def test_api3_an_unusable_endpoint_is_refused_before_anything_is_logged_or_sent(
    sandbox, template, settings, endpoint
):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "ENDPOINT": endpoint}
    with pytest.raises(ConfigurationError, match="ENDPOINT"):
        send_sms(PHONE, template, ["123456", "5"])
    assert not SmsLog.objects.exists() and sandbox.requests == []


@cloud_only
def test_api3_a_header_value_with_a_line_break_fails_before_sending(sandbox, template):
    backend = TencentCloudBackend(region="ap-guangzhou\r\nX-Injected: 1", connect_retries=0)
    with pytest.raises(ConfigurationError, match="X-TC-Region") as info:
        send_sms(PHONE, template, ["123456", "5"], backend=backend)
    assert "X-Injected" not in str(info.value)
    assert SmsLog.objects.get().status == SmsLog.Status.FAILED and sandbox.requests == []


@cloud_only
def test_api3_backend_repr_shows_no_secret(sandbox):
    backend = get_backend()
    assert SANDBOX_SECRET_KEY not in repr(backend) + repr(vars(backend).get("endpoint"))
    assert "ap-guangzhou" in repr(backend)


@pytest.mark.parametrize(
    ("backend_class", "keys"),
    [
        (TencentBackend, ["SDK_APP_ID", "APP_KEY"]),
        (TencentCloudBackend, ["SDK_APP_ID", "SECRET_ID", "SECRET_KEY", "REGION"]),
    ],
)
def test_both_backends_read_credentials_timeout_and_retries_alike(settings, backend_class, keys):
    values = {"SDK_APP_ID": "1400000000", "APP_KEY": "app-key", "SECRET_ID": "AKIDexample"}
    values |= {"SECRET_KEY": "secret-key", "REGION": "ap-guangzhou"}
    settings.TENCENT_SMS = {key: f" {values[key]} " for key in keys}  # blanks from the console
    backend = backend_class()
    assert [backend.credential(key) for key in keys] == [values[key] for key in keys]
    assert backend.sdk_app_id == "1400000000"
    assert (backend.timeout, backend.connect_retries) == ((3.05, 10.0), 2)
    assert backend_class(sdk_app_id="1400000001").sdk_app_id == "1400000001"
    assert backend_class(timeout=2, connect_retries=0).timeout == 2.0
    for key in keys:  # each missing one is named, in the order they are read
        settings.TENCENT_SMS = {**{k: values[k] for k in keys[: keys.index(key)]}, key: ""}
        with pytest.raises(ConfigurationError, match=rf"TENCENT_SMS\['{key}'\] is not set"):
            backend_class()
    settings.TENCENT_SMS = {key: values[key] for key in keys}
    with pytest.raises(ConfigurationError, match="TIMEOUT"):
        backend_class(timeout=60)
    with pytest.raises(ConfigurationError, match="CONNECT_RETRIES"):
        backend_class(connect_retries=9)
    shown = repr(backend_class())
    assert "app-key" not in shown and "secret-key" not in shown and "1400000000" in shown


def tls_error(reason):
    pool = urllib3.HTTPSConnectionPool("sms.example", 443)
    wrapped = urllib3.exceptions.MaxRetryError(pool, "/", reason=reason)
    return requests.exceptions.SSLError(wrapped)


def test_random_is_fresh_and_ten_digits():
    values = {new_random() for _ in range(50)}
    assert len(values) == 50
    assert all(len(v) == 10 and v.isdigit() for v in values)


def test_only_a_certificate_failure_counts_as_never_sent_among_tls_errors():
    # A TLS error while reading the answer (the server reset the connection after reading the
    # request) may follow a request Tencent received: it must not be retried.
    after_send = tls_error(urllib3.exceptions.SSLError(ssl.SSLError(1, "unexpected eof")))
    assert not never_sent(after_send)
    bad_cert = urllib3.exceptions.SSLError(ssl.SSLCertVerificationError(1, "self-signed"))
    assert never_sent(tls_error(bad_cert))
    refused = urllib3.exceptions.NewConnectionError(None, "refused")
    assert never_sent(
        requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason=refused))
    )


# --- bulk sends over API 3.0: one SendSms request per batch -------------------------------


@cloud_only
def test_api3_bulk_sends_one_request_per_batch_of_200(sandbox, template):
    from django_tencent_sms.sending.bulk import send_bulk

    numbers = [f"+86137{i:08d}" for i in range(250)]
    summary = send_bulk(numbers, template, ["123456", "5"])

    assert [r.endpoint for r in sandbox.requests] == ["SendSms", "SendSms"]
    # Both batches are in flight at once: either may reach Tencent first.
    sets = sorted((r.json["PhoneNumberSet"] for r in sandbox.requests), key=len, reverse=True)
    assert sets == [numbers[:200], numbers[200:]]
    assert summary.sent == 250 and summary.batches == 2 and summary.fee == 250
    sid_of = {"+86" + m.mobile: m.sid for m in sandbox.messages}
    for log in summary.logs:
        assert log.status == SmsLog.Status.SENT and log.sid == sid_of[log.phone.as_e164]
    # Each batch's rows keep their request's RequestId (the batches are written in any order).
    by_number = {log.phone.as_e164: log.request_id for log in summary.logs}
    first, second = ({by_number[n] for n in part} for part in (numbers[:200], numbers[200:]))
    assert len(first) == len(second) == 1 and first != second and all(first | second)


@cloud_only
def test_api3_bulk_refused_numbers_fail_with_their_code_and_the_others_are_sent(sandbox, template):
    from django_tencent_sms.sandbox import FrequencyLimits
    from django_tencent_sms.sending.bulk import send_bulk

    sandbox.limits = FrequencyLimits(per_30s=1, per_hour=None, per_day=None)
    send_sms(PHONE, template, ["123456", "5"])
    summary = send_bulk([PHONE, "+8613711113333"], template, ["123456", "5"])

    assert (summary.sent, summary.failed) == (1, 1)
    refused = summary.logs.get(phone=PHONE)
    assert refused.status == SmsLog.Status.FAILED and refused.result == 1023
    assert refused.errmsg.startswith("LimitExceeded.PhoneNumberThirtySecondLimit: ")
    assert summary.logs.get(phone="+8613711113333").status == SmsLog.Status.SENT


def test_ca_bundle_setting_is_used_for_every_request(settings, tmp_path, monkeypatch):
    # The emulator speaks plain HTTP, so this looks at what reaches requests' adapter: the
    # setting's bundle is passed with each request and wins over REQUESTS_CA_BUNDLE, which only
    # stands in for the default (the system's bundle) when the setting is not given.
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/somewhere/else.pem")
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "CA_BUNDLE": str(bundle)}
    seen = []

    def send(self, request, **kwargs):
        seen.append(kwargs["verify"])
        raise requests.ConnectionError("stop here")

    monkeypatch.setattr(HTTPAdapter, "send", send)
    message = prepare_message(PHONE, 7, ["1"])[0]
    backend = TencentBackend(sdk_app_id="1400000000", app_key="k", connect_retries=0)
    for _ in range(2):
        with pytest.raises(SmsError):
            backend.send(message)
    assert seen == [str(bundle)] * 2
    settings.TENCENT_SMS = {k: v for k, v in settings.TENCENT_SMS.items() if k != "CA_BUNDLE"}
    assert TencentBackend(sdk_app_id="1400000000", app_key="k").verify == "/somewhere/else.pem"
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert TencentBackend(sdk_app_id="1400000000", app_key="k").verify is True


@legacy_only
def test_proxy_environment_is_honoured_and_no_proxy_bypasses_it(sandbox, template, monkeypatch):
    # A proxy that refuses connections: a send that goes through it cannot connect, and is
    # never sent; NO_PROXY for the emulator's host sends it directly.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead}")
    monkeypatch.setenv("NO_PROXY", "sms.example")
    backend = TencentBackend(connect_retries=0)
    with pytest.raises(ConnectError):
        send_sms(PHONE, template, ["123456", "5"], backend=backend)
    assert sandbox.requests == []
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    log = send_sms(PHONE, template, ["123456", "5"], backend=TencentBackend(connect_retries=0))
    assert log.status == SmsLog.Status.SENT and len(sandbox.requests) == 1
