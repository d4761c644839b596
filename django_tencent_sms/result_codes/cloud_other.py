"""API 3.0 error codes of every Tencent Cloud API (the common codes), and the SMS codes of the
template, signature and statistics actions.

Sources: Tencent's common error-code list on the SMS error-code page, and the SDK's
``errorcodes.py`` (see ``docs/tencent-api/error-codes.md``).
"""

from __future__ import annotations

from django_tencent_sms.result_codes.cloud_send import cloud_entry
from django_tencent_sms.result_codes.kinds import Category, CloudCode, gettext_noop

__all__ = ["COMMON_CODES", "MANAGEMENT_CODES"]

ACCOUNT = Category.ACCOUNT
INPUT = Category.INPUT
TRANSIENT = Category.TRANSIENT
UNKNOWN_OUTCOME = Category.UNKNOWN_OUTCOME

_KEYS = gettext_noop("Check SECRET_ID and SECRET_KEY in Tencent Cloud's API key console (CAM).")
_SLOWER = gettext_noop("Too many API calls: a later attempt may work.")

COMMON_CODES: dict[str, CloudCode] = dict(
    [
        cloud_entry(
            "AuthFailure.SignatureFailure",
            ACCOUNT,
            gettext_noop("The request signature (TC3-HMAC-SHA256) check failed"),
            gettext_noop(
                "Check SECRET_ID and SECRET_KEY; a space copied from the console is the usual "
                "cause."
            ),
            result=1001,
        ),
        cloud_entry(
            "AuthFailure.SignatureExpire",
            ACCOUNT,
            gettext_noop("The request time is more than 5 minutes away from Tencent's clock"),
            gettext_noop("Synchronise the server clock (NTP)."),
            result=1021,
        ),
        cloud_entry(
            "AuthFailure.SecretIdNotFound",
            ACCOUNT,
            gettext_noop("The SecretId does not exist or is disabled"),
            _KEYS,
        ),
        cloud_entry(
            "AuthFailure.InvalidSecretId",
            ACCOUNT,
            gettext_noop("The SecretId is not a Tencent Cloud API key"),
            _KEYS,
        ),
        cloud_entry(
            "AuthFailure.InvalidAuthorization",
            ACCOUNT,
            gettext_noop("The Authorization header is malformed"),
        ),
        cloud_entry(
            "AuthFailure.UnauthorizedOperation",
            ACCOUNT,
            gettext_noop("The API key may not call this action"),
            gettext_noop("Grant the key's (sub-)account SMS permissions in CAM."),
        ),
        cloud_entry("AuthFailure.MFAFailure", ACCOUNT, gettext_noop("The MFA check failed")),
        cloud_entry(
            "AuthFailure.TokenFailure",
            ACCOUNT,
            gettext_noop("The temporary credentials' token is not valid"),
        ),
        cloud_entry("ActionOffline", ACCOUNT, gettext_noop("The API action was retired")),
        cloud_entry(
            "DryRunOperation",
            ACCOUNT,
            gettext_noop("A dry run: the request would have succeeded, nothing was done"),
        ),
        cloud_entry("FailedOperation", ACCOUNT, gettext_noop("The operation failed")),
        cloud_entry(
            "InternalError",
            UNKNOWN_OUTCOME,
            gettext_noop("An internal error at Tencent Cloud"),
            gettext_noop(
                "The SMS may still be delivered: it is logged unknown and not sent again "
                "automatically."
            ),
        ),
        cloud_entry("InvalidAction", ACCOUNT, gettext_noop("No such API action")),
        cloud_entry(
            "InvalidParameter",
            ACCOUNT,
            gettext_noop("A parameter's format or type is wrong"),
        ),
        cloud_entry(
            "InvalidParameterValue",
            INPUT,
            gettext_noop("A parameter's value is not accepted"),
        ),
        cloud_entry(
            "InvalidRequest",
            ACCOUNT,
            gettext_noop("The request body's multipart format is wrong"),
        ),
        cloud_entry("IpInBlacklist", ACCOUNT, gettext_noop("The client IP is blacklisted")),
        cloud_entry(
            "IpNotInWhitelist",
            ACCOUNT,
            gettext_noop("The client IP is not in the allow-list"),
            gettext_noop("Add the server's IP in the console."),
        ),
        cloud_entry("LimitExceeded", ACCOUNT, gettext_noop("A quota was exceeded")),
        cloud_entry(
            "MissingParameter",
            ACCOUNT,
            gettext_noop("A required parameter is missing"),
        ),
        cloud_entry("NoSuchProduct", ACCOUNT, gettext_noop("No such product")),
        cloud_entry("NoSuchVersion", ACCOUNT, gettext_noop("No such API version")),
        cloud_entry(
            "RequestLimitExceeded",
            TRANSIENT,
            gettext_noop("The API's request-rate limit was hit"),
            _SLOWER,
        ),
        cloud_entry(
            "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
            TRANSIENT,
            gettext_noop("The main account's request-rate limit was hit"),
            _SLOWER,
        ),
        cloud_entry(
            "RequestLimitExceeded.IPLimitExceeded",
            TRANSIENT,
            gettext_noop("The client IP's request-rate limit was hit"),
            _SLOWER,
        ),
        cloud_entry(
            "RequestLimitExceeded.UinLimitExceeded",
            TRANSIENT,
            gettext_noop("The account's request-rate limit was hit"),
            _SLOWER,
        ),
        cloud_entry("RequestSizeLimitExceeded", ACCOUNT, gettext_noop("The request is too large")),
        cloud_entry("ResourceInUse", ACCOUNT, gettext_noop("The resource is in use")),
        cloud_entry("ResourceInsufficient", ACCOUNT, gettext_noop("Resources are insufficient")),
        cloud_entry("ResourceNotFound", ACCOUNT, gettext_noop("The resource does not exist")),
        cloud_entry("ResourceUnavailable", ACCOUNT, gettext_noop("The resource is unavailable")),
        cloud_entry(
            "ResponseSizeLimitExceeded",
            ACCOUNT,
            gettext_noop("The answer would be too large"),
        ),
        cloud_entry(
            "ServiceUnavailable",
            TRANSIENT,
            gettext_noop("The service is unavailable for now"),
        ),
        cloud_entry("UnauthorizedOperation", ACCOUNT, gettext_noop("The operation is not allowed")),
        cloud_entry("UnknownParameter", ACCOUNT, gettext_noop("An unknown parameter was sent")),
        cloud_entry(
            "UnsupportedOperation", ACCOUNT, gettext_noop("The operation is not supported")
        ),
        cloud_entry(
            "UnsupportedProtocol",
            ACCOUNT,
            gettext_noop("The protocol is not supported"),
            gettext_noop("Use HTTPS."),
        ),
        cloud_entry(
            "UnsupportedRegion",
            ACCOUNT,
            gettext_noop("The API is not offered in the requested region"),
            gettext_noop("Check REGION."),
        ),
    ]
)

