"""The messages handed to a backend and the results a backend hands back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

__all__ = ["BulkMessage", "BulkResult", "RecipientResult", "SendResult", "SmsMessage"]


@dataclass(frozen=True)
class SmsMessage:
    """One templated SMS to one number, already validated.

    ``text`` is the rendered content when the template's text is known (it is used by the
    console and locmem backends and for length checks); Tencent renders the real message itself.
    """

    phone: phonenumbers.PhoneNumber
    tpl_id: int
    params: tuple[str, ...] = ()
    sign: str = ""
    ext: str = ""
    extend: str = ""
    text: str | None = None
    template_name: str | None = None

    @property
    def nationcode(self) -> str:
        return str(self.phone.country_code)

    @property
    def mobile(self) -> str:
        """The national significant number, without country code or trunk prefix."""
        return phonenumbers.national_significant_number(self.phone)

    @property
    def e164(self) -> str:
        return phonenumbers.format_number(self.phone, phonenumbers.PhoneNumberFormat.E164)

    def __repr__(self) -> str:
        # Parameters may carry verification codes: never show them.
        return (
            f"<SmsMessage to={self.e164} tpl_id={self.tpl_id} "
            f"params=<{len(self.params)} hidden> sign={self.sign!r}>"
        )


@dataclass(frozen=True)
class SendResult:
    """Tencent's answer to an accepted message."""

    sid: str
    fee: int | None
    errmsg: str = "OK"
    ext: str = ""
    #: API 3.0 ``RequestId``; empty for the legacy API.
    request_id: str = ""


@dataclass(frozen=True)
class BulkMessage:
    """One templated SMS to several numbers (Tencent's ``sendmultisms2``), already validated.

    Every recipient gets the same template, parameters, signature, ``ext`` and ``extend``.
    """

    phones: tuple[phonenumbers.PhoneNumber, ...]
    tpl_id: int
    params: tuple[str, ...] = ()
    sign: str = ""
    ext: str = ""
    extend: str = ""
    text: str | None = None
    template_name: str | None = None

    def messages(self) -> Iterator[SmsMessage]:
        """The same content as one ``SmsMessage`` per recipient, in order."""
        for phone in self.phones:
            yield SmsMessage(
                phone=phone,
                tpl_id=self.tpl_id,
                params=self.params,
                sign=self.sign,
                ext=self.ext,
                extend=self.extend,
                text=self.text,
                template_name=self.template_name,
            )

    def __len__(self) -> int:
        return len(self.phones)

    def __repr__(self) -> str:
        return (
            f"<BulkMessage to={len(self.phones)} numbers tpl_id={self.tpl_id} "
            f"params=<{len(self.params)} hidden> sign={self.sign!r}>"
        )


@dataclass(frozen=True)
class RecipientResult:
    """What became of one recipient of a ``BulkMessage``.

    * ``result == 0``: accepted, with ``sid`` and ``fee``;
    * ``error`` a ``TencentSmsError``, or ``result`` another code: Tencent refused this number
      (``errmsg`` says why);
    * ``error`` any other exception: no answer came for this number; whether the SMS may have
      gone out is ``error.may_have_reached_tencent`` (an exception that is not an ``SmsError``
      counts as maybe);
    * neither: never attempted (an earlier recipient's failure stopped a backend that sends one
      message at a time).
    """

    result: int | None
    errmsg: str = ""
    sid: str = ""
    fee: int | None = None
    error: BaseException | None = None

    @property
    def accepted(self) -> bool:
        return self.result == 0


@dataclass(frozen=True)
class BulkResult:
    """A backend's answer to a ``BulkMessage``: one ``RecipientResult`` per phone, in order."""

    recipients: tuple[RecipientResult, ...]
    errmsg: str = "OK"
    ext: str = ""
    #: API 3.0 ``RequestId`` of the batch's request; empty for the legacy API.
    request_id: str = ""
