"""Tencent SMS result codes as data: what each means and who has to act on it.

Tencent's ``errmsg`` wording is not stable, so behaviour hangs on the numeric ``result`` only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["RESULT_CODES", "Category", "ResultCode", "lookup"]


class Category(str, enum.Enum):
    """Who can fix a failure."""

    #: The recipient or the content the caller passed: show it to the person who typed it.
    INPUT = "input"
    #: Tencent refused because a frequency or volume limit was hit: tell the person to wait.
    RATE_LIMIT = "rate_limit"
    #: Signature, template, credentials, balance, permissions: the site's operator must act.
    ACCOUNT = "account"
    #: A passing failure on Tencent's side; trying again later may work.
    TRANSIENT = "transient"
    #: A code this table does not know.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ResultCode:
    code: int
    meaning: str
    category: Category
    hint: str = ""

    @property
    def retryable(self) -> bool:
        """Whether sending the same request again later could succeed unchanged."""
        return self.category in (Category.TRANSIENT, Category.RATE_LIMIT)


def _codes(category: Category, *rows: tuple) -> dict[int, ResultCode]:
    return {row[0]: ResultCode(row[0], row[1], category, *row[2:]) for row in rows}


RESULT_CODES: dict[int, ResultCode] = {
    **_codes(
        Category.ACCOUNT,
        (
            1001,
            "Signature (sig) check failed",
            "Check SDK_APP_ID and APP_KEY; a trailing space copied from the console is the usual "
            "cause.",
        ),
        (1003, "The sig field is missing or empty"),
        (
            1004,
            "The request body could not be parsed",
            "Invalid JSON, a wrong field name or a string/number mix-up.",
        ),
        (
            1006,
            "No permission for this operation",
            "For example the extension code is not enabled.",
        ),
        (1009, "The client IP is not in the allow-list", "Add the server's IP in the console."),
        (1011, "No such REST API", "Check API_URL."),
        (
            1012,
            "The SMS signature is malformed or not approved",
            "Signatures are 2 to 12 characters (Chinese, letters, digits) and must be approved.",
        ),
        (
            1014,
            "The template is not approved or the content does not match it",
            "Check tpl_id, the number of parameters, and the template's approval status.",
        ),
        (1019, "The SDK AppID does not exist", "Check SDK_APP_ID."),
        (1020, "The SDK AppID is disabled"),
        (
            1021,
            "The request time is more than 10 minutes away from Tencent's clock",
            "Synchronise the server clock (NTP).",
        ),
        (1030, "The request is not supported"),
        (1031, "The SMS package balance is insufficient", "Top up the account."),
        (1032, "Individual accounts may not send marketing SMS"),
        (1033, "The service is suspended for arrears", "Top up the account."),
        (1045, "The region is not supported"),
    ),
    **_codes(
        Category.INPUT,
        (1002, "The content contains sensitive words"),
        (1015, "The number is blacklisted (the user unsubscribed, or a carrier blacklist)"),
        (1016, "The phone number is malformed"),
        (1017, "The content is too long"),
        (1018, "The voice code is malformed"),
        (
            1034,
            "One bulk request mixes domestic and international numbers",
            "Send domestic and international numbers in separate requests.",
        ),
        (1036, "A template parameter is longer than 12 characters"),
        (1046, "More than 200 numbers in one bulk request"),
    ),
    **_codes(
        Category.RATE_LIMIT,
        (1013, "A frequency-limit policy was hit"),
        (1022, "The application's daily total was exceeded", "Adjustable in the console."),
        (1023, "Per-number 30-second limit exceeded", "Adjustable in the console."),
        (1024, "Per-number one-hour limit exceeded", "Adjustable in the console."),
        (1025, "Per-number daily limit exceeded", "Adjustable in the console."),
        (1026, "Per-number same-content limit exceeded", "Adjustable in the console."),
        (1029, "Marketing SMS may only be sent between 08:00 and 22:00"),
        (1047, "The international daily limit was reached"),
    ),
    **_codes(
        Category.TRANSIENT,
        (1007, "Other error on Tencent's side"),
        (1008, "Delivery timed out on Tencent's side", "Rare; a later attempt may work."),
        (
            60008,
            "Processing timed out",
            "If it comes back within a second the request is malformed; otherwise check DNS.",
        ),
    ),
}


def lookup(code: int) -> ResultCode:
    """The table's entry for ``code``, or an UNKNOWN entry for a code it does not list."""
    try:
        return RESULT_CODES[code]
    except KeyError:
        return ResultCode(code, f"Unknown Tencent result code {code}", Category.UNKNOWN)
