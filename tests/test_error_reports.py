"""Error reports carry no secret: the technical 500 page and the e-mail to ADMINS.

An unexpected exception is raised from the transport (``HTTPAdapter.send``) or from the code
check, and Django's ``ExceptionReporter`` renders its HTML and text report, as for the 500 page
(DEBUG off: that is when the filter works) and for ``AdminEmailHandler``. Every frame of the
traceback is walked, ``requests``' own included; none may show a verification code, the app
key, the API 3.0 secret key or the callback token.
"""

import json
import logging
import sys

import django
import phonenumbers
import pytest
import urllib3
from django.conf import settings
from django.core import mail
from django.core.signals import got_request_exception
from django.db import DatabaseError
from django.test import Client, RequestFactory
from django.utils.log import AdminEmailHandler
from django.views.debug import ExceptionReporter
from requests.adapters import HTTPAdapter

from django_tencent_sms import send_sms
from django_tencent_sms.backends import get_backend
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.message import SmsMessage
from django_tencent_sms.models import SmsLog
from django_tencent_sms.otp import check_code, send_code, verify_code
from django_tencent_sms.otp import service as otp
from django_tencent_sms.pytest_plugin import SANDBOX_APP_KEY, SANDBOX_SECRET_KEY
from django_tencent_sms.sending import records
from tests.helpers import PHONE
from tests.otp import flows

pytestmark = pytest.mark.django_db

CODE = "739146"
TOKEN = "Zq8wR2xLk5Tn0pVb7cYd3HjM"
SECRETS = (SANDBOX_APP_KEY, SANDBOX_SECRET_KEY)


class TransportBroke(RuntimeError):
    """Raised by the patched transport."""


@pytest.fixture
def broken_transport(monkeypatch):
    """``HTTPAdapter.send`` raising; the bodies it was handed, to read the codes from."""
    bodies = []

    def send(self, request, **kwargs):
        bodies.append(json.loads(request.body))
        raise TransportBroke("the transport broke")

    monkeypatch.setattr(HTTPAdapter, "send", send)
    return bodies


def params_of(body):
    """The template parameters of a v5 or an API 3.0 request body."""
    return body.get("params") or body.get("TemplateParamSet")


def raised(call):
    """The ``sys.exc_info()`` of what ``call()`` raises, from the first frame that is not this
    module's: the test's own frames hold the secrets it looks for."""
    try:
        call()
    except Exception:
        kind, exc, tb = sys.exc_info()
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        assert tb is not None
        return kind, exc.with_traceback(tb), tb
    raise AssertionError("nothing was raised")


def reports(exc_info, request=None):
    """The technical 500 page and the e-mail report, HTML and text."""
    rendered = []
    for is_email in (False, True):
        reporter = ExceptionReporter(request, *exc_info, is_email=is_email)
        rendered += [reporter.get_traceback_html(), reporter.get_traceback_text()]
    return rendered


def assert_clean(rendered, *secrets, frames=()):
    assert all(secrets), secrets
    for text in rendered:
        for name in frames if "Traceback" in text else ():
            assert name in text, name  # the report shows our frames: the test looks at them
        for secret in secrets:
            assert secret not in text


@pytest.mark.parametrize("sandbox", ["v5", "cloud"], indirect=True)
def test_send_sms_failing_in_the_transport_reports_no_parameter_or_key(sandbox, broken_transport):
    exc_info = raised(lambda: send_sms(PHONE, 1001, [CODE, "5"], secret_params=[0]))
    assert exc_info[0] is TransportBroke
    assert params_of(broken_transport[0]) == [CODE, "5"]  # the code was in the request
    log = SmsLog.objects.get()
    assert log.status == SmsLog.Status.UNKNOWN
    rendered = reports(exc_info, RequestFactory().post("/send/"))
    assert_clean(rendered, CODE, *SECRETS, frames=("deliver", "post", "send"))


