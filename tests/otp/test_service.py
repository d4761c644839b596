"""The verification-code service: every rule, with a controlled clock (nothing sleeps).

The fixtures ``setup``, ``conf`` and ``clock`` are in ``tests/otp/fixtures.py``.
"""

import json
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.db.models.signals import post_save
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from django_tencent_sms.exceptions import (
    CodeRequestRefused,
    ConfigurationError,
    HTTPStatusError,
    InvalidMessage,
    TencentInputError,
)
from django_tencent_sms.models import SmsLog, SmsTemplate, VerificationCode
from django_tencent_sms.otp import Reason, check_code, send_code, verify_code
from django_tencent_sms.otp import service as otp
from django_tencent_sms.otp.budget import otp_budget_status
from django_tencent_sms.signals import code_failed, code_sent, code_verified, daily_limit_reached
from tests.helpers import PHONE, START, Clock, last_code, wrong

pytestmark = pytest.mark.django_db

#: What the two log writes' transactions (each with the dashboard rollup's upsert) add to the
#: statements captured outside a transaction: their BEGIN and COMMIT.
TRANSACTION_STATEMENTS = 4
#: Where the log's fast path is not used (MariaDB), ``save()`` reads the row locked before
#: updating it, for the rollup.
LOCKED_READ = 1 if connection.vendor == "mysql" else 0


@pytest.fixture(autouse=True, params=["sql", "orm"])
def query_path(request, monkeypatch):
    """Every test here runs twice: with the statements ``otp.queries`` writes itself (PostgreSQL
    and SQLite) and with the ORM, which runs them on other databases (where the "orm" run is the
    only one: "sql" would run the ORM again)."""
    if request.param == "sql" and not otp.queries.fast(connection):
        pytest.skip(
            f"otp.queries writes its own SQL only on PostgreSQL and SQLite, not {connection.vendor}"
        )
    if request.param == "orm":
        monkeypatch.setattr(otp.queries, "fast", lambda connection: False)
    return request.param


def request_from(ip):
    return RequestFactory().post("/", REMOTE_ADDR=ip)


def check_queries(query_path):
    """The queries of one ``check_code``: on PostgreSQL, the newest code read and the try counted
    by one statement; elsewhere, and through the ORM, two."""
    return 1 if query_path == "sql" and connection.vendor == "postgresql" else 2


# Sending ----------------------------------------------------------------------------------


def test_send_code_sends_a_fresh_code_and_stores_only_its_hash(setup, sms_outbox):
    record = send_code(PHONE, "login")
    (message,) = sms_outbox
    code, minutes = message.params
    assert len(code) == 6 and code.isdigit() and minutes == "5"
    assert record.state == VerificationCode.State.SENT and record.purpose == "login"
    assert record.expires_at == START + timedelta(seconds=300)
    assert len(record.code_hash) == 64 and code not in record.code_hash
    # The code is nowhere else: not in the send log, the record's repr, or any stored column.
    assert record.log.params == ["******", "******"]  # a verification template: none kept
    stored = json.dumps(
        list(VerificationCode.objects.values().get(pk=record.pk).values()), default=str
    )
    assert code not in stored and code not in repr(record) and code not in str(record)
    assert code not in json.dumps(list(SmsLog.objects.values().get().values()), default=str)


def test_codes_are_random(setup, sms_outbox):
    for n in range(5):
        send_code(f"+861381234500{n}", "login")
    assert len({m.params[0] for m in sms_outbox}) == 5


@pytest.mark.parametrize("length", [4, 6])
def test_code_length_and_params_format(setup, conf, sms_outbox, length):
    conf(LENGTH=length, TTL=600, PARAMS=["{code}", "{minutes}"])
    SmsTemplate.objects.filter(name="login-code").update(text="验证码{1}，{2}分钟内有效")
    send_code(PHONE)
    code, minutes = sms_outbox[0].params
    assert len(code) == length and minutes == "10"


@pytest.mark.parametrize("params", [["{code}", "{minutes}分钟"], ["{code}-x", "{minutes}"]])
def test_a_verification_template_takes_digits_only(setup, conf, sms_outbox, params):
    # Tencent refuses anything but 0 to 6 digits in a verification template's parameters.
    conf(PARAMS=params)
    with pytest.raises(InvalidMessage) as info:
        send_code(PHONE)
    assert info.value.code == "verification_param" and sms_outbox == []
    assert not VerificationCode.objects.exists()


