"""The :class:`Sandbox`: the Python API, wiring state, both APIs, control and server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

from django_tencent_sms.protocol.reports import DeliveryReport, IncomingReply
from django_tencent_sms.sandbox.account_controls import AccountControls
from django_tencent_sms.sandbox.accounts import (
    DEFAULT_SDK_APP_ID,
    DEFAULT_VOICE_SDK_APP_ID,
    DEVELOPMENT_APP_KEY,
    DEVELOPMENT_SECRET_ID,
    DEVELOPMENT_SECRET_KEY,
    Account,
)
from django_tencent_sms.sandbox.control import CONTROL_PREFIX, handle_control
from django_tencent_sms.sandbox.faults import HUGE_SIZE, Fault
from django_tencent_sms.sandbox.guard import control_refusal
from django_tencent_sms.sandbox.limits import FrequencyLimits
from django_tencent_sms.sandbox.listener import DEFAULT_WORKERS, SandboxHTTPServer
from django_tencent_sms.sandbox.pushes import Push
from django_tencent_sms.sandbox.records import ReceivedRequest, SandboxMessage
from django_tencent_sms.sandbox.reports import make_reply
from django_tencent_sms.sandbox.server import HttpRequest, Reply, text_reply
from django_tencent_sms.sandbox.state import SandboxState
from django_tencent_sms.sandbox.tc3 import CloudApi, is_cloud_request
from django_tencent_sms.sandbox.templates import KindSource, TemplateSource
from django_tencent_sms.sandbox.v5 import LEGACY_PREFIX, LegacyApi
from django_tencent_sms.sandbox.voice import (
    VOICE_PREFIX,
    VoiceApi,
    VoiceLimits,
    is_voice_cloud_request,
)
from django_tencent_sms.sandbox.workers import validate_size

__all__ = ["DEFAULT_SIGN_ID", "Sandbox"]

#: The ID under which the signature lists show ``default_sign``.
DEFAULT_SIGN_ID = 1


def _bracketed(host: str) -> str:
    """``host`` as it goes in a URL: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


