from django_tencent_sms.exceptions import TencentSmsError
from django_tencent_sms.result_codes import RESULT_CODES, Category, lookup


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


def test_rate_limits_are_retryable_later_but_bad_numbers_are_not():
    assert lookup(1023).category is Category.RATE_LIMIT and lookup(1023).retryable
    assert lookup(1016).category is Category.INPUT and not lookup(1016).retryable
    assert lookup(1001).category is Category.ACCOUNT and not lookup(1001).retryable


def test_unknown_code():
    assert lookup(99999).category is Category.UNKNOWN


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
    assert not TencentSmsError.for_result(1031).user_facing  # balance: the operator's problem
    assert not TencentSmsError.for_result(1001).user_facing


def test_the_readme_explains_every_result_code():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Troubleshooting by result code", 1)[1].split("\n## ", 1)[0]
    for code, info in RESULT_CODES.items():
        assert f"| {code} | {info.meaning} |" in section, code


def test_api3_codes_reach_the_same_exception_classes():
    from django_tencent_sms.exceptions import (
        TencentAccountError,
        TencentInputError,
        TencentRateLimitError,
        TencentTransientError,
    )

    cases = {
        "InvalidParameterValue.IncorrectPhoneNumber": TencentInputError,
        "LimitExceeded.PhoneNumberOneHourLimit": TencentRateLimitError,
        "FailedOperation.SignatureIncorrectOrUnapproved": TencentAccountError,
        "InternalError.Timeout": TencentTransientError,
    }
    for code, cls in cases.items():
        exc = TencentSmsError.for_cloud_code(code, "msg", request_id="r-1")
        assert type(exc) is cls and exc.request_id == "r-1" and exc.code == code
        assert type(TencentSmsError.for_result(exc.result)) is cls
    assert TencentSmsError.for_cloud_code("LimitExceeded.PhoneNumberDailyLimit").user_facing
