"""The contract every SMS backend meets, and the one-request-per-number bulk send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django_tencent_sms.exceptions import TencentSmsError
from django_tencent_sms.message import (
    BulkMessage,
    BulkResult,
    RecipientResult,
    SendResult,
    SmsMessage,
)
from django_tencent_sms.protocol.catalog import CatalogPage
from django_tencent_sms.protocol.reports import PullBatch
from django_tencent_sms.protocol.statistics import (
    CallbackStatistics,
    HourSpan,
    SendStatistics,
    SmsPackage,
)
from django_tencent_sms.voice_message import VoiceCodeMessage


class BaseBackend:
    """The contract every backend meets.

    ``send(message)`` returns a ``SendResult`` or raises an ``SmsError``; ``send_bulk(message)``
    returns a ``BulkResult`` (one ``RecipientResult`` per number) or raises when nothing is known
    about any recipient. Neither touches the database. Instances may be shared between threads.
    ``open()``/``close()`` and the context manager manage whatever connections a backend holds.
    """

    def __init__(self, **kwargs: Any) -> None:
        if kwargs:
            raise TypeError(f"Unexpected arguments for {type(self).__name__}: {sorted(kwargs)}")

    @property
    def name(self) -> str:
        return f"{type(self).__module__}.{type(self).__qualname__}"

    def open(self) -> None:
        """Acquire resources ahead of the first send (optional)."""

    def close(self) -> None:
        """Release connections; the backend stays usable and reopens on the next send."""

    def __enter__(self) -> BaseBackend:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(self, message: SmsMessage) -> SendResult:
        raise NotImplementedError

    #: Whether :meth:`pull_reports` and :meth:`pull_replies` work (Tencent's pull endpoints).
    can_pull = False

    def pull_reports(self, limit: int = 100) -> PullBatch:
        """Up to ``limit`` (1 to 100) delivery reports Tencent has not handed out yet (each is
        handed out once). Raises ``NotImplementedError`` where ``can_pull`` is false, and what
        ``send`` raises when Tencent refuses or does not answer."""
        raise NotImplementedError(f"{type(self).__name__} cannot pull delivery reports")

    def pull_replies(self, limit: int = 100) -> PullBatch:
        """Up to ``limit`` (1 to 100) replies Tencent has not handed out yet; as
        :meth:`pull_reports`."""
        raise NotImplementedError(f"{type(self).__name__} cannot pull replies")

    #: Whether :meth:`number_reports` and :meth:`number_replies` work (Tencent's per-number
    #: lookups: ``pullstatus4mobile``, ``PullSms…StatusByPhoneNumber``).
    can_lookup_number = False

    def number_reports(
        self, phone: str, begin: datetime, end: datetime, limit: int = 100
    ) -> PullBatch:
        """Up to ``limit`` (1 to 100) delivery reports Tencent has for ``phone`` (E.164) between
        ``begin`` and ``end`` (at most 7 days back), oldest first; asking again hands them out
        again. Raises ``NotImplementedError`` where ``can_lookup_number`` is false, and what
        ``send`` raises when Tencent refuses or does not answer."""
        raise NotImplementedError(f"{type(self).__name__} cannot look up a number's records")

    def number_replies(
        self, phone: str, begin: datetime, end: datetime, limit: int = 100
    ) -> PullBatch:
        """Up to ``limit`` replies from ``phone`` between ``begin`` and ``end``; as
        :meth:`number_reports`."""
        raise NotImplementedError(f"{type(self).__name__} cannot look up a number's replies")

    #: Whether :meth:`send_voice_code` works (Tencent's voice-code call).
    can_send_voice_code = False

    def send_voice_code(self, message: VoiceCodeMessage) -> SendResult:
        """Have Tencent call ``message``'s number and read out its code; a ``SendResult``
        whose ``sid`` is the call's ID, or what ``send`` raises. Raises ``NotImplementedError``
        where ``can_send_voice_code`` is false."""
        raise NotImplementedError(f"{type(self).__name__} cannot place voice-code calls")

    def send_bulk(self, message: BulkMessage) -> BulkResult:
        """Send ``message`` to each of its numbers; one ``RecipientResult`` per number, in order.

        This default calls ``send()`` once per number, so every backend supports bulk sends and
        ``locmem`` records one outbox entry per recipient. A refusal (``TencentSmsError``) is
        that recipient's result (and ``error``). Any other exception stops the loop, so that
        one failing connection is not tried 200 times: raised as is when it came on the first
        number (nothing was sent), otherwise recorded as that recipient's ``error``, and the
        numbers after it are left unattempted. Backends that can send a whole batch in one
        request override this.

        ``send_bulk()`` (the function) calls this from a helper thread, one batch at a time,
        while it writes the next batch: it must be thread-safe and should not need the
        database (the caller's uncommitted rows are not visible from there).
        """
        recipients: list[RecipientResult] = []
        stopped = False
        for single in message.messages():
            if stopped:
                recipients.append(RecipientResult(None, "Not sent: an earlier message failed"))
                continue
            try:
                result = self.send(single)
            except TencentSmsError as exc:
                recipients.append(RecipientResult(exc.result, exc.errmsg or exc.meaning, error=exc))
            except Exception as exc:
                if not recipients:
                    raise
                recipients.append(RecipientResult(None, str(exc), error=exc))
                stopped = True
            else:
                recipients.append(RecipientResult(0, result.errmsg, sid=result.sid, fee=result.fee))
        return BulkResult(tuple(recipients))

    # -- Tencent's figures for the account (statistics and package balance) ------------------

    #: Whether :meth:`send_statistics`, :meth:`callback_statistics` and :meth:`sms_packages` work.
    can_fetch_statistics = False

    def send_statistics(self, span: HourSpan) -> SendStatistics:
        """What Tencent counts of the sends in ``span`` (at most 32 days of China-time hours).
        Raises ``NotImplementedError`` where ``can_fetch_statistics`` is false, and what
        ``send`` raises when Tencent refuses or does not answer."""
        raise NotImplementedError(f"{type(self).__name__} cannot fetch Tencent's statistics")

    def callback_statistics(self, span: HourSpan) -> CallbackStatistics:
        """What Tencent counts of the delivery reports in ``span``; as :meth:`send_statistics`."""
        raise NotImplementedError(f"{type(self).__name__} cannot fetch Tencent's statistics")

    def sms_packages(self) -> tuple[SmsPackage, ...]:
        """Every prepaid package of the account, expired ones included; as
        :meth:`send_statistics`."""
        raise NotImplementedError(f"{type(self).__name__} cannot fetch Tencent's packages")

    # Tencent's template and signature lists (``account.catalog``) ------------------------------

    #: Whether :meth:`list_templates` and :meth:`list_signs` work.
    can_list_catalog = False
    #: Whether :meth:`list_signs` pages through every signature; else it needs their IDs.
    can_page_signs = False
    #: The largest page (and ID list) one request may ask for.
    catalog_page_size = 0
    #: The ``International`` values to list separately (the legacy API lists both at once).
    catalog_scopes: tuple[int, ...] = (0,)

    def list_templates(
        self, *, offset: int = 0, limit: int | None = None, international: int = 0
    ) -> CatalogPage:
        """One page of the account's templates (``TemplateInfo``s), ``limit`` (at most
        ``catalog_page_size``) from ``offset``. Raises ``NotImplementedError`` where
        ``can_list_catalog`` is false, and what ``send`` raises when Tencent refuses or does
        not answer."""
        raise NotImplementedError(f"{type(self).__name__} cannot list Tencent's templates")

    def list_signs(
        self,
        *,
        sign_ids: list[int] | None = None,
        offset: int = 0,
        limit: int | None = None,
        international: int = 0,
    ) -> CatalogPage:
        """The signatures ``sign_ids`` (at most ``catalog_page_size``), or where
        ``can_page_signs`` one page of them; as :meth:`list_templates`."""
        raise NotImplementedError(f"{type(self).__name__} cannot list Tencent's signatures")
