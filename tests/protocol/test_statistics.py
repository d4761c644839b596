"""The pure builders and parsers of the statistics and package endpoints, hostile answers
included: every figure Tencent did not give as a count is an ``InvalidResponse``, never 0."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone

import pytest

from django_tencent_sms.exceptions import HTTPStatusError, InvalidResponse, TencentSmsError
from django_tencent_sms.protocol import v5_statistics as v5s
from django_tencent_sms.protocol.reports import CHINA_TIME
from django_tencent_sms.protocol.statistics import HourSpan
from django_tencent_sms.protocol.tc3 import statistics as tc3s
from django_tencent_sms.protocol.tc3.action import parse_endpoint

# Reference §3: the statistics form of the signature.
KEY, RANDOM, TIME = "5f03a35d00ee52a21327ab048186a2c4", "7226249334", 1457336869
SIG = "c13e54f047ed75e821e698730c72d030dc30e5b510b3f8a0fb6fb7605283d7df"
SPAN = HourSpan(
    datetime(2016, 9, 8, 0, tzinfo=CHINA_TIME), datetime(2016, 9, 8, 23, tzinfo=CHINA_TIME)
)
LEGACY = {
    "api_url": "https://yun.tim.qq.com/v5/tlssmssvr",
    "sdk_app_id": "1400006666",
    "app_key": KEY,
    "random": RANDOM,
    "now": TIME,
}
CLOUD = {
    "sdk_app_id": "1400006666",
    "secret_id": "AKIDEXAMPLE",
    "secret_key": "SECRET",
    "region": "ap-guangzhou",
    "endpoint": parse_endpoint("sms.tencentcloudapi.com"),
    "now": 1700000000,
}


def answer(data) -> bytes:
    return json.dumps(data).encode()


def test_legacy_requests_match_the_documented_example():
    request = v5s.build_pullsendstatus(SPAN, **LEGACY)
    assert request.url.endswith("/pullsendstatus?sdkappid=1400006666&random=7226249334")
    assert json.loads(request.body) == {
        "begin_date": 2016090800,
        "end_date": 2016090823,
        "sig": SIG,
        "time": TIME,
    }
    packages = json.loads(v5s.build_getsmspackages(0, 10, **LEGACY).body)
    assert (packages["offset"], packages["length"], packages["sig"]) == (0, 10, SIG)
    with pytest.raises(ValueError):
        v5s.build_getsmspackages(-1, 10, **LEGACY)


def test_cloud_requests_carry_tencents_fields():
    request = tc3s.build_send_status_statistics(SPAN, **dict(CLOUD))
    assert request.headers["X-TC-Action"] == "SendStatusStatistics"
    assert json.loads(request.body) == {
        "BeginTime": "2016090800",
        "EndTime": "2016090823",
        "Limit": 0,
        "Offset": 0,
        "SmsSdkAppId": "1400006666",
    }
    with pytest.raises(ValueError):
        tc3s.build_sms_packages_statistics(SPAN, offset=0, limit=501, **dict(CLOUD))


def test_the_documented_legacy_answers_parse():
    sent = v5s.parse_pullsendstatus_response(
        200,
        answer(
            {
                "result": 0,
                "errmsg": "OK",
                "data": {"bill_number": 120, "request": 101, "success": 100},
            }
        ),
    )
    assert (sent.requests, sent.accepted, sent.billed) == (101, 100, 120)
    page = v5s.parse_getsmspackages_response(
        200,
        answer(
            {
                "total": 6,
                "result": 0,
                "data": [
                    {
                        "from_time": "2018-07-01 00:00:00",
                        "to_time": "2018-07-31 23:59:59",
                        "create_time": "2018-07-01 00:00:03",
                        "amount": 100,
                        "type": 0,
                        "package_id": 1000200003,
                        "used": 5,
                    }
                ],
            }
        ),
    )
    (package,) = page.packages
    assert page.total == 6 and package.remaining == 95
    assert package.expires_at == datetime(2018, 7, 31, 15, 59, 59, tzinfo=timezone.utc)


def test_the_documented_cloud_answers_parse_both_versions():
    reports = tc3s.parse_callback_status_statistics_response(
        200,
        answer(
            {
                "Response": {
                    "RequestId": "r",
                    "CallbackStatusStatistics": {
                        "CallbackCount": 1745,
                        "RequestSuccessCount": 1880,
                        "CallbackFailCount": 401,
                        "CallbackSuccessCount": 1344,
                        "InternalErrorCount": 0,
                        "InvalidNumberCount": 0,
                        "ShutdownErrorCount": 401,
                        "BlackListCount": 0,
                        "FrequencyLimitCount": 0,
                    },
                }
            }
        ),
    )
    assert (reports.reports, reports.delivered, reports.failed, reports.switched_off) == (
        1745,
        1344,
        401,
        401,
    )
    new = {
        "PackageCreateTime": 1617292800,
        "PackageExpiredTime": 1619884800,
        "PackageEffectiveTime": 1617292800,
        "PackageType": 1,
        "CurrentUsage": 1000,
        "PackageId": 1000791745,
        "PackageAmount": 1000,
    }
    old = {
        "PackageCreateTime": "2019-05-01 00:00:00",
        "PackageCreateUnixTime": 1556640000,
        "PackageExpiredUnixTime": 1559318399,
        "AmountOfPackage": 1000,
        "TypeOfPackage": 0,
        "PackageId": 1000876572,
        "CurrentUsage": 100,
    }
    packages = tc3s.parse_sms_packages_statistics_response(
        200, answer({"Response": {"RequestId": "r", "SmsPackagesStatisticsSet": [new, old]}})
    )
    assert [(p.amount, p.used, p.remaining, p.kind) for p in packages] == [
        (1000, 1000, 0, 1),
        (1000, 100, 900, 0),
    ]
    assert packages[1].expires_at == datetime.fromtimestamp(1559318399, timezone.utc)


@pytest.mark.parametrize(
    "figures",
    [
        None,
        [],
        "x",
        {},
        {"request": 1, "success": 1},
        {"request": -1, "success": 0, "bill_number": 0},
        {"request": "5", "success": 0, "bill_number": 0},
        {"request": 1.5, "success": 0, "bill_number": 0},
        {"request": True, "success": 0, "bill_number": 0},
        {"request": 2**60, "success": 0, "bill_number": 0},
    ],
)
def test_garbage_figures_are_invalid_not_zero(figures):
    with pytest.raises(InvalidResponse):
        v5s.parse_pullsendstatus_response(200, answer({"result": 0, "data": figures}))
    names = {"request": "RequestCount", "success": "RequestSuccessCount", "bill_number": "FeeCount"}
    if isinstance(figures, dict):
        figures = {names[key]: value for key, value in figures.items()}
    cloud = {"Response": {"RequestId": "r", "SendStatusStatistics": figures}}
    with pytest.raises(InvalidResponse):
        tc3s.parse_send_status_statistics_response(200, answer(cloud))


@pytest.mark.parametrize(
    "body",
    [b"<html>502</html>", b"[]", b'{"result": "0"}', b"{}", b'{"Response": []}'],
)
def test_answers_that_are_not_tencents_are_invalid(body):
    with pytest.raises(InvalidResponse):
        v5s.parse_pullcallbackstatus_response(200, body)
    with pytest.raises(InvalidResponse):
        tc3s.parse_callback_status_statistics_response(200, body)


def test_error_envelopes_and_statuses_raise_tencents_error():
    with pytest.raises(TencentSmsError) as caught:
        v5s.parse_getsmspackages_response(200, answer({"result": 1001, "msg": "sig error"}))
    assert caught.value.result == 1001
    error = {
        "Response": {
            "RequestId": "r",
            "Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"},
        }
    }
    with pytest.raises(TencentSmsError) as caught:
        tc3s.parse_sms_packages_statistics_response(200, answer(error))
    assert caught.value.code == "AuthFailure.SignatureFailure"
    with pytest.raises(HTTPStatusError):
        v5s.parse_pullsendstatus_response(502, b"bad gateway")


@pytest.mark.parametrize(
    "item",
    [
        {"PackageId": 1, "PackageAmount": -5, "CurrentUsage": 0, "PackageType": 1},
        {"PackageId": 1, "PackageAmount": 5, "CurrentUsage": None, "PackageType": 1},
        {
            "PackageId": 1,
            "PackageAmount": 5,
            "CurrentUsage": 0,
            "PackageType": 1,
            "PackageExpiredTime": "soon",
        },
        "not an object",
    ],
)
def test_a_malformed_package_is_invalid(item):
    body = answer({"Response": {"RequestId": "r", "SmsPackagesStatisticsSet": [item]}})
    with pytest.raises(InvalidResponse):
        tc3s.parse_sms_packages_statistics_response(200, body)


def test_spans_split_into_32_days_and_cover_whole_hours():
    first = datetime(2026, 1, 1, tzinfo=CHINA_TIME)
    span = HourSpan.covering(first, datetime(2026, 3, 15, 0, 1, tzinfo=CHINA_TIME))
    assert span.end == "2026031500"
    pieces = span.split()
    assert [p.hours for p in pieces] == [768, 768, 217]
    assert pieces[0].first == first and pieces[-1].last == span.last
    assert all(b.first - a.last == timedelta(hours=1) for a, b in itertools.pairwise(pieces))
    with pytest.raises(ValueError):
        HourSpan.covering(first, first)
    with pytest.raises(ValueError):
        HourSpan.covering(datetime(2026, 1, 1), datetime(2026, 1, 2))
