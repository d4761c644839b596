"""API 3.0 error codes that ``SendSms`` answers: those of the legacy table's meanings first (in
its order), then the ones with no legacy number.

Sources: the SDK's ``tencentcloud/sms/v20210111/errorcodes.py`` and Tencent's SendSms error-code
page, which lists them in the legacy table's order (see ``docs/tencent-api/error-codes.md``).
An entry without a meaning takes the legacy entry's meaning, hint and who-acts.
"""

from __future__ import annotations

from django_tencent_sms.result_codes.kinds import Category, CloudCode, gettext_noop
from django_tencent_sms.result_codes.legacy import APP_LIMIT_HINT, MAY_HAVE_GONE_HINT, lookup

__all__ = ["SEND_CODES", "cloud_entry"]

ACCOUNT = Category.ACCOUNT
INPUT = Category.INPUT
TRANSIENT = Category.TRANSIENT
UNKNOWN_OUTCOME = Category.UNKNOWN_OUTCOME


def cloud_entry(
    name: str,
    category: Category | None = None,
    meaning: str = "",
    hint: str = "",
    *,
    result: int | None = None,
    person: bool = False,
) -> tuple[str, CloudCode]:
    """``(name, CloudCode)``; with a ``result`` and no ``meaning``, the legacy entry's."""
    if result is not None and not meaning:
        legacy = lookup(result)
        return name, CloudCode(
            name, result, legacy.meaning, legacy.category, legacy.hint, legacy.user_facing
        )
    if category is None:
        raise ValueError(f"{name}: a category is needed without a legacy equivalent")
    return name, CloudCode(name, result, meaning, category, hint, person)


