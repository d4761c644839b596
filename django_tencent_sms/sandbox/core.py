"""The :class:`Sandbox`: a local stand-in for Tencent's legacy SMS API, served over HTTP."""

from __future__ import annotations

import copy
import dataclasses
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from types import TracebackType

import phonenumbers

from django_tencent_sms.protocol.reports import DeliveryReport, IncomingReply
from django_tencent_sms.result_codes import lookup
from django_tencent_sms.sandbox.cloudapi import (
    DEVELOPMENT_SECRET_ID,
    DEVELOPMENT_SECRET_KEY,
    CloudCredentials,
    handle_cloud,
    is_cloud_request,
)
from django_tencent_sms.sandbox.control import handle_control
from django_tencent_sms.sandbox.emulator import (
    ENDPOINTS,
    NOT_JSON,
    Account,
    Verdict,
    echo_ext,
    evaluate,
    parse_json,
)
from django_tencent_sms.sandbox.faults import Fault, validate_count
from django_tencent_sms.sandbox.limits import FrequencyCounter, FrequencyLimits
from django_tencent_sms.sandbox.records import ReceivedRequest, SandboxMessage
from django_tencent_sms.sandbox.reports import (
    PULL_ENDPOINT,
    Push,
    ReportCenter,
    evaluate_pullstatus,
)
from django_tencent_sms.sandbox.server import (
    HttpRequest,
    Reply,
    SandboxHTTPServer,
    json_reply,
    text_reply,
)
from django_tencent_sms.sandbox.templates import Templates, TemplateSource

__all__ = ["DEFAULT_SDK_APP_ID", "DEVELOPMENT_APP_KEY", "Sandbox"]

DEFAULT_SDK_APP_ID = "1400000000"
#: The app key a sandbox checks when none is configured. Public: for local development only.
DEVELOPMENT_APP_KEY = "sandbox-app-key"
SMS_PREFIX = "/v5/tlssmssvr/"
CONTROL_PREFIX = "/_sandbox/"

_NOT_JSON_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head>\r\n"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\r\n"
)


