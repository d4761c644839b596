"""The real backends' HTTP base: credentials, a total deadline, a pool, and safe retries.

A pool of keep-alive connections; a deadline and a size cap for every answer; retries only of
connection attempts that provably never sent anything (never of a request that may have).
"""

from __future__ import annotations

import io
import os
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity

from django_tencent_sms import __version__
from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.backends.deadline import DeadlineAdapter, deadline
from django_tencent_sms.backends.pool import normalize_pool_size
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import (
    ConfigurationError,
    ConnectError,
    ConnectionLost,
    InvalidResponse,
    ResponseTimeout,
)
from django_tencent_sms.wording import no_answer_within

__all__ = [
    "MAX_ANSWER_SIZE",
    "MAX_TIMEOUT",
    "USER_AGENT",
    "HttpBackend",
    "Timeout",
    "never_sent",
    "normalize_connect_retries",
    "normalize_timeout",
    "total_timeout",
]

USER_AGENT = f"django-tencent-sms/{__version__} requests/{requests.__version__}"

Timeout = float | tuple[float, float]

MAX_TIMEOUT = 30

#: The largest answer read (bytes). Tencent's are a few KiB even for 200 numbers.
MAX_ANSWER_SIZE = 1 << 20

_CHUNK = 64 * 1024


def normalize_timeout(value: Any) -> Timeout:
    """Validate ``TIMEOUT``: a positive number or a ``(connect, read)`` pair of them, at most
    30 seconds each (a request must never hang a worker for long).

    It bounds each attempt as a whole, not each read: connecting, sending and reading the entire
    answer end within :func:`total_timeout` (the number, or connect + read), however slowly the
    answer trickles in."""
    parts = list(value) if isinstance(value, (tuple, list)) else [value]
    if len(parts) not in (1, 2) or not all(
        isinstance(p, (int, float)) and not isinstance(p, bool) and 0 < p <= MAX_TIMEOUT
        for p in parts
    ):
        raise ConfigurationError(
            f"TENCENT_SMS['TIMEOUT'] must be a number of seconds (0 < t <= {MAX_TIMEOUT}) or a "
            f"(connect, read) pair of them, not {value!r}."
        )
    return float(parts[0]) if len(parts) == 1 else (float(parts[0]), float(parts[1]))


def total_timeout(timeout: Timeout) -> float:
    """The deadline of one whole attempt (connect, send, and read the entire answer) under
    ``timeout``: the number itself, or the sum of a ``(connect, read)`` pair."""
    return sum(timeout) if isinstance(timeout, tuple) else timeout


def normalize_connect_retries(value: Any) -> int:
    """Validate ``CONNECT_RETRIES``: a small non-negative int."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 5:
        raise ConfigurationError(
            f"TENCENT_SMS['CONNECT_RETRIES'] must be an int from 0 to 5, not {value!r}."
        )
    return value


def never_sent(exc: requests.ConnectionError) -> bool:
    """Whether a ConnectionError happened before any byte of the request was sent.

    Only failures to open the connection count: refused, DNS, connect timeout (to the API or to
    the proxy in between), and a TLS certificate that does not verify (which can only fail
    during the handshake). Any other TLS error may come from reading the answer after the
    request went out, so it does not count.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    if isinstance(exc, requests.exceptions.SSLError):
        return _caused_by(reason, ssl.SSLCertVerificationError)
    if isinstance(reason, urllib3.exceptions.ProxyError):
        # The proxy (HTTPS_PROXY/HTTP_PROXY) could not be reached: what counts is why.
        reason = getattr(reason, "original_error", None) or (reason.args[1:] or [None])[0]
    return isinstance(
        reason,
        (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError),
    )


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind) or any(isinstance(a, kind) for a in getattr(exc, "args", ())):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


class _Target(NamedTuple):
    """A base URL checked once: the form ``requests`` would send, and the proxies for it."""

    url: str
    proxies: dict[str, str]