SEND_CODES: dict[str, CloudCode] = dict(
    [
        cloud_entry("InternalError.SigVerificationFail", result=1001),
        cloud_entry("FailedOperation.ContainSensitiveWord", result=1002),
        cloud_entry("InternalError.SigFieldMissing", result=1003),
        cloud_entry("FailedOperation.FailResolvePacket", result=1004),
        cloud_entry("UnauthorizedOperation.RequestPermissionDeny", result=1006),
        cloud_entry("InternalError.OtherError", result=1007),
        cloud_entry("InternalError.Timeout", result=1008),
        cloud_entry("UnauthorizedOperation.RequestIpNotInWhitelist", result=1009),
        cloud_entry("InternalError.RestApiInterfaceNotExist", result=1011),
        cloud_entry("FailedOperation.SignatureIncorrectOrUnapproved", result=1012),
        cloud_entry("LimitExceeded.DeliveryFrequencyLimit", result=1013),
        cloud_entry("FailedOperation.TemplateIncorrectOrUnapproved", result=1014),
        cloud_entry("FailedOperation.PhoneNumberInBlacklist", result=1015),
        cloud_entry("InvalidParameterValue.IncorrectPhoneNumber", result=1016),
        cloud_entry("InvalidParameterValue.ContentLengthLimit", result=1017),
        cloud_entry("InvalidParameterValue.SdkAppIdNotExist", result=1019),
        cloud_entry("UnauthorizedOperation.SdkAppIdIsDisabled", result=1020),
        cloud_entry("InternalError.RequestTimeException", result=1021),
        cloud_entry("LimitExceeded.AppDailyLimit", result=1022),
        cloud_entry("LimitExceeded.PhoneNumberThirtySecondLimit", result=1023),
        cloud_entry("LimitExceeded.PhoneNumberOneHourLimit", result=1024),
        cloud_entry("LimitExceeded.PhoneNumberDailyLimit", result=1025),
        cloud_entry("LimitExceeded.PhoneNumberSameContentDailyLimit", result=1026),
        cloud_entry("FailedOperation.MarketingSendTimeConstraint", result=1029),
        cloud_entry("FailedOperation.InsufficientBalanceInSmsPackage", result=1031),
        cloud_entry("UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny", result=1032),
        cloud_entry("UnauthorizedOperation.ServiceSuspendDueToArrears", result=1033),
        cloud_entry("UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber", result=1034),
        cloud_entry("InvalidParameterValue.TemplateParameterLengthLimit", result=1036),
        cloud_entry("UnsupportedOperation.UnsupportedRegion", result=1045),
        cloud_entry("LimitExceeded.PhoneNumberCountLimit", result=1046),
        cloud_entry("LimitExceeded.AppGlobalDailyLimit", result=1047),
        # Other names for legacy meanings.
        cloud_entry("FailedOperation.TemplateUnapprovedOrNotExist", result=1014),
        cloud_entry("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", result=1014),
        # No legacy number.
        cloud_entry(
            "InternalError.SendAndRecvFail",
            UNKNOWN_OUTCOME,
            gettext_noop("Sending or receiving timed out inside Tencent"),
            MAY_HAVE_GONE_HINT,
        ),
        cloud_entry(
            "InternalError.ParseBackendResponseFail",
            UNKNOWN_OUTCOME,
            gettext_noop("Tencent could not read the carrier's answer"),
            MAY_HAVE_GONE_HINT,
        ),
        cloud_entry(
            "InternalError.UnknownError",
            UNKNOWN_OUTCOME,
            gettext_noop("An unknown error inside Tencent"),
            MAY_HAVE_GONE_HINT,
        ),
        cloud_entry(
            "InternalError.JsonParseFail",
            ACCOUNT,
            gettext_noop("Tencent could not parse the request's parameters"),
        ),
        cloud_entry(
            "FailedOperation.JsonParseFail",
            ACCOUNT,
            gettext_noop("The request body could not be parsed"),
            gettext_noop("Invalid JSON, a wrong field name or a string/number mix-up."),
        ),
        cloud_entry(
            "FailedOperation.OtherError",
            ACCOUNT,
            gettext_noop("Other error, usually a parameter Tencent does not accept"),
        ),
        cloud_entry(
            "FailedOperation.ParametersOtherError",
            ACCOUNT,
            gettext_noop("Unknown error in the request's parameters"),
        ),
        cloud_entry(
            "FailedOperation.PhoneNumberParseFail",
            INPUT,
            gettext_noop("The phone number could not be parsed"),
            person=True,
        ),
        cloud_entry(
            "InvalidParameterValue.TemplateParameterFormatError",
            INPUT,
            gettext_noop("A verification template's parameter is not 0 to 6 digits"),
            gettext_noop("A verification-code template takes digits only, at most 6."),
        ),
        cloud_entry(
            "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
            INPUT,
            gettext_noop("A template parameter contains a URL"),
            gettext_noop("Links must be part of the approved template's text."),
        ),
        cloud_entry(
            "LimitExceeded.AppMainlandChinaDailyLimit",
            ACCOUNT,
            gettext_noop("The application's daily limit for mainland China was reached"),
            APP_LIMIT_HINT,
        ),
        cloud_entry(
            "LimitExceeded.AppCountryOrRegionDailyLimit",
            ACCOUNT,
            gettext_noop("The application's daily limit for this country or region was reached"),
            APP_LIMIT_HINT,
        ),
        cloud_entry(
            "LimitExceeded.AppCountryOrRegionInBlacklist",
            ACCOUNT,
            gettext_noop("The application does not send to this country or region"),
            gettext_noop("Allow it in the console's international sending limits."),
        ),
        cloud_entry(
            "LimitExceeded.DailyLimit",
            ACCOUNT,
            gettext_noop("The account's daily international limit was reached"),
            gettext_noop("A limit on the whole account: ask Tencent's support to raise it."),
        ),
        cloud_entry(
            "LimitExceeded.GlobalSmsSendingRateLimit",
            ACCOUNT,
            gettext_noop("The international sending rate limit was hit"),
            gettext_noop(
                "A limit on the whole account: send more slowly, or ask Tencent's support to "
                "raise it."
            ),
        ),
        cloud_entry(
            "MissingParameter.EmptyPhoneNumberSet",
            ACCOUNT,
            gettext_noop("The request has no phone number"),
        ),
        cloud_entry(
            "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
            ACCOUNT,
            gettext_noop("The SDK AppID does not belong to the API key's account"),
            gettext_noop("Check SDK_APP_ID against SECRET_ID."),
        ),
        cloud_entry(
            "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone",
            ACCOUNT,
            gettext_noop("A mainland China template cannot be sent to an international number"),
            gettext_noop("Numbers outside mainland China need an international template."),
        ),
        cloud_entry(
            "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone",
            ACCOUNT,
            gettext_noop("An international template cannot be sent to a mainland China number"),
            gettext_noop("Numbers in mainland China need a domestic template."),
        ),
        cloud_entry(
            "UnsupportedOperation.ContainDomesticPhoneNumber",
            INPUT,
            gettext_noop("This action takes international numbers only"),
        ),
        cloud_entry(
            "InvalidParameter.DirtyWordFound",
            ACCOUNT,
            gettext_noop("The content contains sensitive words"),
        ),
        cloud_entry(
            "InvalidParameter.AppidAndBizId",
            ACCOUNT,
            gettext_noop("The account and the SDK AppID do not match"),
            gettext_noop("Check SDK_APP_ID against SECRET_ID."),
        ),
        cloud_entry(
            "InvalidParameter.InvalidParameters",
            ACCOUNT,
            gettext_noop("A parameter is not valid"),
        ),
        cloud_entry(
            "InvalidParameterValue.MultiSmsInfoSetEmpty",
            ACCOUNT,
            gettext_noop("The request has no message"),
        ),
    ]
)