def test_right_code_verifies_once(setup, sms_outbox):
    send_code(PHONE, "login")
    code = last_code(sms_outbox)
    assert verify_code(PHONE, code, "login") is True
    result = check_code(PHONE, code, "login")
    assert not result and result.reason is Reason.USED


def test_numbers_and_codes_are_accepted_as_people_type_them(setup, sms_outbox):
    send_code("138 1234 5678", "login")
    code = last_code(sms_outbox)
    assert verify_code("+86 138-1234-5678", f" {code[:3]} {code[3:]} ", "login")


def test_wrong_code_counts_a_try(setup, sms_outbox):
    send_code(PHONE)
    code = last_code(sms_outbox)
    result = check_code(PHONE, wrong(code))
    assert result.reason is Reason.WRONG and result.attempts_left == 4
    assert check_code(PHONE, wrong(code)).attempts_left == 3
    assert VerificationCode.objects.get().attempts == 2
    assert verify_code(PHONE, code)


def test_after_max_attempts_even_the_right_code_fails(setup, conf, sms_outbox):
    conf(MAX_ATTEMPTS=3)
    send_code(PHONE)
    code = last_code(sms_outbox)
    assert [check_code(PHONE, wrong(code)).reason for _ in range(3)] == [Reason.WRONG] * 3
    assert check_code(PHONE, code).reason is Reason.TOO_MANY_ATTEMPTS
    assert VerificationCode.objects.get().attempts == 3


def test_codes_expire(setup, sms_outbox):
    send_code(PHONE)
    code = last_code(sms_outbox)
    setup.advance(300)
    assert check_code(PHONE, code).reason is Reason.EXPIRED
    assert VerificationCode.objects.get().attempts == 0  # an expired code takes no tries


def test_a_code_just_before_expiry_works(setup, sms_outbox):
    send_code(PHONE)
    setup.advance(299)
    assert verify_code(PHONE, last_code(sms_outbox))


def test_a_new_code_replaces_the_older_ones(setup, sms_outbox):
    first = send_code(PHONE)
    old = last_code(sms_outbox)
    setup.advance(60)
    send_code(PHONE)
    new = last_code(sms_outbox)
    if old != new:
        assert check_code(PHONE, old).reason is Reason.WRONG
    first.refresh_from_db()
    assert first.superseded_at == START + timedelta(seconds=60)
    assert verify_code(PHONE, new)


def test_codes_are_scoped_to_their_purpose(setup, sms_outbox):
    send_code(PHONE, "signup")
    code = last_code(sms_outbox)
    assert check_code(PHONE, code, "login").reason is Reason.NONE_ISSUED
    assert verify_code(PHONE, code, "signup")


def test_no_code_issued(setup):
    assert check_code(PHONE, "123456").reason is Reason.NONE_ISSUED
    assert check_code("not a number", "123456").reason is Reason.NONE_ISSUED


def test_verify_takes_the_same_path_with_or_without_a_code(setup, sms_outbox, query_path):
    send_code(PHONE)
    with CaptureQueriesContext(connection) as with_code:
        check_code(PHONE, "999999" if last_code(sms_outbox) != "999999" else "888888")
    with CaptureQueriesContext(connection) as without:
        check_code("+8613900000000", "999999")

    def shape(queries):
        return [q["sql"].split(" WHERE ")[0] for q in queries.captured_queries]

    assert len(with_code) == len(without) == check_queries(query_path)
    assert shape(with_code) == shape(without)


@override_settings(USE_TZ=False, TIME_ZONE="Asia/Shanghai")
def test_sites_without_time_zones(setup, conf, sms_outbox, monkeypatch):
    # USE_TZ = False: naive times, in the site's TIME_ZONE.
    clock = Clock(START.replace(tzinfo=None))
    monkeypatch.setattr(otp, "clock", clock)
    send_code(PHONE)
    assert verify_code(PHONE, last_code(sms_outbox))
    conf(DAILY_LIMIT=1)
    with pytest.raises(CodeRequestRefused) as refused:
        send_code("+8613900000000")
    assert refused.value.code == "daily_limit"
    assert refused.value.retry_after == 14 * 3600  # at local midnight
    status = otp_budget_status()  # the admin's banner
    assert (status.used, status.day_start) == (1, START.replace(tzinfo=None, hour=0))
    clock.advance(hours=14)
    send_code("+8613900000000")
    assert len(sms_outbox) == 2