@pytest.mark.parametrize("sandbox", ["v5", "cloud"], indirect=True)
def test_a_backend_used_alone_failing_inside_requests_reports_no_body(sandbox, monkeypatch):
    """Deeper than ``HTTPAdapter.send``: urllib3's frames hold the signed body itself."""
    bodies = []

    def urlopen(self, method, url, body=None, **kwargs):
        bodies.append(body)
        raise TransportBroke("the pool broke")

    monkeypatch.setattr(urllib3.connectionpool.HTTPConnectionPool, "urlopen", urlopen)
    backend = get_backend()
    message = SmsMessage(phone=phonenumbers.parse(PHONE), tpl_id=1001, params=(CODE, "5"))
    exc_info = raised(lambda: backend.send(message))
    assert CODE.encode() in bodies[0]
    rendered = reports(exc_info)
    assert_clean(rendered, CODE, *SECRETS, frames=("urlopen", "requests/adapters.py", "post"))


@pytest.mark.parametrize("sandbox", ["v5", "cloud"], indirect=True)
def test_send_code_failing_in_the_transport_reports_no_code(
    sandbox, setup, broken_transport, settings
):
    request = RequestFactory().post("/phone/login/", {"phone": PHONE})
    exc_info = raised(lambda: send_code(PHONE, "login", request=request))
    code = params_of(broken_transport[0])[0]
    assert len(code) == 6 and code.isdigit()
    rendered = reports(exc_info, request)
    assert_clean(rendered, code, *SECRETS, frames=("send_code", "_deliver", "deliver"))