class Sandbox:
    """An emulator of ``https://yun.tim.qq.com/v5/tlssmssvr`` that records what it receives.

    Use as ``with Sandbox(...) as sb:`` or ``sb = Sandbox(...).start()`` … ``sb.stop()``.
    Send to ``sb.url + "/sendsms"`` (one number) or ``sb.url + "/sendmultisms2"`` (up to 200;
    each accepted number is recorded as its own message). All methods are thread-safe.
    API 3.0's ``SendSms`` is served at ``sb.cloud_endpoint`` (``POST /``, see ``cloudapi``).

    Every accepted message gets a delivery report ``report_delay`` seconds later (delivered for
    the share ``report_success`` of messages), pushed to ``callback_url`` when one is set and
    otherwise served by ``pullstatus`` (API 3.0: ``PullSmsSendStatus``); :meth:`reply` makes a
    person's reply, pushed to ``reply_callback_url`` or pulled. See ``sandbox.reports``.
    """

    def __init__(
        self,
        sdk_app_id: str = DEFAULT_SDK_APP_ID,
        app_key: str = DEVELOPMENT_APP_KEY,
        *,
        templates: TemplateSource = None,
        default_sign: str = "腾讯云",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        limits: FrequencyLimits | None = None,
        verbose: bool = False,
        secret_id: str = DEVELOPMENT_SECRET_ID,
        secret_key: str = DEVELOPMENT_SECRET_KEY,
        callback_url: str | None = None,
        reply_callback_url: str | None = None,
        report_delay: float = 0.0,
        report_success: float = 1.0,
    ) -> None:
        self._account = Account(str(sdk_app_id), app_key, default_sign or "")
        # API 3.0 (POST / with X-TC-Action: SendSms) checks TC3 signatures with this key pair.
        self._cloud = CloudCredentials(secret_id, secret_key)
        self._templates = Templates(templates)
        self._host = host
        self._port = port
        self._clock = clock
        self._limits = limits
        self.verbose = verbose
        self._lock = threading.RLock()
        self._requests: list[ReceivedRequest] = []
        self._messages: list[SandboxMessage] = []
        self._faults: deque[Fault] = deque()
        self._frequency = FrequencyCounter()
        self._wake = threading.Event()
        self._connections = 0
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Delivery reports and replies: queued for pulls, pushed to the callbacks if set.
        self._reports = ReportCenter(
            clock=lambda: self._clock(),
            callback_url=callback_url,
            reply_callback_url=reply_callback_url,
            delay=report_delay,
            success=report_success,
            verbose=lambda: self.verbose,
        )

    def __repr__(self) -> str:
        state = self.url if self._server is not None else "stopped"
        return f"<Sandbox sdk_app_id={self._account.sdk_app_id} {state}>"

    # Life cycle -----------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Listen and serve in a daemon thread; returns ``self``."""
        with self._lock:
            if self._server is not None:
                raise RuntimeError("the sandbox is already running")
            server = SandboxHTTPServer((self._host, self._port), self)
            thread = threading.Thread(
                target=server.serve,
                name=f"tencent-sms-sandbox-{server.server_address[1]}",
                daemon=True,
            )
            self._server, self._thread = server, thread
        thread.start()
        self._reports.start(name=f"tencent-sms-sandbox-reports-{server.server_address[1]}")
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and open connections, wake slow faults."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            self._wake_sleepers()
        if server is None:
            return
        self._reports.stop()
        if thread is not None and thread.is_alive():
            server.stop_serving()
        server.server_close()
        server.close_connections()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # Addresses ------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        """The bound port once started (useful with ``port=0``), else the configured one."""
        server = self._server
        return server.server_address[1] if server is not None else self._port

    @property
    def url(self) -> str:
        """The API base URL, ``http://host:port/v5/tlssmssvr``; the client appends ``/sendsms``."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}{SMS_PREFIX.rstrip('/')}"

    @property
    def cloud_endpoint(self) -> str:
        """The API 3.0 endpoint, ``http://host:port`` (``TENCENT_SMS['ENDPOINT']``)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    # Recorded state -------------------------------------------------------------------------

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Copies of every request on the SMS endpoints, in arrival order."""
        with self._lock:
            return copy.deepcopy(self._requests)

    @property
    def messages(self) -> list[SandboxMessage]:
        """Copies of the accepted messages, oldest first."""
        with self._lock:
            return [dataclasses.replace(m, params=list(m.params)) for m in self._messages]

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        with self._lock:
            return self._connections

    def reset(self) -> None:
        """Forget requests, messages, pending faults and frequency counts, pending reports and
        replies and the pushes made; wake slow faults. (The callback settings stay.)"""
        with self._lock:
            self._requests.clear()
            self._messages.clear()
            self._faults.clear()
            self._frequency.clear()
            self._reports.reset()
            self._wake_sleepers()

    # Delivery reports and replies -------------------------------------------------------------

    @property
    def callback_url(self) -> str | None:
        """Where delivery reports are pushed (Tencent's status callback); None: kept for pulls."""
        return self._reports.setting("callback_url")

    @callback_url.setter
    def callback_url(self, value: str | None) -> None:
        self._reports.configure(callback_url=value)

    @property
    def reply_callback_url(self) -> str | None:
        """Where replies are pushed (Tencent's reply callback); None: kept for pulls."""
        return self._reports.setting("reply_callback_url")

    @reply_callback_url.setter
    def reply_callback_url(self, value: str | None) -> None:
        self._reports.configure(reply_callback_url=value)

    @property
    def report_delay(self) -> float:
        """Seconds between accepting a message and its delivery report (0 to 3600)."""
        return self._reports.setting("delay")

    @report_delay.setter
    def report_delay(self, value: float) -> None:
        self._reports.configure(delay=value)

    @property
    def report_success(self) -> float:
        """The share of messages reported delivered (0 to 1), applied in turn."""
        return self._reports.setting("success")

    @report_success.setter
    def report_success(self, value: float) -> None:
        self._reports.configure(success=value)

    @property
    def pending_reports(self) -> list[DeliveryReport]:
        """Delivery reports neither pushed nor pulled yet, oldest first."""
        return self._reports.pending_reports

    @property
    def pending_replies(self) -> list[IncomingReply]:
        """Replies neither pushed nor pulled yet, oldest first."""
        return self._reports.pending_replies

    @property
    def pushes(self) -> list[Push]:
        """Every POST to a callback URL so far, with what the site answered."""
        return self._reports.pushes

    def reply(
        self, phone: str, text: str, *, sign: str | None = None, extend: str = ""
    ) -> IncomingReply:
        """A person at ``phone`` (E.164, or a number in mainland China) answers ``text``: pushed
        to ``reply_callback_url`` at once when set, else kept for ``pullstatus`` type 1.
        ``sign`` defaults to the sandbox's default signature. ``ValueError`` for a bad number."""
        try:
            number = phonenumbers.parse(phone, "CN")
        except phonenumbers.NumberParseException:
            raise ValueError(f"{phone!r} is not a phone number") from None
        if not phonenumbers.is_possible_number(number):
            raise ValueError(f"{phone!r} is not a phone number")
        if not isinstance(text, str) or not isinstance(extend, str):
            raise TypeError("text and extend must be strings")
        reply = IncomingReply(
            nationcode=str(number.country_code),
            mobile=phonenumbers.national_significant_number(number),
            text=text,
            replied_at=datetime.fromtimestamp(int(self.clock()), timezone.utc),
            sign=self._account.default_sign if sign is None else sign,
            extend=extend,
        )
        self._reports.add_reply(reply)
        return reply

    def _record_messages(self, messages: Iterable[SandboxMessage]) -> None:
        """Keep accepted messages and make their delivery reports (hold ``self._lock``)."""
        for message in messages:
            self._messages.append(message)
            self._reports.message_accepted(message)

    # Configuration --------------------------------------------------------------------------

    @property
    def limits(self) -> FrequencyLimits | None:
        with self._lock:
            return self._limits

    @limits.setter
    def limits(self, value: FrequencyLimits | None) -> None:
        if value is not None and not isinstance(value, FrequencyLimits):
            raise TypeError("limits must be a FrequencyLimits or None")
        with self._lock:
            self._limits = value

    @property
    def clock(self) -> Callable[[], float]:
        with self._lock:
            return self._clock

    @clock.setter
    def clock(self, value: Callable[[], float]) -> None:
        with self._lock:
            self._clock = value

    def add_template(self, tpl_id: int, text: str) -> None:
        """Add or replace a template. TypeError when templates come from a callable."""
        self._templates.add(tpl_id, text)

    def fail_next(
        self,
        kind: str,
        *,
        count: int = 1,
        status: int = 500,
        delay: float = 1.0,
        result: int = 1008,
        errmsg: str | None = None,
    ) -> None:
        """Make the next ``count`` SMS requests fail with ``kind`` (see ``faults.FAULT_KINDS``).

        Faults queue up first in, first out; each request on an SMS endpoint consumes one.
        """
        fault = Fault(kind, status=status, delay=delay, result=result, errmsg=errmsg)
        count = validate_count(count)
        with self._lock:
            self._faults.extend([fault] * count)

    # HTTP application -----------------------------------------------------------------------

    def connection_opened(self) -> int:
        with self._lock:
            self._connections += 1
            return self._connections

    def handle_http(self, request: HttpRequest) -> Reply:
        if is_cloud_request(request):
            return handle_cloud(self, request)
        if request.path.startswith(SMS_PREFIX):
            return self._handle_sms(request)
        if request.path.startswith(CONTROL_PREFIX):
            return handle_control(self, request)
        return text_reply(404, "Not Found\n")

    def _wake_sleepers(self) -> None:
        woken, self._wake = self._wake, threading.Event()
        woken.set()

    def _handle_sms(self, request: HttpRequest) -> Reply:
        endpoint = request.path[len(SMS_PREFIX) :]
        data = parse_json(request.body)
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
            wake = self._wake
            record = ReceivedRequest(
                endpoint=endpoint,
                query=dict(request.query),
                headers=dict(request.headers),
                body=request.body,
                json=None if data is NOT_JSON else copy.deepcopy(data),
                received_at=self._clock(),
                fault=fault.kind if fault else None,
                connection=request.connection,
                method=request.method,
            )
            self._requests.append(record)

        if fault is not None and fault.kind == "slow":
            wake.wait(fault.delay)
        reply, result = self._answer(fault, endpoint, request, data, record.received_at)
        with self._lock:
            record.result = result
        if self.verbose:
            self._log(request, data, record)
        return reply

    def _answer(
        self,
        fault: Fault | None,
        endpoint: str,
        request: HttpRequest,
        data: object,
        received_at: float,
    ) -> tuple[Reply, int | None]:
        kind = fault.kind if fault else None
        if fault is not None and kind == "http_error":
            return text_reply(fault.status, f"sandbox fault: HTTP {fault.status}\n"), None
        if kind == "drop":
            return Reply(drop=True), None
        if kind == "not_json":
            return text_reply(200, _NOT_JSON_PAGE, "text/html"), None
        if fault is not None and kind == "result":
            errmsg = fault.errmsg or lookup(fault.result).meaning
            verdict = Verdict(fault.result, errmsg, echo_ext(data))
        elif endpoint == PULL_ENDPOINT:
            answer = evaluate_pullstatus(
                request.query, data, account=self._account, now=self.clock(), center=self._reports
            )
            return json_reply(answer), answer["result"]
        else:
            verdict = self._evaluate(endpoint, request, data, received_at)
        return json_reply(verdict.payload()), verdict.result

    def _evaluate(
        self, endpoint: str, request: HttpRequest, data: object, received_at: float
    ) -> Verdict:
        templates: dict[int, str] = {}
        if endpoint in ENDPOINTS:
            try:
                templates = self._templates.snapshot()  # outside the lock: may query a database
            except Exception as exc:  # a broken source must not kill the server
                print(f"[sandbox] the template source failed: {exc!r}", file=sys.stderr)
                return Verdict(1007, f"{lookup(1007).meaning}: templates unavailable")
        with self._lock:
            verdict = evaluate(
                endpoint,
                request.query,
                data,
                account=self._account,
                templates=templates,
                lenient=self._templates.lenient,
                now=self._clock(),
                received_at=received_at,
                frequency=self._frequency,
                limits=self._limits,
            )
            self._record_messages(verdict.messages)
        return verdict

    def _log(self, request: HttpRequest, data: object, record: ReceivedRequest) -> None:
        # Never the sig or the app key.
        tel = data.get("tel") if isinstance(data, dict) else None
        to = ""
        if isinstance(tel, dict):
            to = f" to +{tel.get('nationcode')} {tel.get('mobile')}"
        elif isinstance(tel, list):
            to = f" to {len(tel)} numbers"
        outcome = f"result {record.result}" if record.result is not None else "no result"
        fault = f" (fault: {record.fault})" if record.fault else ""
        print(
            f"[sandbox] {request.method} {request.path}{to} -> {outcome}{fault}",
            file=sys.stderr,
            flush=True,
        )
