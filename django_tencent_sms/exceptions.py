"""Exceptions raised when an SMS cannot be sent.

Everything that can go wrong with one message is an ``SmsError``:

* ``InvalidMessage``: the input was refused before anything left the machine;
* ``TencentSmsError``: Tencent answered with a ``result`` other than 0, or an API 3.0 error code
  (subclassed by who can fix it, and ``TencentUnknownOutcomeError`` when Tencent failed mid-way
  and the SMS may still go out);
* ``TransportError``: no usable answer came back (subclassed by whether Tencent may have got it).

``ConfigurationError`` is deliberately not an ``SmsError``: a view that catches send failures to
show them to a user must not swallow a broken configuration.

The service attaches the ``SmsLog`` row of the attempt as ``exc.log``. Credentials never appear in
a message or ``repr()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured, ValidationError

from django_tencent_sms.result_codes import Category, CloudCode, ResultCode, cloud_lookup, lookup

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from django_tencent_sms.models import SmsLog

__all__ = [
    "CodeRequestRefused",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLost",
    "HTTPStatusError",
    "InvalidMessage",
    "InvalidResponse",
    "OptedOut",
    "ResponseTimeout",
    "SmsError",
    "TencentAccountError",
    "TencentInputError",
    "TencentRateLimitError",
    "TencentSmsError",
    "TencentTransientError",
    "TencentUnknownOutcomeError",
    "TransportError",
]


class ConfigurationError(ImproperlyConfigured):
    """The app's settings are missing or wrong."""


class SmsError(Exception):
    """Base class of every failure to send one message."""

    #: The ``SmsLog`` of the attempt, when the sending service wrote one.
    log: SmsLog | None = None
    #: Whether Tencent may have received the request (so the SMS may have gone out).
    may_have_reached_tencent: bool = False


class InvalidMessage(SmsError, ValidationError):
    """The phone number, template or parameters were refused before any request was made.

    A ``ValidationError``, so forms can show it; ``code`` says which rule failed:
    ``invalid_phone``, ``unknown_template``, ``inactive_template``, ``param_count``,
    ``template_not_approved`` (Tencent's review status, as last synced, is not approved),
    ``param_too_long``, ``too_long``, ``invalid_param``, ``param_link`` (a link in a parameter),
    ``verification_param`` (a verification-code template's parameter that is not 0 to 6
    digits), ``invalid_sign``, ``invalid_extend``,
    ``verification_code`` when asked to resend a verification code, and ``secret_params`` when
    a message whose parameters were not stored is to be resent or queued.
    """

    def __init__(self, message: str, code: str, params: dict[str, Any] | None = None) -> None:
        ValidationError.__init__(self, message, code=code, params=params)

    def __str__(self) -> str:
        return str(self.message % self.params if self.params else self.message)

    def __repr__(self) -> str:
        return f"InvalidMessage({str(self)!r}, code={self.code!r})"


class OptedOut(InvalidMessage):
    """The number is on the opt-out list and the message is a marketing one: nothing was sent.

    Unlike the other ``InvalidMessage`` refusals, the attempt is on record: ``exc.log`` is its
    ``SmsLog``, with status ``opted_out``. ``code`` is ``opted_out``.
    """

    def __init__(self, message: str, log: SmsLog | None = None) -> None:
        super().__init__(message, code="opted_out")
        self.log = log

    def __repr__(self) -> str:
        return f"OptedOut({str(self)!r})"


class TencentSmsError(SmsError):
    """Tencent answered with ``result != 0`` (legacy API) or an error code (API 3.0).

    Attributes: ``result`` (the code), ``errmsg`` (Tencent's text), ``ext`` (the echoed ``ext``),
    ``info`` (a ``result_codes.ResultCode`` with ``meaning``, ``category`` and ``hint``).
    From API 3.0 also ``code`` (the error-code name, e.g. ``"LimitExceeded.PhoneNumberDailyLimit"``)
    and ``request_id`` (Tencent's ``RequestId``); there ``result`` is the legacy code of the same
    meaning (``result_codes.CLOUD_EQUIVALENTS``) or ``None``, ``errmsg`` is
    ``"<code>: <Message>"`` and ``info`` a ``result_codes.CloudCode``.
    Use ``category`` or the subclasses to decide whom to tell: ``user_facing`` is true when the
    person who typed the number can act on it (a bad number, a per-number rate limit), false
    when only the operator can (a template, the balance, a limit on the whole application).
    """

    may_have_reached_tencent = True

    def __init__(
        self,
        result: int | None,
        errmsg: str = "",
        ext: str = "",
        *,
        request_id: str = "",
        code: str = "",
    ):
        self.result = result
        self.errmsg = errmsg
        self.ext = ext
        self.request_id = request_id
        self.code = code
        self.info: ResultCode | CloudCode = cloud_lookup(code) if code else lookup(result)
        super().__init__(code or result, errmsg)

    @property
    def category(self) -> Category:
        return self.info.category

    @property
    def meaning(self) -> str:
        return self.info.meaning

    @property
    def hint(self) -> str:
        return self.info.hint

    @property
    def retryable(self) -> bool:
        return self.info.retryable

    @property
    def user_facing(self) -> bool:
        return self.info.user_facing

    @property
    def outcome_unknown(self) -> bool:
        """Whether the SMS may still go out although Tencent answered with an error."""
        return self.info.outcome_unknown

    def __str__(self) -> str:
        text = f"Tencent SMS error {self.code or self.result}: {self.meaning}"
        detail = self.errmsg.removeprefix(f"{self.code}: ") if self.code else self.errmsg
        if detail and detail not in (self.meaning, self.code):
            text += f" ({detail})"
        return text

    def __repr__(self) -> str:
        code = f", code={self.code!r}" if self.code else ""
        return f"{type(self).__name__}(result={self.result!r}{code}, errmsg={self.errmsg!r})"

    @classmethod
    def for_result(
        cls, result: int, errmsg: str = "", ext: str = "", *, request_id: str = ""
    ) -> TencentSmsError:
        """An instance of the subclass matching the code's category."""
        subclass = _BY_CATEGORY.get(lookup(result).category, cls)
        return subclass(result, errmsg, ext, request_id=request_id)

    @classmethod
    def for_cloud_code(
        cls, code: str, message: str = "", ext: str = "", *, request_id: str = ""
    ) -> TencentSmsError:
        """An instance for the API 3.0 error ``code`` with Tencent's ``message``, of the subclass
        matching the code's category (``result_codes.cloud_lookup``)."""
        info = cloud_lookup(code)
        subclass = _BY_CATEGORY.get(info.category, cls)
        errmsg = f"{code}: {message}" if message and message != code else code
        return subclass(info.result, errmsg, ext, request_id=request_id, code=code)