class HttpBackend(BaseBackend):
    """Base of the backends that post to Tencent over a pool of keep-alive connections.

    Subclasses name the credentials they sign with, build a request and call :meth:`post`. One
    instance is safe to share between threads.

    Requests go straight to ``requests``' ``HTTPAdapter`` (urllib3's pool, TLS verification,
    proxies; the subclass in ``backends.deadline``, which bounds the whole answer), not through
    a ``Session``: a session spends more CPU per post than the rest of a send together
    (cookies, hooks, redirects and the environment read again for every request), and none of
    it applies to a signed API call. What a session takes from the environment is read once per
    process instead: ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` for the API's URL, and
    ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` when ``TENCENT_SMS['CA_BUNDLE']`` is not
    set.
    """

    #: The setting named when the URL turns out to be unusable at send time.
    url_setting = "API_URL"

    @sensitive_variables("credentials")
    def __init__(
        self,
        *,
        credentials: Mapping[str, object] | None = None,
        timeout: Timeout | None = None,
        connect_retries: int | None = None,
        pool_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        """``credentials`` maps each ``TENCENT_SMS`` key the subclass signs with (``"APP_KEY"``…)
        to the argument given for it: an empty argument means the setting, and an empty setting
        a ``ConfigurationError`` naming the key. Each is read in that order, after ``timeout``
        ``connect_retries`` and ``pool_size`` (``TIMEOUT``, ``CONNECT_RETRIES`` and
        ``POOL_SIZE`` when ``None``), and kept
        without surrounding blanks: a space copied from the console must not break a signature.
        Read them with :meth:`credential`; none of them is shown by ``repr()``.
        """
        super().__init__(**kwargs)
        self.timeout = normalize_timeout(sms_settings.TIMEOUT if timeout is None else timeout)
        self.connect_retries = normalize_connect_retries(
            sms_settings.CONNECT_RETRIES if connect_retries is None else connect_retries
        )
        self._credentials = {
            key: str(value or sms_settings.require(key)).strip()
            for key, value in (credentials or {}).items()
        }
        self.pool_size = normalize_pool_size(
            sms_settings.POOL_SIZE if pool_size is None else pool_size
        )
        # The setting wins over the environment's bundle, which only stands in for True.
        self.verify: str | bool = (
            sms_settings.CA_BUNDLE
            or os.environ.get("REQUESTS_CA_BUNDLE")
            or os.environ.get("CURL_CA_BUNDLE")
            or True
        )
        self.headers: dict[str, str] = {
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
            "Accept": "*/*",
        }
        self._adapter: HTTPAdapter | None = None
        self._adapter_lock = threading.Lock()
        self._targets: dict[str, _Target] = {}

    def credential(self, key: str) -> str:
        """The credential ``key`` (``"SDK_APP_ID"``, ``"APP_KEY"``…) this backend signs with."""
        return self._credentials[key]

    @property
    def adapter(self) -> HTTPAdapter:
        """The connection pool, made on first use."""
        adapter = self._adapter
        if adapter is None:
            with self._adapter_lock:
                adapter = self._adapter
                if adapter is None:
                    # No urllib3 retries at all: this backend decides what may be retried.
                    # pool_block=False: a thread past pool_size connections opens one more
                    # rather than wait for a free one (a wait that no TIMEOUT bounds); that
                    # connection is closed after its request, so POOL_SIZE must cover the
                    # threads that send at once.
                    adapter = self._adapter = DeadlineAdapter(
                        pool_connections=1,
                        pool_maxsize=self.pool_size,
                        max_retries=0,
                        pool_block=False,
                    )
        return adapter

    def open(self) -> None:
        self.adapter  # noqa: B018 - creates the pool ahead of the first send

    def close(self) -> None:
        with self._adapter_lock:
            adapter, self._adapter = self._adapter, None
        if adapter is not None:
            adapter.close()

    def _target(self, base: str) -> _Target:
        """``base`` (a URL without its query) checked as ``requests`` would check it, once."""
        target = self._targets.get(base)
        if target is None:
            try:
                if urlsplit(base).scheme.lower() not in ("http", "https"):
                    raise requests.exceptions.InvalidSchema(f"{base!r} is not an http(s) URL")
                checked = PreparedRequest()
                checked.prepare_url(base, None)
                url = str(checked.url)  # prepare_url sets it, or raises
            except (
                requests.exceptions.InvalidURL,
                requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema,
                ValueError,
            ) as exc:
                raise ConfigurationError(
                    f"Invalid TENCENT_SMS[{self.url_setting!r}]: {exc}"
                ) from exc
            proxies = requests.utils.get_environ_proxies(url) or {}
            target = self._targets[base] = _Target(url, proxies)
        return target

    def _prepare(
        self, url: str, body: bytes, headers: Mapping[str, str] | None
    ) -> tuple[PreparedRequest, _Target]:
        base, mark, query = url.partition("?")
        target = self._target(base)
        request = PreparedRequest()
        request.method = "POST"
        request.url = target.url + mark + query  # the query is ours: digits and ASCII
        request.headers = CaseInsensitiveDict(self.headers)
        if headers:
            for name, value in headers.items():
                try:
                    check_header_validity((name, value))
                except requests.exceptions.InvalidHeader:
                    # Not its value in the message: it may carry a signature.
                    raise ConfigurationError(
                        f"The request header {name!r}, built from the TENCENT_SMS settings, is "
                        "not valid (a line break or a leading space): nothing was sent."
                    ) from None
            request.headers.update(headers)
        request.headers["Content-Length"] = str(len(body))
        request.body = body
        request.hooks = {"response": []}
        return request, target

    # No local of this frame nor of those below it (requests, urllib3, http.client) in an error
    # report: they hold the signed body, whose parameters may carry a verification code.
    @sensitive_variables()
    def post(
        self,
        build: Callable[[], tuple[str, bytes, Mapping[str, str] | None]],
        *,
        target: str,
    ) -> requests.Response:
        """Post what ``build()`` returns (``url, body, headers``) and return the response, its
        body read (at most :data:`MAX_ANSWER_SIZE` bytes).

        Each attempt has a deadline, :func:`total_timeout` of ``timeout`` after it starts:
        connecting, sending and reading the whole answer (status line, headers and body, however
        slowly they trickle in) end within it, give or take one scheduling delay, and then raise
        ``ResponseTimeout``. A larger answer raises ``InvalidResponse`` without being read into
        memory: announced by its ``Content-Length``, or counted as it streams in.

        ``build`` is called again for every attempt, so each one is signed afresh. Only a
        connection that provably never sent anything is tried again (``connect_retries``
        times); a timeout or a broken connection after sending raises at once. ``target`` names
        the server in the ``ConnectError`` message.
        """
        total = total_timeout(self.timeout)
        connect, read = self.timeout if isinstance(self.timeout, tuple) else (total, total)
        attempt = 0
        while True:
            request, checked = self._prepare(*build())
            at = time.monotonic() + total
            try:
                with deadline(at):
                    response = self.adapter.send(
                        request,
                        stream=True,
                        timeout=(connect, read),
                        verify=self.verify,
                        proxies=checked.proxies,
                    )
                    raw = response.raw
                    try:
                        body = self._read_answer(response, at)
                    except BaseException:
                        raw.close()  # unread: the connection cannot be reused
                        raise
                    finally:
                        raw.release_conn()
                response.raw = io.BytesIO(body)
                response.content  # noqa: B018 - the body just read, kept for the caller
                return response
            except requests.ReadTimeout as exc:
                raise self._timed_out() from exc
            except urllib3.exceptions.ReadTimeoutError as exc:
                raise self._timed_out() from exc
            except requests.ConnectionError as exc:
                if not never_sent(exc):
                    raise ConnectionLost(
                        "The connection to the SMS API broke after the request was sent; the "
                        "message may still be delivered."
                    ) from exc
                if attempt >= self.connect_retries:
                    raise ConnectError(
                        f"Could not connect to the SMS API at {target} "
                        f"({attempt + 1} attempt{'s' if attempt else ''})."
                    ) from exc
                attempt += 1
                continue
            except (
                requests.exceptions.InvalidURL,
                requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema,
            ) as exc:
                raise ConfigurationError(
                    f"Invalid TENCENT_SMS[{self.url_setting!r}]: {exc}"
                ) from exc
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                # Anything else (a broken chunked body, an undecodable answer) happened after
                # the request went out.
                raise ConnectionLost(
                    f"The SMS API's answer could not be read ({type(exc).__name__}); the "
                    "message may still be delivered."
                ) from exc

    def _timed_out(self) -> ResponseTimeout:
        return ResponseTimeout(no_answer_within(self.timeout))

    def _read_answer(self, response: requests.Response, at: float) -> bytes:
        """The body of ``response``, read in chunks until ``at``; ``InvalidResponse`` as soon
        as it proves larger than :data:`MAX_ANSWER_SIZE`."""
        announced = response.headers.get("Content-Length", "").strip()
        if announced.isdigit() and int(announced) > MAX_ANSWER_SIZE:
            raise _too_large(f"announced {int(announced)} bytes")
        chunks: list[bytes] = []
        size = 0
        while chunk := response.raw.read(_CHUNK, decode_content=True):
            size += len(chunk)
            if size > MAX_ANSWER_SIZE:
                raise _too_large(f"more than {size} bytes")
            if time.monotonic() >= at:
                raise self._timed_out()
            chunks.append(chunk)
        return b"".join(chunks)


def _too_large(size: str) -> InvalidResponse:
    return InvalidResponse(
        f"The SMS API's answer is larger than {MAX_ANSWER_SIZE // 1024} KiB ({size}); it was "
        "not read. The message may still be delivered."
    )
