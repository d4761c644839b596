from pathlib import Path

import pytest

from django_tencent_sms.exceptions import (
    TencentAccountError,
    TencentInputError,
    TencentRateLimitError,
    TencentSmsError,
    TencentTransientError,
    TencentUnknownOutcomeError,
)
from django_tencent_sms.result_codes import (
    CLOUD_CODES,
    CLOUD_EQUIVALENTS,
    RESULT_CODES,
    Category,
    cloud_lookup,
    lookup,
)

SDK_ERRORCODES = Path(
    __import__("tencentcloud.sms.v20210111", fromlist=["errorcodes"]).__file__
).with_name("errorcodes.py")


def test_every_documented_code_has_a_meaning_and_a_category():
    documented = {
        1001, 1002, 1003, 1004, 1006, 1007, 1008, 1009, 1011, 1012, 1013, 1014, 1015, 1016, 1017,
        1018, 1019, 1020, 1021, 1022, 1023, 1024, 1025, 1026, 1029, 1030, 1031, 1032, 1033, 1034,
        1036, 1045, 1046, 1047, 60008,
    }  # fmt: skip
    assert documented <= set(RESULT_CODES)
    for code in documented:
        info = lookup(code)
        assert info.code == code and info.meaning and info.category is not Category.UNKNOWN


def test_every_error_code_of_tencents_sdk_is_in_the_table():
    names = set()
    for line in SDK_ERRORCODES.read_text(encoding="utf-8").splitlines():
        if " = '" in line:
            names.add(line.split("'")[1])
    assert len(names) >= 90
    assert names - set(CLOUD_CODES) == set()
    for name in names:
        assert cloud_lookup(name).category is not Category.UNKNOWN, name


def test_an_equivalent_shares_the_legacy_codes_category_and_who_acts():
    for name, result in CLOUD_EQUIVALENTS.items():
        cloud, legacy = cloud_lookup(name), lookup(result)
        assert (cloud.category, cloud.user_facing) == (legacy.category, legacy.user_facing), name


@pytest.mark.parametrize(
    "code",
    [
        "LimitExceeded.AppDailyLimit",
        "LimitExceeded.AppCountryOrRegionDailyLimit",
        "LimitExceeded.AppGlobalDailyLimit",
        "LimitExceeded.AppMainlandChinaDailyLimit",
        "LimitExceeded.DailyLimit",
        "LimitExceeded.GlobalSmsSendingRateLimit",
        "LimitExceeded.SomethingNewForTheApp",
    ],
)
def test_a_limit_on_the_whole_application_is_the_operators_not_the_persons(code):
    exc = TencentSmsError.for_cloud_code(code)
    assert type(exc) is TencentAccountError and not exc.user_facing and not exc.retryable


@pytest.mark.parametrize("result", [1022, 1047, 1029])
def test_the_legacy_application_limits_are_the_operators_too(result):
    exc = TencentSmsError.for_result(result)
    assert type(exc) is TencentAccountError and not exc.user_facing


def test_a_sensitive_word_is_the_operators_template_problem():
    for exc in (
        TencentSmsError.for_result(1002),
        TencentSmsError.for_cloud_code("FailedOperation.ContainSensitiveWord"),
    ):
        assert type(exc) is TencentAccountError and not exc.user_facing


@pytest.mark.parametrize(
    "code",
    [
        "InternalError.SendAndRecvFail",
        "InternalError.Timeout",
        "InternalError.ParseBackendResponseFail",
        "InternalError.SomethingNew",
    ],
)
def test_a_failure_inside_tencent_is_an_unknown_outcome(code):
    exc = TencentSmsError.for_cloud_code(code)
    assert type(exc) is TencentUnknownOutcomeError
    assert exc.outcome_unknown and not exc.retryable and not exc.user_facing


def test_rate_limits_are_retryable_later_but_bad_numbers_are_not():
    assert lookup(1023).category is Category.RATE_LIMIT and lookup(1023).retryable
    assert lookup(1016).category is Category.INPUT and not lookup(1016).retryable
    assert lookup(1001).category is Category.ACCOUNT and not lookup(1001).retryable


def test_unknown_code():
    assert lookup(99999).category is Category.UNKNOWN
    assert cloud_lookup("Totally.Unknown").category is Category.UNKNOWN


def test_no_code_at_all_is_unknown_too():
    assert lookup(None).category is Category.UNKNOWN and lookup(None).code is None
    error = TencentSmsError(None, "no result in the answer")
    assert error.category is Category.UNKNOWN and "no result in the answer" in str(error)


def test_only_a_server_error_may_have_reached_tencent():
    from django_tencent_sms.exceptions import HTTPStatusError

    assert HTTPStatusError(502).may_have_reached_tencent
    assert not HTTPStatusError(403).may_have_reached_tencent


def test_user_facing_tells_a_view_what_to_show():
    assert TencentSmsError.for_result(1016).user_facing
    assert TencentSmsError.for_result(1025).user_facing
    assert not TencentSmsError.for_result(1017).user_facing  # the site's content, not the person
    assert not TencentSmsError.for_result(1031).user_facing  # balance: the operator's problem
    assert not TencentSmsError.for_result(1001).user_facing
    assert TencentSmsError.for_cloud_code("LimitExceeded.PhoneNumberDailyLimit").user_facing
    assert TencentSmsError.for_cloud_code("LimitExceeded.PhoneNumberNewKind").user_facing


def test_the_readme_explains_every_code():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Troubleshooting by result code", 1)[1].split("\n## ", 1)[0]
    for code, info in RESULT_CODES.items():
        assert f"| {code} | {info.meaning} |" in section, code
    for name in CLOUD_CODES:
        assert f"| `{name}` |" in section, name


def test_api3_codes_reach_the_same_exception_classes():
    cases = {
        "InvalidParameterValue.IncorrectPhoneNumber": TencentInputError,
        "LimitExceeded.PhoneNumberOneHourLimit": TencentRateLimitError,
        "FailedOperation.SignatureIncorrectOrUnapproved": TencentAccountError,
        "InternalError.OtherError": TencentTransientError,
        "InternalError.Timeout": TencentUnknownOutcomeError,
    }
    for code, cls in cases.items():
        exc = TencentSmsError.for_cloud_code(code, "msg", request_id="r-1")
        assert type(exc) is cls and exc.request_id == "r-1" and exc.code == code
        assert type(TencentSmsError.for_result(exc.result)) is cls
