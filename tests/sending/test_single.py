"""The sending service with the locmem backend: validation, logging and signals."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from phonenumber_field.phonenumber import PhoneNumber

import django_tencent_sms
from django_tencent_sms import send_sms
from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.exceptions import InvalidMessage, SmsError
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.signals import sms_failed, sms_sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def login_template():
    return SmsTemplate.objects.create(
        name="login-code",
        tpl_id=19,
        text="Your login code is {1}. It expires in {2} minutes.",
        type=SmsTemplate.Type.VERIFICATION,
    )


def test_secret_params_are_redacted_in_the_log_only(sms_outbox):
    SmsTemplate.objects.create(name="reset", tpl_id=30, text="Password {1} for {2}")
    log = send_sms("+8613711112222", "reset", ["Xk29!", "alice"], secret_params=[0])
    assert log.params == ["******", "alice"]
    assert SmsLog.objects.get().params == ["******", "alice"]
    assert sms_outbox[0].params == ("Xk29!", "alice")


def test_send_by_name_logs_the_result_and_fills_the_outbox(login_template, sms_outbox):
    log = send_sms("+8613711112222", "login-code", [123456, 5])
    assert log.pk and log.status == SmsLog.Status.SENT
    assert log.sid.startswith("locmem:") and log.fee == 1 and log.result == 0
    assert log.template == login_template and log.tpl_id == 19
    # A verification template's parameters are never stored; the message itself carries them.
    assert log.params == ["******", "******"] and log.sign == "腾讯云"
    assert log.finished_at >= log.created_at and log.duration is not None
    assert log.backend == "django_tencent_sms.backends.locmem.LocmemBackend"
    (message,) = sms_outbox
    assert message.text == "Your login code is 123456. It expires in 5 minutes."
    assert (message.nationcode, message.mobile) == ("86", "13711112222")
    assert SmsLog.objects.get() == log


@pytest.mark.parametrize(
    "phone",
    ["+8613711112222", "13711112222", "137 1111 2222", "+86 137-1111-2222",
     PhoneNumber.from_string("+8613711112222")],
)  # fmt: skip
def test_phone_formats_a_person_would_use(login_template, phone):
    log = send_sms(phone, login_template, ["1", "2"])
    assert str(log.phone) == "+8613711112222"


def test_default_region_applies_to_national_numbers(login_template, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "DEFAULT_REGION": "GB"}
    log = send_sms("07400 123456", login_template, ["1", "2"])
    assert str(log.phone) == "+447400123456"


def test_send_by_template_object_and_by_tpl_id(login_template, sms_outbox):
    send_sms("+8613711112222", login_template, ["1", "2"])
    log = send_sms("+8613711112222", 19, ["1", "2"])
    assert log.template == login_template  # the row with that tpl_id is found and checked
    unknown = send_sms("+8613711112222", 777, ["anything", "goes", "unchecked"])
    assert unknown.template is None and unknown.tpl_id == 777
    assert len(sms_outbox) == 3


def test_sign_precedence(login_template, sms_outbox):
    assert send_sms("+8613711112222", login_template, ["1", "2"], sign="调用").sign == "调用"
    login_template.sign = "模板"
    login_template.save()
    assert send_sms("+8613711112222", login_template, ["1", "2"]).sign == "模板"


@pytest.mark.parametrize(
    ("phone", "template", "params", "code"),
    [
        ("12345", "login-code", ["1", "2"], "invalid_phone"),
        ("+86 1371111222", "login-code", ["1", "2"], "invalid_phone"),
        ("not a number", "login-code", ["1", "2"], "invalid_phone"),
        ("+861088888888", "login-code", ["1", "2"], "invalid_phone"),  # Beijing landline
        ("+8613711112222", "no-such-template", ["1", "2"], "unknown_template"),
        ("+8613711112222", "login-code", ["1"], "param_count"),
        ("+8613711112222", "login-code", ["1", "2", "3"], "param_count"),
        ("+8613711112222", "login-code", ["1234567890123", "2"], "param_too_long"),
        ("+8613711112222", "login-code", [None, "2"], "invalid_param"),
        ("+8613711112222", 19, ["1234567890123", "2"], "param_too_long"),
    ],
)
def test_bad_input_is_refused_before_anything_is_logged_or_sent(
    login_template, sms_outbox, phone, template, params, code
):
    with pytest.raises(InvalidMessage) as info:
        send_sms(phone, template, params)
    assert info.value.code == code
    assert str(info.value)  # a readable message, not a list repr
    assert not SmsLog.objects.exists()
    assert sms_outbox == []


def test_message_over_450_characters_is_refused(sms_outbox):
    SmsTemplate.objects.create(name="long", tpl_id=5, text="x" * 420 + "{1}{2}{3}")
    with pytest.raises(InvalidMessage) as info:
        send_sms("+8613711112222", "long", ["123456789012", "123456789012", "123456789012"])
    assert info.value.code == "too_long"
    assert not SmsLog.objects.exists() and sms_outbox == []


def test_inactive_template_is_refused(login_template):
    login_template.is_active = False
    login_template.save()
    with pytest.raises(InvalidMessage) as info:
        send_sms("+8613711112222", "login-code", ["1", "2"])
    assert info.value.code == "inactive_template"


def test_extend_must_be_digits(login_template):
    with pytest.raises(InvalidMessage) as info:
        send_sms("+8613711112222", login_template, ["1", "2"], extend="12a")
    assert info.value.code == "invalid_extend"


def test_param_length_limit_can_be_switched_off(login_template, settings):
    settings.TENCENT_SMS = {**settings.TENCENT_SMS, "MAX_PARAM_LENGTH": None}
    login_template.type = SmsTemplate.Type.NOTIFICATION  # a code is 6 digits at most anyway
    login_template.save()
    log = send_sms("+8613711112222", login_template, ["a-very-long-parameter", "2"])
    assert log.status == SmsLog.Status.SENT


def test_programming_errors_are_type_errors(login_template):
    with pytest.raises(TypeError):
        send_sms("+8613711112222", login_template, "12")  # a string is not a list of params
    with pytest.raises(TypeError):
        send_sms(13711112222, login_template, ["1", "2"])
    with pytest.raises(TypeError):
        send_sms("+8613711112222", True, [])


def test_invalid_message_is_a_validation_error_a_form_can_show(login_template):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        send_sms("12345", login_template, ["1", "2"])
    assert info.value.messages == ["12345 is not a valid phone number."]


def test_signals(login_template):
    sent, failed = [], []

    def on_sent(sender, log, result, **kwargs):
        sent.append((log.pk, result.sid))

    def on_failed(sender, log, exception, **kwargs):
        failed.append(log.pk)

    sms_sent.connect(on_sent)
    sms_failed.connect(on_failed)
    try:
        log = send_sms("+8613711112222", login_template, ["1", "2"])
    finally:
        sms_sent.disconnect(on_sent)
        sms_failed.disconnect(on_failed)
    assert sent == [(log.pk, log.sid)] and failed == []


class ExplodingBackend(BaseBackend):
    """Stands for a worker killed or interrupted while the request is in flight."""

    def __init__(self, exc):
        super().__init__()
        self.exc = exc

    def send(self, message):
        raise self.exc


def test_an_interrupted_send_leaves_an_unknown_row(login_template):
    with pytest.raises(KeyboardInterrupt):
        send_sms(
            "+8613711112222",
            login_template,
            ["1", "2"],
            backend=ExplodingBackend(KeyboardInterrupt()),
        )
    log = SmsLog.objects.get()
    assert log.status == SmsLog.Status.UNKNOWN
    assert "KeyboardInterrupt" in log.errmsg and log.finished_at is not None


def test_a_failed_send_fires_sms_failed_and_carries_the_log(login_template):
    failed = []

    def on_failed(sender, log, exception, **kwargs):
        failed.append((log.pk, exception))

    class Refusing(BaseBackend):
        def send(self, message):
            from django_tencent_sms.exceptions import TencentSmsError

            raise TencentSmsError.for_result(1015, "blacklisted")

    sms_failed.connect(on_failed)
    try:
        with pytest.raises(SmsError) as info:
            send_sms("+8613711112222", login_template, ["1", "2"], backend=Refusing())
    finally:
        sms_failed.disconnect(on_failed)
    log = info.value.log
    assert log.status == SmsLog.Status.FAILED and log.result == 1015
    assert failed == [(log.pk, info.value)]


def test_queries_per_send(login_template):
    with CaptureQueriesContext(connection) as by_name:
        send_sms("+8613711112222", "login-code", ["1", "2"])
    with CaptureQueriesContext(connection) as by_object:
        send_sms("+8613711112222", login_template, ["1", "2"])
    # Template lookup, INSERT of the pending row, UPDATE with the outcome; after each write the
    # dashboard rollup's upsert, in the write's own statement on PostgreSQL. MariaDB (save(),
    # not the fast path) reads the row locked first.
    upserts = 0 if connection.vendor == "postgresql" else 2
    locked_read = connection.vendor == "mysql"
    assert len(by_name) == 3 + upserts + locked_read
    assert len(by_object) == 2 + upserts + locked_read


def test_outbox_is_the_module_attribute(login_template):
    send_sms("+8613711112222", login_template, ["1", "2"])
    assert len(django_tencent_sms.outbox) == 1


@pytest.mark.parametrize("round_", [1, 2])
def test_outbox_is_emptied_between_tests(login_template, sms_outbox, round_):
    assert sms_outbox == []
    send_sms("+8613711112222", login_template, ["1", "2"])
    assert len(sms_outbox) == 1  # the second round fails if the first round's message stayed


@pytest.mark.parametrize("sign", ["x", "一二三四五六七八九十一二三"])
def test_signature_length_is_checked_before_sending(login_template, sms_outbox, sign):
    with pytest.raises(InvalidMessage) as info:
        send_sms("+8613711112222", login_template, ["1", "2"], sign=sign)
    assert info.value.code == "invalid_sign"
    assert not SmsLog.objects.exists() and sms_outbox == []


def test_a_failing_signal_receiver_does_not_turn_a_sent_sms_into_an_error(login_template, caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("receiver bug")

    sms_sent.connect(broken)
    try:
        log = send_sms("+8613711112222", login_template, ["1", "2"])
    finally:
        sms_sent.disconnect(broken)
    assert log.status == SmsLog.Status.SENT
    assert "receiver bug" in caplog.text


def test_refusals_are_translated(login_template):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(InvalidMessage) as info:
        send_sms("+8613711112222", login_template, ["1"])
    assert str(info.value) == "该模板需要 2 个参数，实际传入 1 个。"
