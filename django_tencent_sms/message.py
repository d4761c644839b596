"""The message handed to a backend and the result a backend hands back."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

__all__ = ["SendResult", "SmsMessage"]


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