class TencentInputError(TencentSmsError):
    """The number or the content was refused (blacklisted, malformed, too long…)."""


class TencentRateLimitError(TencentSmsError):
    """A Tencent frequency or volume limit was hit; the person should wait."""


class TencentAccountError(TencentSmsError):
    """Credentials, signature, template, balance or permissions: the operator must act."""


class TencentTransientError(TencentSmsError):
    """A passing failure at Tencent, before anything was sent."""


class TencentUnknownOutcomeError(TencentSmsError):
    """Tencent failed mid-way (a timeout inside Tencent): the SMS may still be delivered. The log
    row is ``unknown`` and the message is never sent again automatically."""


_BY_CATEGORY = {
    Category.INPUT: TencentInputError,
    Category.RATE_LIMIT: TencentRateLimitError,
    Category.ACCOUNT: TencentAccountError,
    Category.TRANSIENT: TencentTransientError,
    Category.UNKNOWN_OUTCOME: TencentUnknownOutcomeError,
}


class TransportError(SmsError):
    """No usable answer came back from Tencent."""


class ConnectError(TransportError):
    """The connection could not be made (refused, DNS, connect timeout): nothing was sent."""

    may_have_reached_tencent = False


class ResponseTimeout(TransportError):
    """The request was sent but no answer came in time: the SMS may or may not go out."""

    may_have_reached_tencent = True


class ConnectionLost(TransportError):
    """The connection broke after the request was sent: the SMS may or may not go out."""

    may_have_reached_tencent = True


class HTTPStatusError(TransportError):
    """Tencent's side answered with an HTTP status other than 200.

    A 5xx means the request reached a server that failed: the outcome is unknown. A 4xx means it
    was refused at the door.
    """

    def __init__(self, status: int, body: str = "") -> None:
        self.status = status
        self.body = body[:500]
        self.may_have_reached_tencent = status >= 500
        super().__init__(f"HTTP {status} from the SMS API")

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its own arguments (pickle, copy): BaseException's default would pass the
        # message as ``status``, which __init__ compares with 500.
        return type(self), (self.status, self.body), self.__dict__


class InvalidResponse(TransportError):
    """An HTTP 200 whose body is not the JSON Tencent sends: the outcome is unknown."""

    may_have_reached_tencent = True

    def __init__(self, message: str, body: str = "") -> None:
        self.body = body[:500]
        super().__init__(message)


class CodeRequestRefused(ValidationError):
    """``otp.send_code`` refused to send a code; nothing was sent and nothing was billed.

    A ``ValidationError``, so a form can show it. ``code`` is stable: ``cooldown``,
    ``phone_hourly_limit``, ``phone_daily_limit``, ``ip_hourly_limit``, ``ip_daily_limit``,
    ``region_not_allowed``, ``number_type``, ``region_daily_limit``, ``too_many_refusals``,
    ``daily_limit``, ``challenge_required`` or ``challenge_unavailable`` (``otp.challenge``).
    ``retry_after`` is the number of seconds after which asking again can succeed (None when
    waiting will not help, as for a region).
    """

    def __init__(
        self,
        message: StrOrPromise,  # translated when shown: a form renders it in the page's language
        code: str,
        *,
        retry_after: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        ValidationError.__init__(self, message, code=code, params=params)
        self.retry_after = retry_after

    def __str__(self) -> str:
        return str(self.message % self.params if self.params else self.message)

    def __repr__(self) -> str:
        return f"CodeRequestRefused(code={self.code!r}, retry_after={self.retry_after!r})"
