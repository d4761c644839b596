"""API 3.0 error codes by name: the tables, their legacy equivalents, and the lookup.

A name in no table is categorised by its first part (``InternalError.*`` may have gone out,
``LimitExceeded.PhoneNumber*`` is the person's to wait for, …), else it is UNKNOWN.
"""

from __future__ import annotations

from django_tencent_sms.result_codes.cloud_other import COMMON_CODES, MANAGEMENT_CODES
from django_tencent_sms.result_codes.cloud_send import SEND_CODES
from django_tencent_sms.result_codes.cloud_voice import VOICE_CODES
from django_tencent_sms.result_codes.kinds import Category, CloudCode

__all__ = ["CLOUD_CODES", "CLOUD_EQUIVALENTS", "cloud_lookup"]

#: Every API 3.0 error code the app knows, SendSms's first.
CLOUD_CODES: dict[str, CloudCode] = {
    **SEND_CODES,
    **COMMON_CODES,
    **MANAGEMENT_CODES,
    **VOICE_CODES,
}

#: API 3.0 error-code names and the legacy ``result`` of the same meaning (reference §8.3 and
#: Tencent's SendSms error-code page). A refusal with one of these names lands on the log with
#: the legacy number as its ``result``.
CLOUD_EQUIVALENTS: dict[str, int] = {
    name: code.result for name, code in CLOUD_CODES.items() if code.result is not None
}

# For names in no table: the category by the code's first part.
_PREFIX_CATEGORIES: dict[str, Category] = {
    "AuthFailure": Category.ACCOUNT,
    "UnauthorizedOperation": Category.ACCOUNT,
    "FailedOperation": Category.ACCOUNT,
    "UnsupportedOperation": Category.ACCOUNT,
    "InvalidParameter": Category.ACCOUNT,
    "MissingParameter": Category.ACCOUNT,
    "UnknownParameter": Category.ACCOUNT,
    "InvalidAction": Category.ACCOUNT,
    "NoSuchVersion": Category.ACCOUNT,
    "UnsupportedRegion": Category.ACCOUNT,
    "UnsupportedProtocol": Category.ACCOUNT,
    "InvalidParameterValue": Category.INPUT,
    # A limit on the whole account, unless it names the phone number (below).
    "LimitExceeded": Category.ACCOUNT,
    "RequestLimitExceeded": Category.TRANSIENT,
    # Tencent failed mid-way: the SMS may have gone out.
    "InternalError": Category.UNKNOWN_OUTCOME,
}

_GENERIC_MEANINGS = {
    Category.ACCOUNT: "Tencent Cloud refused the request",
    Category.INPUT: "Tencent Cloud refused a parameter's value",
    Category.RATE_LIMIT: "A per-number limit was hit",
    Category.TRANSIENT: "Tencent Cloud is busy",
    Category.UNKNOWN_OUTCOME: "An internal error at Tencent Cloud",
    Category.UNKNOWN: "A Tencent Cloud error code this version does not know",
}


def cloud_lookup(name: str) -> CloudCode:
    """What the API 3.0 error code ``name`` (``"LimitExceeded.PhoneNumberDailyLimit"``) means."""
    known = CLOUD_CODES.get(name)
    if known is not None:
        return known
    if name.startswith("LimitExceeded.PhoneNumber"):
        return CloudCode(
            name, None, _GENERIC_MEANINGS[Category.RATE_LIMIT], Category.RATE_LIMIT, "", True
        )
    category = _PREFIX_CATEGORIES.get(name.split(".", 1)[0], Category.UNKNOWN)
    return CloudCode(name, None, _GENERIC_MEANINGS[category], category)
