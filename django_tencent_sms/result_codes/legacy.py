"""The legacy (v5) API's numeric ``result`` codes: meaning, category, who acts, hint.

Sources: Tencent's error-code page for the legacy API and reference §6.1 (see
``docs/tencent-api/error-codes.md``). Meanings and hints are English and marked for translation.
"""

from __future__ import annotations

from django_tencent_sms.result_codes.kinds import Category, ResultCode, gettext_noop

__all__ = ["RESULT_CODES", "lookup"]

ACCOUNT = Category.ACCOUNT
INPUT = Category.INPUT
RATE_LIMIT = Category.RATE_LIMIT
TRANSIENT = Category.TRANSIENT
UNKNOWN_OUTCOME = Category.UNKNOWN_OUTCOME

#: Said of a limit on the whole application: the person cannot do anything about it.
APP_LIMIT_HINT = gettext_noop(
    "A limit on the whole application, not on this number: raise it in the console (application "
    "settings, basic configuration) or wait until the next day."
)
#: Said of a per-number limit.
NUMBER_LIMIT_HINT = gettext_noop(
    "The person can ask again later; the limits are set in the console's frequency policy."
)
#: Said of a timeout inside Tencent.
MAY_HAVE_GONE_HINT = gettext_noop(
    "The SMS may still be delivered: it is logged unknown and not sent again automatically."
)


def _row(
    code: int, category: Category, meaning: str, hint: str = "", *, person: bool = False
) -> tuple[int, ResultCode]:
    return code, ResultCode(code, meaning, category, hint, user_facing=person)


