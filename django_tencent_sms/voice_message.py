"""The voice-code call handed to a backend: a number and the digits Tencent reads out."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

__all__ = ["DEFAULT_PLAYTIMES", "MAX_PLAYTIMES", "VoiceCodeMessage"]

#: Times Tencent reads the code in one call: 1 to 3, 2 when not given (reference §4.10).
DEFAULT_PLAYTIMES = 2
MAX_PLAYTIMES = 3


@dataclass(frozen=True)
class VoiceCodeMessage:
    """One verification code to be read out by a phone call, already validated.

    ``code`` is digits only: both of Tencent's voice-code APIs take nothing else, and put
    "your verification code is" (您的验证码是) in front of it themselves.
    """

    phone: phonenumbers.PhoneNumber
    code: str
    playtimes: int = DEFAULT_PLAYTIMES
    ext: str = ""

    def __post_init__(self) -> None:
        if not (isinstance(self.code, str) and self.code.isascii() and self.code.isdigit()):
            raise ValueError("a voice code is digits only")
        playtimes = self.playtimes
        if isinstance(playtimes, bool) or not isinstance(playtimes, int):
            raise ValueError("playtimes must be an int from 1 to 3")
        if not 1 <= playtimes <= MAX_PLAYTIMES:
            raise ValueError(f"playtimes must be 1 to {MAX_PLAYTIMES}, not {playtimes}")

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
        # The code is a secret: never shown.
        return f"<VoiceCodeMessage to={self.e164} code=<hidden> playtimes={self.playtimes}>"

    __str__ = __repr__