def test_save_signals_hear_the_code_finished(setup, sms_outbox):
    heard = []

    def receiver(instance, created, update_fields, **kwargs):
        heard.append((created, instance.state, sorted(update_fields or [])))

    post_save.connect(receiver, sender=VerificationCode, dispatch_uid="t")
    try:
        send_code(PHONE)
    finally:
        post_save.disconnect(dispatch_uid="t", sender=VerificationCode)
    assert heard == [(True, "pending", []), (False, "sent", ["log", "state"])]


def test_a_code_deleted_while_its_sms_was_sent_is_an_error(setup, sms_outbox, monkeypatch):
    send_sms = otp.send_sms

    def deleting(*args, **kwargs):
        VerificationCode.objects.all().delete()
        return send_sms(*args, **kwargs)

    monkeypatch.setattr(otp, "send_sms", deleting)
    with pytest.raises(DatabaseError):
        send_code(PHONE)
    assert len(sms_outbox) == 1 and not VerificationCode.objects.exists()


class CodesReadFromAReplica:
    """Sends reads of codes to a replica this test suite does not have: any such read fails."""

    def db_for_read(self, model, **hints):
        return "replica" if model is VerificationCode else None


@override_settings(DATABASE_ROUTERS=[f"{__name__}.CodesReadFromAReplica"])
def test_codes_are_read_from_the_database_they_are_written_to(setup, conf, sms_outbox):
    # A replica lags: the limits must count the row just written, and a code is checked
    # seconds after it was sent.
    conf(IP_HOURLY_LIMIT=1, DAILY_LIMIT=5)
    send_code(PHONE, request=request_from("203.0.113.9"))
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, request=request_from("203.0.113.9"))
    assert refused.value.code == "cooldown" and refused.value.retry_after == 60
    assert verify_code(PHONE, last_code(sms_outbox))
    setup.advance(60)
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE, request=request_from("203.0.113.9"))
    assert refused.value.code == "ip_hourly_limit" and refused.value.retry_after == 3540


@pytest.mark.django_db(transaction=True)  # outside a transaction, templates are cached
def test_queries_per_code(
    setup, conf, query_path, sms_outbox, django_assert_num_queries, django_assert_max_num_queries
):
    # Every limit on: the cooldown, the number's and the IP's caps, the daily budget.
    conf(DAILY_LIMIT=1000, IP_HOURLY_LIMIT=20, IP_DAILY_LIMIT=100)
    send_code("+8613900000000")  # the template, looked up by name, is now cached
    setup.advance(1)
    if query_path == "sql":
        # The IP's recent refusals, the code's row, the limits (on PostgreSQL in one round
        # trip with the row), the log's insert and update (each with the dashboard rollup's
        # upsert, in a transaction; on PostgreSQL in the same statement, with none), the code
        # finished (and older ones superseded).
        with django_assert_num_queries(
            5 if connection.vendor == "postgresql" else 6 + 2 + TRANSACTION_STATEMENTS
        ):
            send_code(PHONE, request=request_from("10.0.0.1"))
    else:
        # The ORM counts the limits in three queries and finishes in two, in a transaction.
        with django_assert_max_num_queries(13 + TRANSACTION_STATEMENTS + LOCKED_READ):
            send_code(PHONE, request=request_from("10.0.0.1"))
    with django_assert_num_queries(check_queries(query_path)):  # the newest code, the try
        assert verify_code(PHONE, wrong(last_code(sms_outbox))) is False
    with django_assert_num_queries(check_queries(query_path)):
        assert verify_code(PHONE, last_code(sms_outbox)) is True


# Refusals ---------------------------------------------------------------------------------


def test_cooldown_says_how_long_to_wait(setup, sms_outbox):
    send_code(PHONE)
    setup.advance(20)
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE)
    assert refused.value.code == "cooldown" and refused.value.retry_after == 40
    assert "40 seconds" in str(refused.value)
    assert len(sms_outbox) == 1 and VerificationCode.objects.count() == 1
    send_code(PHONE, "signup")  # another purpose has its own cooldown
    setup.advance(40)
    send_code(PHONE)
    assert len(sms_outbox) == 3


