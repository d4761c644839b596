"""Tencent SMS result codes as data: what each means and who has to act on it.

Tencent's ``errmsg`` wording is not stable, so behaviour hangs on the numeric ``result`` only.
Meanings and hints are English here (exceptions and log lines stay English) and marked for
translation; the admin shows them with ``gettext``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


def gettext_noop(message: str) -> str:
    """Mark ``message`` for ``makemessages`` only. Not Django's: the emulator imports this table
    and must run without Django installed."""
    return message


__all__ = [
    "CLOUD_EQUIVALENTS",
    "RESULT_CODES",
    "Category",
    "CloudCode",
    "ResultCode",
    "cloud_lookup",
    "lookup",
]


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
    #: ``None`` for an error that carries no code at all.
    code: int | None
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
            gettext_noop("Request signature (sig) check failed"),
            gettext_noop(
                "Check SDK_APP_ID and APP_KEY; a trailing space copied from the console is the "
                "usual cause."
            ),
        ),
        (1003, gettext_noop("The sig field is missing or empty")),
        (
            1004,
            gettext_noop("The request body could not be parsed"),
            gettext_noop("Invalid JSON, a wrong field name or a string/number mix-up."),
        ),
        (
            1006,
            gettext_noop("No permission for this operation"),
            gettext_noop("For example the extension code is not enabled."),
        ),
        (
            1009,
            gettext_noop("The client IP is not in the allow-list"),
            gettext_noop("Add the server's IP in the console."),
        ),
        (1011, gettext_noop("No such REST API"), gettext_noop("Check API_URL.")),
        (
            1012,
            gettext_noop("The SMS signature is malformed or not approved"),
            gettext_noop(
                "Signatures are 2 to 12 characters (Chinese, letters, digits) and must be approved."
            ),
        ),
        (
            1014,
            gettext_noop("The template is not approved or the content does not match it"),
            gettext_noop(
                "Check tpl_id, the number of parameters, and the template's approval status."
            ),
        ),
        (1019, gettext_noop("The SDK AppID does not exist"), gettext_noop("Check SDK_APP_ID.")),
        (1020, gettext_noop("The SDK AppID is disabled")),
        (
            1021,
            gettext_noop("The request time is more than 10 minutes away from Tencent's clock"),
            gettext_noop("Synchronise the server clock (NTP)."),
        ),
        (1030, gettext_noop("The request is not supported")),
        (
            1031,
            gettext_noop("The SMS package balance is insufficient"),
            gettext_noop("Buy an SMS package (or top up) in Tencent's console."),
        ),
        (1032, gettext_noop("Individual accounts may not send marketing SMS")),
        (
            1033,
            gettext_noop("The service is suspended for arrears"),
            gettext_noop("Top up the account."),
        ),
        (1045, gettext_noop("The region is not supported")),
    ),
    **_codes(
        Category.INPUT,
        (1002, gettext_noop("The content contains sensitive words")),
        (
            1015,
            gettext_noop(
                "The number is blacklisted (the user unsubscribed, or a carrier blacklist)"
            ),
        ),
        (1016, gettext_noop("The phone number is malformed")),
        (1017, gettext_noop("The content is too long")),
        (1018, gettext_noop("The voice code is malformed")),
        (
            1034,
            gettext_noop("One bulk request mixes domestic and international numbers"),
            gettext_noop("Send domestic and international numbers in separate requests."),
        ),
        (1036, gettext_noop("A template parameter is longer than 12 characters")),
        (1046, gettext_noop("More than 200 numbers in one bulk request")),
    ),
    **_codes(
        Category.RATE_LIMIT,
        (1013, gettext_noop("A frequency-limit policy was hit")),
        (
            1022,
            gettext_noop("The application's daily total was exceeded"),
            gettext_noop("Adjustable in the console."),
        ),
        (
            1023,
            gettext_noop("Per-number 30-second limit exceeded"),
            gettext_noop("Adjustable in the console."),
        ),
        (
            1024,
            gettext_noop("Per-number one-hour limit exceeded"),
            gettext_noop("Adjustable in the console."),
        ),
        (
            1025,
            gettext_noop("Per-number daily limit exceeded"),
            gettext_noop("Adjustable in the console."),
        ),
        (
            1026,
            gettext_noop("Per-number same-content limit exceeded"),
            gettext_noop("Adjustable in the console."),
        ),
        (1029, gettext_noop("Marketing SMS may only be sent between 08:00 and 22:00")),
        (1047, gettext_noop("The international daily limit was reached")),
    ),
    **_codes(
        Category.TRANSIENT,
        (1007, gettext_noop("Other error on Tencent's side")),
        (
            1008,
            gettext_noop("Delivery timed out on Tencent's side"),
            gettext_noop("Rare; a later attempt may work."),
        ),
        (
            60008,
            gettext_noop("Processing timed out"),
            gettext_noop(
                "If it comes back within a second the request is malformed; otherwise check DNS."
            ),
        ),
    ),
}


def lookup(code: int | None) -> ResultCode:
    """The table's entry for ``code``, or an UNKNOWN entry for a code it does not list (or for
    ``None``: no code at all)."""
    known = RESULT_CODES.get(code) if code is not None else None
    return known or ResultCode(code, f"Unknown Tencent result code {code}", Category.UNKNOWN)


# --- API 3.0 error-code names ---------------------------------------------------------------

#: API 3.0 error-code names and the legacy ``result`` of the same meaning: reference §8.3 (a
#: mapping by meaning, not an official cross-walk), plus a few more by the same reasoning. A
#: refusal with one of these names lands on the log with the legacy number as its ``result``.
CLOUD_EQUIVALENTS: dict[str, int] = {
    # Reference §8.3.
    "InternalError.SigVerificationFail": 1001,
    "FailedOperation.ContainSensitiveWord": 1002,
    "InternalError.SigFieldMissing": 1003,
    "FailedOperation.FailResolvePacket": 1004,
    "InternalError.Timeout": 1008,
    "UnauthorizedOperation.RequestIpNotInWhitelist": 1009,
    "InternalError.RestApiInterfaceNotExist": 1011,
    "FailedOperation.SignatureIncorrectOrUnapproved": 1012,
    "LimitExceeded.DeliveryFrequencyLimit": 1013,
    "FailedOperation.TemplateIncorrectOrUnapproved": 1014,
    "FailedOperation.PhoneNumberInBlacklist": 1015,
    "InvalidParameterValue.IncorrectPhoneNumber": 1016,
    "InvalidParameterValue.ContentLengthLimit": 1017,
    "UnauthorizedOperation.SdkAppIdIsDisabled": 1020,
    "InternalError.RequestTimeException": 1021,
    "LimitExceeded.AppDailyLimit": 1022,
    "LimitExceeded.PhoneNumberThirtySecondLimit": 1023,
    "LimitExceeded.PhoneNumberOneHourLimit": 1024,
    "LimitExceeded.PhoneNumberDailyLimit": 1025,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": 1026,
    "FailedOperation.MarketingSendTimeConstraint": 1029,
    "FailedOperation.InsufficientBalanceInSmsPackage": 1031,
    "UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny": 1032,
    "UnauthorizedOperation.ServiceSuspendDueToArrears": 1033,
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber": 1034,
    "InvalidParameterValue.TemplateParameterLengthLimit": 1036,
    "LimitExceeded.PhoneNumberCountLimit": 1046,
    # The same meanings under other API 3.0 names: the common authentication codes that take
    # the place of 1001 and 1021, and SendSms codes for an unknown app, template or signature.
    "AuthFailure.SignatureFailure": 1001,
    "AuthFailure.SignatureExpire": 1021,
    "InvalidParameterValue.SdkAppIdNotExist": 1019,
    "FailedOperation.TemplateUnapprovedOrNotExist": 1014,
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": 1014,
    "FailedOperation.MissingSignature": 1012,
    "UnsupportedOperation.UnsupportedRegion": 1045,
    "FailedOperation.OtherError": 1007,
    "InternalError.OtherError": 1007,
    # The application's international daily cap (a console setting; 100 for a new account).
    "LimitExceeded.AppGlobalDailyLimit": 1047,
}


@dataclass(frozen=True)
class CloudCode:
    """What an API 3.0 error code means; like ``ResultCode``, with the code's ``name``."""

    name: str
    #: The legacy ``result`` of the same meaning, or ``None`` when there is none.
    result: int | None
    meaning: str
    category: Category
    hint: str = ""

    @property
    def retryable(self) -> bool:
        return self.category in (Category.TRANSIENT, Category.RATE_LIMIT)