RESULT_CODES: dict[int, ResultCode] = dict(
    [
        _row(
            1001,
            ACCOUNT,
            gettext_noop("Request signature (sig) check failed"),
            gettext_noop(
                "Check SDK_APP_ID and APP_KEY; a trailing space copied from the console is the "
                "usual cause."
            ),
        ),
        _row(
            1002,
            ACCOUNT,
            gettext_noop("The content contains sensitive words"),
            gettext_noop(
                "The template's text or a parameter holds a refused word (Tencent's errmsg names "
                "it): change the template or the parameter, or ask Tencent's support."
            ),
        ),
        _row(1003, ACCOUNT, gettext_noop("The sig field is missing or empty")),
        _row(
            1004,
            ACCOUNT,
            gettext_noop("The request body could not be parsed"),
            gettext_noop("Invalid JSON, a wrong field name or a string/number mix-up."),
        ),
        _row(
            1006,
            ACCOUNT,
            gettext_noop("No permission for this operation"),
            gettext_noop("For example the extension code is not enabled."),
        ),
        _row(1007, TRANSIENT, gettext_noop("Other error on Tencent's side")),
        _row(
            1008,
            UNKNOWN_OUTCOME,
            gettext_noop("Delivery timed out on Tencent's side"),
            MAY_HAVE_GONE_HINT,
        ),
        _row(
            1009,
            ACCOUNT,
            gettext_noop("The client IP is not in the allow-list"),
            gettext_noop("Add the server's IP in the console."),
        ),
        _row(1011, ACCOUNT, gettext_noop("No such REST API"), gettext_noop("Check API_URL.")),
        _row(
            1012,
            ACCOUNT,
            gettext_noop("The SMS signature is malformed or not approved"),
            gettext_noop(
                "Signatures are 2 to 12 characters (Chinese, letters, digits) and must be approved."
            ),
        ),
        _row(
            1013,
            RATE_LIMIT,
            gettext_noop("A frequency-limit policy was hit"),
            NUMBER_LIMIT_HINT,
            person=True,
        ),
        _row(
            1014,
            ACCOUNT,
            gettext_noop("The template is not approved or the content does not match it"),
            gettext_noop(
                "Check tpl_id, the number of parameters, and the template's approval status."
            ),
        ),
        _row(
            1015,
            INPUT,
            gettext_noop(
                "The number is blacklisted (the user unsubscribed, or a carrier blacklist)"
            ),
            person=True,
        ),
        _row(1016, INPUT, gettext_noop("The phone number is malformed"), person=True),
        _row(
            1017,
            INPUT,
            gettext_noop("The content is too long"),
            gettext_noop("The template's text, its parameters and the signature are too long."),
        ),
        _row(1018, INPUT, gettext_noop("The voice code is malformed")),
        _row(
            1019,
            ACCOUNT,
            gettext_noop("The SDK AppID does not exist"),
            gettext_noop("Check SDK_APP_ID."),
        ),
        _row(1020, ACCOUNT, gettext_noop("The SDK AppID is disabled")),
        _row(
            1021,
            ACCOUNT,
            gettext_noop("The request time is more than 10 minutes away from Tencent's clock"),
            gettext_noop("Synchronise the server clock (NTP)."),
        ),
        _row(
            1022,
            ACCOUNT,
            gettext_noop("The application's daily total was exceeded"),
            APP_LIMIT_HINT,
        ),
        _row(
            1023,
            RATE_LIMIT,
            gettext_noop("Per-number 30-second limit exceeded"),
            NUMBER_LIMIT_HINT,
            person=True,
        ),
        _row(
            1024,
            RATE_LIMIT,
            gettext_noop("Per-number one-hour limit exceeded"),
            NUMBER_LIMIT_HINT,
            person=True,
        ),
        _row(
            1025,
            RATE_LIMIT,
            gettext_noop("Per-number daily limit exceeded"),
            NUMBER_LIMIT_HINT,
            person=True,
        ),
        _row(
            1026,
            RATE_LIMIT,
            gettext_noop("Per-number same-content limit exceeded"),
            NUMBER_LIMIT_HINT,
            person=True,
        ),
        _row(
            1029,
            ACCOUNT,
            gettext_noop("Marketing SMS may only be sent between 08:00 and 22:00"),
            gettext_noop("Schedule marketing sends between 08:00 and 22:00 (Beijing time)."),
        ),
        _row(1030, ACCOUNT, gettext_noop("The request is not supported")),
        _row(
            1031,
            ACCOUNT,
            gettext_noop("The SMS package balance is insufficient"),
            gettext_noop("Buy an SMS package (or top up) in Tencent's console."),
        ),
        _row(1032, ACCOUNT, gettext_noop("Individual accounts may not send marketing SMS")),
        _row(
            1033,
            ACCOUNT,
            gettext_noop("The service is suspended for arrears"),
            gettext_noop("Top up the account."),
        ),
        _row(
            1034,
            INPUT,
            gettext_noop("One bulk request mixes domestic and international numbers"),
            gettext_noop("Send domestic and international numbers in separate requests."),
        ),
        _row(
            1036,
            INPUT,
            gettext_noop("A template parameter is longer than the account allows"),
            gettext_noop(
                "12 characters for older accounts, 6 for accounts opened since 25 January 2024 "
                "(the console shows the account's limit): set TENCENT_SMS['MAX_PARAM_LENGTH']."
            ),
        ),
        _row(
            1045,
            INPUT,
            gettext_noop("The region is not supported"),
            gettext_noop("Tencent does not deliver SMS to this number's country or region."),
            person=True,
        ),
        _row(1046, INPUT, gettext_noop("More than 200 numbers in one bulk request")),
        _row(
            1047,
            ACCOUNT,
            gettext_noop("The international daily limit was reached"),
            APP_LIMIT_HINT,
        ),
        _row(
            60008,
            UNKNOWN_OUTCOME,
            gettext_noop("Processing timed out"),
            gettext_noop(
                "The SMS may still be delivered. Quick and often: the request is malformed; "
                "slow: check DNS and keep connections alive."
            ),
        ),
    ]
)


def lookup(code: int | None) -> ResultCode:
    """The table's entry for ``code``, or an UNKNOWN entry for a code it does not list (or for
    ``None``: no code at all)."""
    known = RESULT_CODES.get(code) if code is not None else None
    return known or ResultCode(code, f"Unknown Tencent result code {code}", Category.UNKNOWN)