@pytest.fixture
def issued_code(setup, sms_outbox, monkeypatch):
    """A code sent to PHONE; then the try counting breaks."""
    send_code(PHONE, "login")
    (message,) = sms_outbox
    code = message.params[0]

    def broken(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(otp.queries, "check", broken)
    return code


@pytest.mark.parametrize("check", [check_code, verify_code])
def test_checking_a_code_that_fails_reports_no_code(issued_code, check):
    request = RequestFactory().post("/verify/", {"phone": PHONE})
    exc_info = raised(lambda: check(PHONE, f" {issued_code} ", "login", request=request))
    assert exc_info[0] is DatabaseError
    assert_clean(reports(exc_info, request), issued_code, frames=("check_code",))


# Through the views, as Django's handler reports them ------------------------------------------


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    """DEBUG off (the e-mail to ADMINS) and on (the technical 500 page as the answer)."""
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def admin_mail(settings, debug):
    """Django's 500 handling, and its default logging: with DEBUG off, ``AdminEmailHandler``
    mails the report to ADMINS. The requests whose exception was reported, to render the
    500 page for."""
    # Django 6.0 takes addresses and deprecates the (name, address) pairs that 5.2 requires.
    settings.ADMINS = (
        ["ops@example.com"] if django.VERSION >= (6, 0) else [("Ops", "ops@example.com")]
    )
    assert any(isinstance(h, AdminEmailHandler) for h in logging.getLogger("django").handlers)
    failed = []

    def record(sender, request, **kwargs):
        failed.append((request, sys.exc_info()))

    got_request_exception.connect(record)
    yield failed
    got_request_exception.disconnect(record)


def mailed(admin_mail, response):
    """The e-mailed report (subject, text) with DEBUG off, else the technical 500 page that
    was the answer; and the reports of the failed requests rendered here."""
    if settings.DEBUG:
        assert "Traceback" in response.content.decode()
        rendered = ["", response.content.decode()]
        assert not mail.outbox
    else:
        (email,) = (m for m in mail.outbox if m.to == ["ops@example.com"])
        rendered = [email.subject, email.body]
    for request, exc_info in admin_mail:
        rendered += reports(exc_info, request)
    assert len(rendered) == 6, rendered
    return rendered


@pytest.fixture
def site(settings, otp_defaults):
    flows.mount(settings)


@pytest.fixture
def otp_defaults(otp_defaults):
    return flows.with_user_lookup(otp_defaults)


@pytest.mark.parametrize("sandbox", ["v5"], indirect=True)
@pytest.mark.parametrize("json_api", [False, True], ids=["page", "json"])
def test_asking_for_a_code_on_the_sign_in_views_reports_no_code(
    sandbox, site, setup, alice, broken_transport, admin_mail, json_api
):
    client = Client(raise_request_exception=False)
    if json_api:
        response = flows.post_json(client, flows.API_REQUEST, {"phone": PHONE})
    else:
        response = flows.request_code(client)
    assert response.status_code == 500
    code = params_of(broken_transport[0])[0]
    assert_clean(mailed(admin_mail, response), code, SANDBOX_APP_KEY)


@pytest.mark.parametrize("json_api", [False, True], ids=["page", "json"])
def test_a_code_typed_into_the_sign_in_views_is_not_reported(
    site, alice, issued_code, admin_mail, json_api
):
    client = Client(raise_request_exception=False)
    if json_api:
        response = flows.post_json(client, flows.API_VERIFY, {"phone": PHONE, "code": issued_code})
    else:
        response = client.post(flows.VERIFY_URL, {"phone": PHONE, "code": issued_code})
    assert response.status_code == 500
    assert_clean(mailed(admin_mail, response), issued_code)


@pytest.mark.parametrize("view", ["status", "reply"])
def test_a_callback_failing_unexpectedly_reports_no_token(settings, admin_mail, view):
    def broken_ip(request):
        raise RuntimeError("the client IP could not be read")

    settings.TENCENT_SMS = {
        **settings.TENCENT_SMS,
        "CALLBACK_TOKEN": TOKEN,
        "CALLBACK_ALLOWED_IPS": ["127.0.0.1"],
        "CALLBACK_CLIENT_IP": broken_ip,
    }
    client = Client(raise_request_exception=False)
    response = client.post(
        f"/sms/callbacks/{view}/{TOKEN}/?x=1", "[]", content_type="application/json"
    )
    assert response.status_code == 500
    rendered = mailed(admin_mail, response)
    assert "/sms/callbacks/" in rendered[0] + rendered[1]  # the path is, without its token
    assert_clean(rendered, TOKEN, frames=("broken_ip",))


# Log lines --------------------------------------------------------------------------------


@pytest.mark.parametrize("sandbox", ["v5"], indirect=True)
def test_a_database_error_after_an_accepted_send_is_logged_masked_without_parameters(
    sandbox, monkeypatch, caplog
):
    def refused(*args, **kwargs):
        # As PostgreSQL words a refused row: it quotes the values.
        raise DatabaseError(f'Failing row contains (1, "{PHONE}", ["{CODE}", "5"], ...)')

    monkeypatch.setattr(records.log_rows, "update", refused)
    with caplog.at_level(logging.INFO, logger="django_tencent_sms"), pytest.raises(DatabaseError):
        send_sms(PHONE, 1001, [CODE, "5"], secret_params=[0])
    assert len(sandbox.requests) == 1  # it was sent
    log = SmsLog.objects.get()
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    line = record.getMessage()
    assert f"SMS #{log.pk} to {mask_phone(PHONE)} was SENT (sid=" in line
    assert "DatabaseError" in line
    for text in (caplog.text, line):
        assert PHONE not in text and PHONE[1:] not in text
        assert CODE not in text


def test_database_errors_around_a_bulk_send_are_logged_without_numbers_or_parameters(
    sms_sandbox, monkeypatch, caplog
):
    from django_tencent_sms import send_bulk
    from django_tencent_sms.sending import batch

    phones = [f"+86137{i:08d}" for i in range(3)]
    real_save = batch.save_rows

    def refused(rows, fields):
        if "sid" in fields:
            raise DatabaseError(f"Failing row contains (1, {phones[0]}, [{CODE}], ...)")
        return real_save(rows, fields)

    monkeypatch.setattr(batch, "save_rows", refused)
    sms_sandbox.add_template(7, "Order {1} shipped")
    with caplog.at_level(logging.INFO, logger="django_tencent_sms"), pytest.raises(DatabaseError):
        send_bulk(phones, 7, [CODE])
    assert "3 messages were SENT (sids " in caplog.text
    assert "could not be updated (DatabaseError)" in caplog.text
    assert CODE not in caplog.text
    assert not any(phone in caplog.text or phone[1:] in caplog.text for phone in phones)