# Codes whose API 3.0 wording or advice differs from the legacy entry, and codes with no legacy
# equivalent that SendSms is known to answer. Plain English: not in the translation catalogue.
_CLOUD_TEXTS: dict[str, tuple[Category, str, str]] = {
    "AuthFailure.SignatureFailure": (
        Category.ACCOUNT,
        "The request signature (TC3-HMAC-SHA256) check failed",
        "Check SECRET_ID and SECRET_KEY; a space copied from the console is the usual cause.",
    ),
    "AuthFailure.SignatureExpire": (
        Category.ACCOUNT,
        "The request time is more than 5 minutes away from Tencent's clock",
        "Synchronise the server clock (NTP).",
    ),
    "AuthFailure.SecretIdNotFound": (
        Category.ACCOUNT,
        "The SecretId does not exist or is disabled",
        "Check SECRET_ID in Tencent Cloud's API key console (CAM).",
    ),
    "AuthFailure.InvalidSecretId": (
        Category.ACCOUNT,
        "The SecretId is not a Tencent Cloud API key",
        "Check SECRET_ID.",
    ),
    "AuthFailure.InvalidAuthorization": (
        Category.ACCOUNT,
        "The Authorization header is malformed",
        "",
    ),
    "AuthFailure.UnauthorizedOperation": (
        Category.ACCOUNT,
        "The API key may not call SendSms",
        "Grant the key's (sub-)account SMS permissions in CAM.",
    ),
    "InvalidParameterValue.TemplateParameterFormatError": (
        Category.INPUT,
        "A verification template's parameter is not 0 to 6 digits",
        "",
    ),
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": (
        Category.INPUT,
        "A template parameter contains a URL",
        "",
    ),
    "FailedOperation.PhoneNumberParseFail": (
        Category.INPUT,
        "The phone number could not be parsed",
        "",
    ),
    "MissingParameter.EmptyPhoneNumberSet": (
        Category.ACCOUNT,
        "The request has no phone number",
        "",
    ),
}

