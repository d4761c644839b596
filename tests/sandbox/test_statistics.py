"""The emulator's statistics and package endpoints: Tencent's shapes, figures from what it
accepted and reported, and Tencent's refusals of a bad range — legacy API and API 3.0."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import requests

from django_tencent_sms.protocol.reports import CHINA_TIME
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.protocol.tc3.action import build_action_request, parse_endpoint
from django_tencent_sms.sandbox.accounts import DEVELOPMENT_SECRET_ID, DEVELOPMENT_SECRET_KEY
from tests.sandbox.helpers import (
    APP_ID,
    SEED_KEY,
    SEED_RANDOM,
    SEED_TIME,
    TEMPLATES,
    make_body,
    post,
    sandbox_fixtures,
    send,
)

clock, sandbox = sandbox_fixtures(
    now=SEED_TIME, sdk_app_id=APP_ID, app_key=SEED_KEY, templates=TEMPLATES
)

HOUR = datetime.fromtimestamp(SEED_TIME, CHINA_TIME).strftime("%Y%m%d%H")


def legacy(sb, endpoint: str, **fields) -> dict:
    body = {"sig": v5_signature(SEED_KEY, SEED_RANDOM, SEED_TIME), "time": SEED_TIME, **fields}
    return send(sb, body, endpoint=endpoint)


def cloud(sb, action: str, data: dict) -> dict:
    request = build_action_request(
        action,
        data,
        secret_id=DEVELOPMENT_SECRET_ID,
        secret_key=DEVELOPMENT_SECRET_KEY,
        region="ap-guangzhou",
        endpoint=parse_endpoint(sb.cloud_endpoint),
        now=int(sb.clock()),
    )
    answer = requests.post(request.url, data=request.body, headers=request.headers, timeout=5)
    assert answer.status_code == 200
    return answer.json()["Response"]


def span(begin: str = HOUR, end: str = HOUR, **more) -> dict:
    return {
        "BeginTime": begin,
        "EndTime": end,
        "SmsSdkAppId": APP_ID,
        "Limit": 0,
        "Offset": 0,
        **more,
    }


def accept_three(sb, *, refused: int = 0) -> None:
    sb.report_success = 2 / 3
    for mobile in ("13788888881", "13788888882", "13788888883"):
        assert send(sb, make_body(sb, mobile=mobile))["result"] == 0
    for _ in range(refused):
        assert send(sb, make_body(sb, tpl_id=999))["result"] == 1014


def test_pullsendstatus_counts_requests_acceptances_and_fees(sandbox):
    accept_three(sandbox, refused=1)
    answer = legacy(sandbox, "pullsendstatus", begin_date=int(HOUR), end_date=int(HOUR))
    assert answer == {
        "result": 0,
        "errmsg": "OK",
        "data": {"request": 4, "success": 3, "bill_number": 3},
    }


def test_pullcallbackstatus_counts_the_reports(sandbox):
    accept_three(sandbox)
    data = legacy(sandbox, "pullcallbackstatus", begin_date=int(HOUR), end_date=int(HOUR))["data"]
    assert (data["success"], data["status"], data["status_success"], data["status_fail"]) == (
        3,
        3,
        2,
        1,
    )
    assert sorted(data) == sorted(
        ["success", "status", "status_success", "status_fail"]
        + [f"status_fail_{n}" for n in range(5)]
    )


def test_other_hours_count_nothing(sandbox):
    accept_three(sandbox)
    earlier = (datetime.fromtimestamp(SEED_TIME, CHINA_TIME) - timedelta(hours=2)).strftime(
        "%Y%m%d%H"
    )
    answer = legacy(sandbox, "pullsendstatus", begin_date=int(earlier), end_date=int(earlier))
    assert answer["data"] == {"request": 0, "success": 0, "bill_number": 0}


@pytest.mark.parametrize(
    "dates",
    [
        {"begin_date": HOUR},  # a string, not a number
        {"begin_date": int(HOUR)},  # no end
        {"begin_date": 2016139900, "end_date": 2016139901},  # not a date
        {"begin_date": int(HOUR) + 1, "end_date": int(HOUR)},  # backwards
        {"begin_date": True, "end_date": int(HOUR)},
    ],
)
def test_a_bad_legacy_range_is_refused_with_1004(sandbox, dates):
    assert legacy(sandbox, "pullsendstatus", **dates)["result"] == 1004


def test_a_bad_legacy_signature_is_refused(sandbox):
    body = {"sig": "0" * 64, "time": SEED_TIME, "begin_date": int(HOUR), "end_date": int(HOUR)}
    assert send(sandbox, body, endpoint="pullcallbackstatus")["result"] == 1001
    assert post(sandbox, b"not json", endpoint="pullsendstatus").json()["result"] == 1004


def test_getsmspackages_pages_and_charges_fees(sandbox):
    sandbox.set_packages([{"amount": 100, "used": 5, "days": 10}, {"amount": 50, "days": 20}])
    accept_three(sandbox)
    answer = legacy(sandbox, "getsmspackages", offset=0, length=1)
    assert answer["result"] == 0 and answer["total"] == 2
    (package,) = answer["data"]
    assert sorted(package) == sorted(
        ["create_time", "from_time", "to_time", "amount", "type", "package_id", "used"]
    )
    assert (package["amount"], package["used"]) == (100, 8)  # expires first: charged
    assert datetime.strptime(package["to_time"], "%Y-%m-%d %H:%M:%S")
    second = legacy(sandbox, "getsmspackages", offset=1, length=10)["data"]
    assert [(p["amount"], p["used"]) for p in second] == [(50, 0)]
    assert legacy(sandbox, "getsmspackages", offset=0, length=0)["result"] == 1004


def test_send_status_statistics_has_tencents_shape(sandbox):
    accept_three(sandbox, refused=2)
    response = cloud(sandbox, "SendStatusStatistics", span())
    assert response["SendStatusStatistics"] == {
        "FeeCount": 3,
        "RequestCount": 5,
        "RequestSuccessCount": 3,
    }
    assert response["RequestId"]


def test_callback_status_statistics_has_tencents_shape(sandbox):
    accept_three(sandbox)
    figures = cloud(sandbox, "CallbackStatusStatistics", span())["CallbackStatusStatistics"]
    assert sorted(figures) == sorted(
        [
            "CallbackCount",
            "RequestSuccessCount",
            "CallbackFailCount",
            "CallbackSuccessCount",
            "InternalErrorCount",
            "InvalidNumberCount",
            "ShutdownErrorCount",
            "BlackListCount",
            "FrequencyLimitCount",
        ]
    )
    assert (figures["CallbackCount"], figures["CallbackSuccessCount"]) == (3, 2)
    assert figures["CallbackFailCount"] == 1


def test_reports_not_yet_due_are_not_counted(sandbox, clock):
    sandbox.report_delay = 60
    accept_three(sandbox)
    figures = cloud(sandbox, "CallbackStatusStatistics", span())["CallbackStatusStatistics"]
    assert (figures["RequestSuccessCount"], figures["CallbackCount"]) == (3, 0)
    clock.advance(61)
    figures = cloud(sandbox, "CallbackStatusStatistics", span())["CallbackStatusStatistics"]
    assert figures["CallbackCount"] == 3


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (span(begin="2024050113x"), "InvalidParameterValue.BeginTimeVerifyFail"),
        (span(begin=2024050113), "InvalidParameterValue.BeginTimeVerifyFail"),
        (span(end="2016010100"), "InvalidParameterValue.EndTimeVerifyFail"),
        ({**span(), "Limit": "0"}, "InvalidParameterValue"),
        ({**span(), "Unknown": 1}, "UnknownParameter"),
        ({k: v for k, v in span().items() if k != "Offset"}, "MissingParameter"),
        ({**span(), "SmsSdkAppId": "1400000001"}, "InvalidParameterValue.SdkAppIdNotExist"),
    ],
)
def test_bad_cloud_parameters_are_refused(sandbox, data, code):
    assert cloud(sandbox, "SendStatusStatistics", data)["Error"]["Code"] == code


def test_callback_statistics_span_at_most_32_days(sandbox):
    first = datetime.fromtimestamp(SEED_TIME, CHINA_TIME) - timedelta(days=40)
    begin = first.strftime("%Y%m%d%H")
    response = cloud(sandbox, "CallbackStatusStatistics", span(begin=begin))
    assert response["Error"]["Code"] == "InvalidParameterValue.EndTimeVerifyFail"
    # SendStatusStatistics documents no such bound.
    assert "SendStatusStatistics" in cloud(sandbox, "SendStatusStatistics", span(begin=begin))


def test_sms_packages_statistics_lists_packages_created_in_the_range(sandbox, clock):
    sandbox.set_packages([{"amount": 1000, "used": 10, "kind": 0}, {"amount": 20}])
    clock.advance(7200)  # EndTime must be before now
    data = span(begin="2016010100", Limit=1, Offset=0)
    items = cloud(sandbox, "SmsPackagesStatistics", data)["SmsPackagesStatisticsSet"]
    assert items == [
        {
            "PackageCreateTime": SEED_TIME,
            "PackageEffectiveTime": SEED_TIME,
            "PackageExpiredTime": SEED_TIME + 365 * 86400,
            "PackageAmount": 1000,
            "PackageType": 0,
            "PackageId": items[0]["PackageId"],
            "CurrentUsage": 10,
        }
    ]
    rest = cloud(sandbox, "SmsPackagesStatistics", {**data, "Offset": 1, "Limit": 500})
    assert [p["PackageAmount"] for p in rest["SmsPackagesStatisticsSet"]] == [20]
    too_many = cloud(sandbox, "SmsPackagesStatistics", {**data, "Limit": 501})
    assert too_many["Error"]["Code"] == "InvalidParameterValue"
    future = datetime.fromtimestamp(SEED_TIME + 86400 * 2, CHINA_TIME).strftime("%Y%m%d%H")
    late = cloud(sandbox, "SmsPackagesStatistics", {**data, "EndTime": future})
    assert late["Error"]["Code"] == "InvalidParameterValue.EndTimeVerifyFail"


def test_packages_control_api_and_reset(sandbox):
    url = sandbox.cloud_endpoint + "/_sandbox/packages"
    answer = requests.post(url, data=json.dumps({"packages": [{"amount": 7}]}), timeout=5)
    assert answer.status_code == 200 and answer.json()["packages"][0]["amount"] == 7
    assert [p.amount for p in sandbox.packages] == [7]
    for hostile in (
        {"packages": [{"amount": -1}]},
        {"packages": "x"},
        {"x": 1},
        {"packages": [{"amount": 1, "evil": 2}]},
        {"packages": [{"amount": True}]},
    ):
        refused = requests.post(url, data=json.dumps(hostile), timeout=5)
        assert refused.status_code == 400 and "error" in refused.json()
    assert [p.amount for p in sandbox.packages] == [7]  # all or nothing
    sandbox.reset()
    assert sandbox.packages == []


def test_the_emulator_serves_the_names_the_backends_ask_for():
    from django_tencent_sms.protocol import v5_statistics
    from django_tencent_sms.protocol.tc3 import statistics as tc3_statistics
    from django_tencent_sms.sandbox import statistics as served

    assert served.STATISTICS_ACTIONS == tc3_statistics.STATISTICS_ACTIONS
    assert served.MAX_PACKAGE_PAGE == tc3_statistics.MAX_PACKAGE_PAGE
    assert served.LEGACY_ENDPOINTS == (
        v5_statistics.SEND_STATISTICS_ENDPOINT,
        v5_statistics.CALLBACK_STATISTICS_ENDPOINT,
        v5_statistics.PACKAGES_ENDPOINT,
    )