def test_per_phone_hourly_and_daily_caps(setup, conf, sms_outbox):
    conf(PHONE_HOURLY_LIMIT=2, PHONE_DAILY_LIMIT=3, RESEND_INTERVAL=0)
    send_code(PHONE)
    setup.advance(600)
    send_code(PHONE, "signup")  # caps count every purpose
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE)
    assert refused.value.code == "phone_hourly_limit"
    assert refused.value.retry_after == 3000  # when the first code leaves the hour
    setup.advance(3000)
    send_code(PHONE)
    setup.advance(3600)
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE)
    assert refused.value.code == "phone_daily_limit"
    send_code("+8613900000000")  # another number is not affected
    assert len(sms_outbox) == 4


def test_per_ip_caps(setup, conf, sms_outbox):
    conf(IP_HOURLY_LIMIT=2, IP_DAILY_LIMIT=3)
    send_code("+8613900000001", request=request_from("203.0.113.9"))
    send_code("+8613900000002", request=request_from("203.0.113.9"))
    with pytest.raises(CodeRequestRefused) as refused:
        send_code("+8613900000003", request=request_from("203.0.113.9"))
    assert refused.value.code == "ip_hourly_limit"
    assert refused.value.retry_after == 3600  # the first two leave the hour together
    send_code("+8613900000003", request=request_from("198.51.100.7"))
    send_code("+8613900000004")  # no request: no IP limit
    setup.advance(3600)
    send_code("+8613900000005", request=request_from("203.0.113.9"))
    with pytest.raises(CodeRequestRefused) as refused:
        send_code("+8613900000006", request=request_from("203.0.113.9"))
    assert refused.value.code == "ip_daily_limit"
    assert refused.value.retry_after == 23 * 3600  # when the first code leaves the day


def client_ip_from_header(request):
    return request.META.get("HTTP_X_REAL_IP")


def test_client_ip_resolver_for_sites_behind_a_proxy(setup, conf):
    conf(CLIENT_IP="tests.otp.test_service.client_ip_from_header")
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    assert send_code(PHONE, request=request).ip == "203.0.113.5"


def test_allowed_regions(setup, conf, sms_outbox):
    conf(ALLOWED_REGIONS=["CN"])
    with pytest.raises(CodeRequestRefused) as refused:
        send_code("+85291234567")
    assert refused.value.code == "region_not_allowed" and refused.value.retry_after is None
    send_code(PHONE)
    assert len(sms_outbox) == 1 and VerificationCode.objects.count() == 1


def test_daily_budget_stops_sending_and_fires_a_signal(setup, conf, sms_outbox):
    conf(DAILY_LIMIT=2)
    fired = []
    daily_limit_reached.connect(
        lambda **kw: fired.append(kw["limit"]), weak=False, dispatch_uid="t"
    )
    try:
        send_code("+8613900000001")
        send_code("+8613900000002")
        with pytest.raises(CodeRequestRefused) as refused:
            send_code("+8613900000003")
        assert refused.value.code == "daily_limit" and fired == [2]
        assert refused.value.retry_after == 14 * 3600  # until local midnight
        setup.advance(14 * 3600)  # a new day in Shanghai
        send_code("+8613900000003")
    finally:
        daily_limit_reached.disconnect(dispatch_uid="t")
    assert len(sms_outbox) == 3


def test_refusals_are_translated(setup, sms_outbox):
    from django.utils import translation

    send_code(PHONE)
    with pytest.raises(CodeRequestRefused) as refused:
        send_code(PHONE)
    # The message is lazy: it speaks the language active where it is shown.
    with translation.override("zh-hans"):
        assert "60 秒" in str(refused.value)
    assert "60 seconds" in str(refused.value)


def test_bad_input_sends_nothing_and_stores_nothing(setup, sms_outbox):
    with pytest.raises(InvalidMessage):
        send_code("12345")
    with pytest.raises(ValueError):
        send_code(PHONE, "Login Flow")
    assert sms_outbox == [] and not VerificationCode.objects.exists()


