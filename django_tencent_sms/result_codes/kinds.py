"""The shape of a result-code entry: its category, who acts on it, and whether it is retryable."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Category", "CloudCode", "ResultCode", "gettext_noop"]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for ``makemessages`` only. Not Django's: the emulator imports these
    tables and must run without Django installed."""
    return message


class Category(str, enum.Enum):
    """What kind of failure a code is; ``user_facing`` on the entry says who can act on it."""

    #: The request's content was refused: the number (the person can give another), or the
    #: parameters, length or number list the site built (the operator's to fix).
    INPUT = "input"
    #: A per-number frequency limit: the person waits and asks again.
    RATE_LIMIT = "rate_limit"
    #: Signature, template, credentials, balance, permissions, or a limit on the whole account
    #: (daily totals, international caps, marketing hours): the site's operator must act.
    ACCOUNT = "account"
    #: A passing failure on Tencent's side before anything was sent; trying again later may work.
    TRANSIENT = "transient"
    #: Tencent answered that it failed mid-way (a timeout inside Tencent): the SMS may still go
    #: out. Logged ``unknown`` and never sent again automatically.
    UNKNOWN_OUTCOME = "unknown_outcome"
    #: A code these tables do not know.
    UNKNOWN = "unknown"


#: Categories whose code may succeed when the same request is sent again later, unchanged.
RETRYABLE = frozenset({Category.TRANSIENT, Category.RATE_LIMIT})


@dataclass(frozen=True)
class ResultCode:
    """A legacy (v5) ``result`` code and what it means.

    ``user_facing``: whether the person who typed the number can act on it (give another
    number, wait and ask again); otherwise only the operator can.
    """

    #: ``None`` for an error that carries no code at all.
    code: int | None
    meaning: str
    category: Category
    hint: str = ""
    user_facing: bool = False

    @property
    def retryable(self) -> bool:
        """Whether sending the same request again later could succeed unchanged."""
        return self.category in RETRYABLE

    @property
    def outcome_unknown(self) -> bool:
        """Whether the SMS may have gone out although Tencent answered with this code."""
        return self.category is Category.UNKNOWN_OUTCOME


@dataclass(frozen=True)
class CloudCode:
    """What an API 3.0 error code means; like ``ResultCode``, with the code's ``name``."""

    name: str
    #: The legacy ``result`` of the same meaning, or ``None`` when there is none.
    result: int | None
    meaning: str
    category: Category
    hint: str = ""
    user_facing: bool = False

    @property
    def retryable(self) -> bool:
        return self.category in RETRYABLE

    @property
    def outcome_unknown(self) -> bool:
        return self.category is Category.UNKNOWN_OUTCOME