_TPL = gettext_noop("A template or signature management call, not a send.")

MANAGEMENT_CODES: dict[str, CloudCode] = dict(
    [
        cloud_entry(name, ACCOUNT, meaning, _TPL)
        for name, meaning in (
            (
                "FailedOperation.ForbidAddMarketingTemplates",
                gettext_noop("Individual accounts may not apply for marketing templates"),
            ),
            (
                "FailedOperation.MissingSignature",
                gettext_noop("A template needs an approved signature first"),
            ),
            (
                "FailedOperation.MissingSignatureList",
                gettext_noop("No approved signature was found"),
            ),
            (
                "FailedOperation.MissingSignatureToModify",
                gettext_noop("The signature to modify does not exist"),
            ),
            (
                "FailedOperation.MissingTemplateList",
                gettext_noop("No approved template was found"),
            ),
            (
                "FailedOperation.MissingTemplateToModify",
                gettext_noop("The template to modify does not exist"),
            ),
            (
                "FailedOperation.NotEnterpriseCertification",
                gettext_noop("Template and signature actions need an enterprise-verified account"),
            ),
            (
                "FailedOperation.ProhibitSubAccountUse",
                gettext_noop("Only the main account may list templates"),
            ),
            (
                "FailedOperation.QualificationIdNotApproved",
                gettext_noop("The qualification is not approved"),
            ),
            ("FailedOperation.SignIdNotExist", gettext_noop("The signature ID does not exist")),
            (
                "FailedOperation.SignNumberLimit",
                gettext_noop("The account has the most signatures it may have"),
            ),
            (
                "FailedOperation.TemplateAlreadyPassedCheck",
                gettext_noop("An approved template cannot be modified"),
            ),
            ("FailedOperation.TemplateIdNotExist", gettext_noop("The template ID does not exist")),
            (
                "FailedOperation.TemplateNumberLimit",
                gettext_noop("The account has the most templates it may have"),
            ),
            (
                "InvalidParameterValue.BeginTimeVerifyFail",
                gettext_noop("The BeginTime parameter is not valid"),
            ),
            (
                "InvalidParameterValue.EndTimeVerifyFail",
                gettext_noop("The EndTime parameter is not valid"),
            ),
            (
                "InvalidParameterValue.InvalidStartTime",
                gettext_noop("The start of the period is after its end"),
            ),
            (
                "InvalidParameterValue.LimitVerifyFail",
                gettext_noop("The Limit parameter is not valid"),
            ),
            (
                "InvalidParameterValue.OffsetVerifyFail",
                gettext_noop("The Offset parameter is not valid"),
            ),
            (
                "InvalidParameterValue.ImageInvalid",
                gettext_noop("The uploaded image is not in an accepted format"),
            ),
            (
                "InvalidParameterValue.InvalidDocumentType",
                gettext_noop("The DocumentType parameter is not valid"),
            ),
            (
                "InvalidParameterValue.InvalidInternational",
                gettext_noop("The International parameter is not valid"),
            ),
            (
                "InvalidParameterValue.InvalidSignPurpose",
                gettext_noop("The SignPurpose parameter is not valid"),
            ),
            (
                "InvalidParameterValue.InvalidSmsType",
                gettext_noop("The SmsType parameter is not valid"),
            ),
            (
                "InvalidParameterValue.InvalidUsedMethod",
                gettext_noop("The UsedMethod parameter is not valid"),
            ),
            (
                "InvalidParameterValue.InvalidTemplateFormat",
                gettext_noop("The template's format is not accepted"),
            ),
            (
                "InvalidParameterValue.MarketingTemplateWithoutUnsubscribe",
                gettext_noop("A marketing template must end with a way to unsubscribe"),
            ),
            (
                "InvalidParameterValue.QualificationIdNotFound",
                gettext_noop("The qualification ID was not found"),
            ),
            (
                "InvalidParameterValue.SignAlreadyPassedCheck",
                gettext_noop("An approved signature cannot be modified"),
            ),
            (
                "InvalidParameterValue.SignExistAndUnapproved",
                gettext_noop("The same signature is already waiting for approval"),
            ),
            (
                "InvalidParameterValue.SignNameLengthTooLong",
                gettext_noop("The signature is too long"),
            ),
            (
                "InvalidParameterValue.TemplateWithDirtyWords",
                gettext_noop("The template contains sensitive words"),
            ),
            (
                "InvalidParameterValue.UnsupportedTemplateVariable",
                gettext_noop(
                    "Domestic notification and marketing templates may not have variables"
                ),
            ),
        )
    ]
)