def test_missing_configuration(template, settings, clock, sms_outbox):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OTP": {}}
    with pytest.raises(ConfigurationError, match="TEMPLATE"):
        send_code(PHONE)
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "OTP": {"TEMPLATE": "no-such-template"}}
    with pytest.raises(InvalidMessage):
        send_code(PHONE)
    assert sms_outbox == [] and not VerificationCode.objects.exists()


@pytest.mark.parametrize(
    "overrides, key",
    [
        ({"LENGTH": 3}, "LENGTH"),
        ({"LENGTH": 11}, "LENGTH"),
        ({"TTL": 0}, "TTL"),
        ({"MAX_ATTEMPTS": "5"}, "MAX_ATTEMPTS"),
        ({"PARAMS": ["{minutes}"]}, "PARAMS"),
        ({"PARAMS": ["{code}", "{user}"]}, "PARAMS"),
        ({"ALLOWED_REGIONS": "CN"}, "ALLOWED_REGIONS"),
        # Not a list at all: refused as a setting, not a TypeError while checking it.
        ({"ALLOWED_REGIONS": 86}, "ALLOWED_REGIONS"),
        ({"DAILY_LIMIT": 0}, "DAILY_LIMIT"),
    ],
)
def test_bad_settings_are_refused(setup, conf, overrides, key):
    conf(**overrides)
    with pytest.raises(ConfigurationError, match=key):
        send_code(PHONE)


# Failures while sending -----------------------------------------------------------------------


def test_a_refused_send_leaves_no_valid_code_and_no_cooldown(sms_sandbox, setup):
    sms_sandbox.fail_next("result", result=1016, errmsg="bad number")
    with pytest.raises(TencentInputError):
        send_code(PHONE)
    record = VerificationCode.objects.get()
    assert record.state == VerificationCode.State.FAILED and record.log.status == "failed"
    send_code(PHONE)  # no cooldown after a failure
    code = sms_sandbox.messages[-1].params[0]
    assert verify_code(PHONE, code)


def test_an_unknown_outcome_keeps_the_code_usable(sms_sandbox, setup):
    sms_sandbox.fail_next("http_error", status=500)
    with pytest.raises(HTTPStatusError):
        send_code(PHONE)
    record = VerificationCode.objects.get()
    assert record.state == VerificationCode.State.UNKNOWN
    # The request reached the emulator: the person may have the code.
    code = json.loads(sms_sandbox.requests[-1].body)["params"][0]
    assert verify_code(PHONE, code)


# Signals ----------------------------------------------------------------------------------


def test_signals(setup, sms_outbox):
    seen = []
    receivers = {
        code_sent: lambda **kw: seen.append(("sent", kw["record"].purpose)),
        code_verified: lambda **kw: seen.append(("verified", kw["record"].purpose)),
        code_failed: lambda **kw: seen.append(("failed", kw["reason"])),
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver, weak=False, dispatch_uid="test")
    try:
        send_code(PHONE, "login")
        check_code(PHONE, "x", "login")
        verify_code(PHONE, last_code(sms_outbox), "login")
    finally:
        for signal in receivers:
            signal.disconnect(dispatch_uid="test")
    assert seen == [("sent", "login"), ("failed", Reason.WRONG), ("verified", "login")]


def test_a_failing_receiver_does_not_break_sending(setup, sms_outbox):
    def broken(**kwargs):
        raise RuntimeError("receiver bug")

    code_sent.connect(broken, weak=False, dispatch_uid="broken")
    try:
        assert send_code(PHONE).state == "sent"
    finally:
        code_sent.disconnect(dispatch_uid="broken")


@override_settings(SECRET_KEY="another-secret")
def test_the_hash_is_keyed_by_secret_key(setup):
    other = otp.code_digest(PHONE, "login", "123456")
    with override_settings(SECRET_KEY="tests-only-not-secret"):
        assert otp.code_digest(PHONE, "login", "123456") != other
    assert otp.code_digest(PHONE, "signup", "123456") != other


def test_a_template_given_by_id_still_gets_the_code_redacted(setup, conf, sms_outbox):
    conf(TEMPLATE=4242)  # no SmsTemplate row: the type is unknown, PARAMS says where the code is
    record = send_code(PHONE)
    assert record.log.params == ["******", "5"] and sms_outbox[0].params[1] == "5"