class Sandbox(AccountControls):
    """An emulator of ``https://yun.tim.qq.com/v5/tlssmssvr`` that records what it receives.

    Use as ``with Sandbox(...) as sb:`` or ``sb = Sandbox(...).start()`` … ``sb.stop()``.
    Send to ``sb.url + "/sendsms"`` (one number) or ``sb.url + "/sendmultisms2"`` (up to 200;
    each accepted number is recorded as its own message). All methods are thread-safe.
    API 3.0's ``SendSms`` is served at ``sb.cloud_endpoint`` (``POST /``, see ``sandbox.tc3``).
    Voice codes: ``sb.voice_url + "/sendcvoice"`` and VMS ``SendCodeVoice`` at ``POST /``
    (``sandbox.voice``); accepted calls are in ``sb.calls``.

    Every accepted message gets a delivery report ``report_delay`` seconds later (delivered for
    the share ``report_success`` of messages), pushed to ``callback_url`` when one is set and
    otherwise served by ``pullstatus`` (API 3.0: ``PullSmsSendStatus``); :meth:`reply` makes a
    person's reply, pushed to ``reply_callback_url`` or pulled. See ``sandbox.reports``.

    ``workers`` threads answer requests (more wait their turn, none is refused); idle
    keep-alive connections hold none.

    The control and inbox pages (``/_sandbox/``) answer only this machine's own origin: a
    foreign ``Host`` or a cross-site request gets a 403 (``sandbox.guard``).
    """

    def __init__(
        self,
        sdk_app_id: str = DEFAULT_SDK_APP_ID,
        app_key: str = DEVELOPMENT_APP_KEY,
        *,
        templates: TemplateSource = None,
        template_kinds: KindSource = None,
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
        workers: int = DEFAULT_WORKERS,
        voice_sdk_app_id: str = DEFAULT_VOICE_SDK_APP_ID,
    ) -> None:
        # API 3.0 (POST / with X-TC-Action) checks TC3 signatures with the key pair.
        self._account = Account(
            str(sdk_app_id),
            app_key,
            default_sign or "",
            secret_id,
            secret_key,
            voice_sdk_app_id=str(voice_sdk_app_id),
        )
        self._host = host
        self._port = port
        self._workers = validate_size(workers)
        self.verbose = verbose
        self._state = SandboxState(
            clock=clock,
            templates=templates,
            template_kinds=template_kinds,
            limits=limits,
            callback_url=callback_url,
            reply_callback_url=reply_callback_url,
            report_delay=report_delay,
            report_success=report_success,
            verbose=lambda: self.verbose,
        )
        if default_sign:
            self._state.templates.add_sign(DEFAULT_SIGN_ID, default_sign)
        self._legacy = LegacyApi(self._state, self._account)
        self._cloud = CloudApi(self._state, self._account)
        self._voice = VoiceApi(self._state, self._account)
        self._lock = threading.Lock()  # guards the server and its thread
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        state = self.url if self._server is not None else "stopped"
        return f"<Sandbox sdk_app_id={self._account.sdk_app_id} {state}>"

    # Life cycle -----------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Listen and serve in a daemon thread; returns ``self``."""
        with self._lock:
            if self._server is not None:
                raise RuntimeError("the sandbox is already running")
            server = SandboxHTTPServer((self._host, self._port), self, workers=self._workers)
            thread = threading.Thread(
                target=server.serve,
                name=f"tencent-sms-sandbox-{server.port}",
                daemon=True,
            )
            self._server, self._thread = server, thread
        thread.start()
        self._state.reports.start(name=f"tencent-sms-sandbox-reports-{server.port}")
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and open connections, wake slow faults."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        self._state.wake_sleepers()
        if server is None:
            return
        self._state.reports.stop()
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
        return server.port if server is not None else self._port

    @property
    def url(self) -> str:
        """The API base URL, ``http://host:port/v5/tlssmssvr``; the client appends ``/sendsms``."""
        return f"{self.cloud_endpoint}{LEGACY_PREFIX.rstrip('/')}"

    @property
    def cloud_endpoint(self) -> str:
        """The API 3.0 endpoint, ``http://host:port`` (``TENCENT_SMS['ENDPOINT']``)."""
        return f"http://{_bracketed(self._host)}:{self.port}"

    @property
    def account(self) -> Account:
        """The emulated application: SDK AppID, keys (hidden from ``repr``), default sign."""
        return self._account

    # Recorded state -------------------------------------------------------------------------

    @property
    def state(self) -> SandboxState:
        """What the emulator remembers; for tests that set it up directly."""
        return self._state

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Copies of every request on the SMS endpoints, in arrival order."""
        return self._state.requests

    @property
    def messages(self) -> list[SandboxMessage]:
        """Copies of the accepted messages, oldest first."""
        return self._state.messages

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        return self._state.connections

    def reset(self) -> None:
        """Forget requests, messages, pending faults and frequency counts, pending reports and
        replies and the pushes made, the captcha tickets seen; wake slow faults. (The callback
        settings stay.)"""
        self._state.reset()
        self._voice.reset()
        self._cloud.captcha.reset()

    # Delivery reports and replies -------------------------------------------------------------

    @property
    def callback_url(self) -> str | None:
        """Where delivery reports are pushed (Tencent's status callback); None: kept for pulls."""
        return self._state.reports.callback_url

    @callback_url.setter
    def callback_url(self, value: str | None) -> None:
        self._state.reports.configure(callback_url=value)

    @property
    def reply_callback_url(self) -> str | None:
        """Where replies are pushed (Tencent's reply callback); None: kept for pulls."""
        return self._state.reports.reply_callback_url

    @reply_callback_url.setter
    def reply_callback_url(self, value: str | None) -> None:
        self._state.reports.configure(reply_callback_url=value)

    @property
    def report_delay(self) -> float:
        """Seconds between accepting a message and its delivery report (0 to 3600)."""
        return self._state.reports.delay

    @report_delay.setter
    def report_delay(self, value: float) -> None:
        self._state.reports.configure(delay=value)

    @property
    def report_success(self) -> float:
        """The share of messages reported delivered (0 to 1), applied in turn."""
        return self._state.reports.success

    @report_success.setter
    def report_success(self, value: float) -> None:
        self._state.reports.configure(success=value)

    @property
    def pending_reports(self) -> list[DeliveryReport]:
        """Delivery reports neither pushed nor pulled yet, oldest first."""
        return self._state.reports.pending_reports

    @property
    def pending_replies(self) -> list[IncomingReply]:
        """Replies neither pushed nor pulled yet, oldest first."""
        return self._state.reports.pending_replies

    @property
    def pushes(self) -> list[Push]:
        """Every POST to a callback URL so far, with what the site answered."""
        return self._state.reports.pushes

    def reply(
        self, phone: str, text: str, *, sign: str | None = None, extend: str = ""
    ) -> IncomingReply:
        """A person at ``phone`` (E.164, or a number in mainland China) answers ``text``: pushed
        to ``reply_callback_url`` at once when set, else kept for ``pullstatus`` type 1.
        ``sign`` defaults to the sandbox's default signature. ``ValueError`` for a bad number."""
        reply = make_reply(
            phone,
            text,
            sign=self._account.default_sign if sign is None else sign,
            extend=extend,
            now=self._state.now(),
        )
        self._state.reports.add_reply(reply)
        self._state.history.add_reply(reply)
        return reply

    # Voice codes (sandbox.voice) ------------------------------------------------------------

    @property
    def voice_url(self) -> str:
        """The legacy voice API base, ``http://host:port/v5/tlsvoicesvr`` (``VOICE_API_URL``);
        API 3.0's ``SendCodeVoice`` is served at :attr:`cloud_endpoint` (``VOICE_ENDPOINT``)."""
        return f"{self.cloud_endpoint}{VOICE_PREFIX.rstrip('/')}"

    @property
    def voice_limits(self) -> VoiceLimits | None:
        """Calls per number (Tencent's 1 per 30 s, 2 per 10 min, 3 per day); None: no limit."""
        return self._voice.limits

    @voice_limits.setter
    def voice_limits(self, value: VoiceLimits | None) -> None:
        self._voice.limits = value

    @property
    def calls(self) -> list[SandboxMessage]:
        """The accepted voice-code calls, oldest first (they are in :attr:`messages` too)."""
        return [m for m in self.messages if m.channel == "voice"]

    # Configuration --------------------------------------------------------------------------

    @property
    def limits(self) -> FrequencyLimits | None:
        return self._state.limits

    @limits.setter
    def limits(self, value: FrequencyLimits | None) -> None:
        self._state.limits = value

    @property
    def clock(self) -> Callable[[], float]:
        return self._state.clock

    @clock.setter
    def clock(self, value: Callable[[], float]) -> None:
        self._state.clock = value

    def add_template(self, tpl_id: int, text: str, kind: str | None = None) -> None:
        """Add or replace a template (of type ``kind``: ``"verification"``, say). TypeError
        when templates come from a callable."""
        self._state.templates.add(tpl_id, text, kind)

    def fail_next(
        self,
        kind: str,
        *,
        count: int = 1,
        status: int = 500,
        delay: float = 1.0,
        result: int = 1008,
        errmsg: str | None = None,
        size: int = HUGE_SIZE,
        code: str | None = None,
    ) -> None:
        """Make the next ``count`` SMS requests fail with ``kind`` (see ``faults.FAULT_KINDS``).

        Faults queue up first in, first out; each request on an SMS endpoint consumes one.
        """
        fault = Fault(
            kind, status=status, delay=delay, result=result, errmsg=errmsg, size=size, code=code
        )
        self._state.add_faults(fault, count)

    def release_slow(self) -> None:
        """Answer every request now waiting on a ``slow`` fault (it answers normally): a test
        holds an answer with a long ``delay`` and lets it go when it is ready."""
        self._state.wake_sleepers()

    # HTTP application -----------------------------------------------------------------------

    def connection_opened(self) -> int:
        return self._state.connection_opened()

    def handle_http(self, request: HttpRequest) -> Reply:
        if is_voice_cloud_request(request):
            return self._voice.handle_cloud(request)
        if request.path.startswith(VOICE_PREFIX):
            return self._voice.handle_legacy(request)
        if is_cloud_request(request):
            return self._cloud.handle(request, verbose=self.verbose)
        if request.path.startswith(LEGACY_PREFIX):
            return self._legacy.handle(request, verbose=self.verbose)
        if request.path.startswith(CONTROL_PREFIX):
            refusal = control_refusal(request, bound=self._host, port=self.port)
            return refusal or handle_control(self, request)
        return text_reply(404, "Not Found\n")