# Voice messages (VMS 2020-09-02 SendCodeVoice, tencentcloud-sdk-python-vms errorcodes.py): the
# codes whose category the first part of the name gets wrong, or that need advice.
_VOICE_APP = "Check TENCENT_SMS['VOICE_SDK_APP_ID'] (the voice console's application, not SMS's)."
_CLOUD_TEXTS.update(
    {
        "UnauthorizedOperation.VoiceSdkAppidVerifyFail": (
            Category.ACCOUNT, "The VoiceSdkAppid was refused", _VOICE_APP
        ),
        "InvalidParameterValue.SdkAppidNotExist": (
            Category.ACCOUNT, "The voice SDK AppID does not exist", _VOICE_APP
        ),
        "FailedOperation.InsufficientBalanceInVoicePackage": (
            Category.ACCOUNT, "The voice package balance is insufficient", ""
        ),
        "InvalidParameterValue.CalledNumberVerifyFail": (
            Category.INPUT, "The called number is not a mainland China mobile number", ""
        ),
        "FailedOperation.AccessUpstreamTimeout": (
            Category.TRANSIENT, "An upstream service of Tencent's timed out", ""
        ),
    }
)  # fmt: skip

# For names in neither table: the category by the code's first part.
_CLOUD_PREFIX_CATEGORIES: dict[str, Category] = {
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
    "LimitExceeded": Category.RATE_LIMIT,
    "RequestLimitExceeded": Category.RATE_LIMIT,
    "InternalError": Category.TRANSIENT,
}


_CLOUD_GENERIC_MEANINGS = {
    Category.ACCOUNT: "Tencent Cloud refused the request",
    Category.INPUT: "Tencent Cloud refused a parameter's value",
    Category.RATE_LIMIT: "A Tencent Cloud limit was hit",
    Category.TRANSIENT: "An internal error at Tencent Cloud",
    Category.UNKNOWN: "A Tencent Cloud error code this version does not know",
}


def cloud_lookup(name: str) -> CloudCode:
    """What the API 3.0 error code ``name`` (``"LimitExceeded.PhoneNumberDailyLimit"``) means.

    A name with a legacy equivalent shares its category (and, unless API 3.0 needs other
    advice, its meaning and hint); other names are categorised by their first part
    (``LimitExceeded.*`` is a rate limit, ``InternalError.*`` transient, …), else UNKNOWN.
    """
    result = CLOUD_EQUIVALENTS.get(name)
    if name in _CLOUD_TEXTS:
        category, meaning, hint = _CLOUD_TEXTS[name]
        return CloudCode(name, result, meaning, category, hint)
    if result is not None:
        info = lookup(result)
        return CloudCode(name, result, info.meaning, info.category, info.hint)
    category = _CLOUD_PREFIX_CATEGORIES.get(name.split(".", 1)[0], Category.UNKNOWN)
    return CloudCode(name, None, _CLOUD_GENERIC_MEANINGS[category], category)
