"""The emulator's template and signature lists (both APIs), and templates under review."""

from __future__ import annotations

import argparse
import json
import time
import warnings

import pytest
import requests
from tencentcloud.sms.v20210111 import models as sdk_models

from django_tencent_sms.protocol import v5_catalog
from django_tencent_sms.protocol.tc3.action import build_action_request, parse_endpoint
from django_tencent_sms.sandbox import Sandbox
from django_tencent_sms.sandbox.catalog_control import parse_template_status


@pytest.fixture
def sb():
    with Sandbox(templates={19: "Code {1}", 20: "Order {1} shipped"}) as sandbox:
        sandbox.set_template_status(20, "rejected", reply="内容不符", name="Shipping")
        yield sandbox


def legacy(sb, endpoint: str, fields: dict, *, key: str | None = None) -> dict:
    build = v5_catalog.build_get_sign if endpoint == "get_sign" else v5_catalog.build_get_template
    request = build(
        **fields,
        api_url=sb.url,
        sdk_app_id=sb.account.sdk_app_id,
        app_key=key or sb.account.app_key,
        random="1234567890",
        now=int(time.time()),
    )
    return requests.post(request.url, data=request.body, timeout=5).json()


def legacy_raw(sb, endpoint: str, body: dict) -> dict:
    from django_tencent_sms.protocol.signing import v5_signature

    now = int(time.time())
    body = {**body, "sig": v5_signature(sb.account.app_key, "1", now), "time": now}
    url = f"{sb.url}/{endpoint}?sdkappid={sb.account.sdk_app_id}&random=1"
    return requests.post(url, data=json.dumps(body), timeout=5).json()


def cloud(sb, action: str, data: dict) -> dict:
    request = build_action_request(
        action,
        data,
        secret_id=sb.account.secret_id,
        secret_key=sb.account.secret_key,
        region="ap-guangzhou",
        endpoint=parse_endpoint(sb.cloud_endpoint),
        now=int(time.time()),
    )
    return requests.post(request.url, data=request.body, headers=request.headers, timeout=5).json()


# Legacy ---------------------------------------------------------------------------------------


def test_get_template_pages_with_msg_and_tencents_item_shape(sb):
    answer = legacy(sb, "get_template", {"limit": 1, "offset": 1})
    assert set(answer) == {"result", "msg", "total", "count", "data"}
    assert (answer["result"], answer["total"], answer["count"]) == (0, 2, 1)
    assert answer["data"] == [
        {
            "id": 20,
            "international": 0,
            "reply": "内容不符",
            "status": 2,
            "text": "Order {1} shipped",
            "type": 0,
        }
    ]
    by_id = legacy(sb, "get_template", {"template_ids": [19]})
    assert [item["status"] for item in by_id["data"]] == [0]


def test_get_template_gives_a_marketing_template_type_1(sb):
    """Tencent's legacy ``type``: 1 marketing, 0 the others (what the catalog sync reads)."""
    sb.set_template_kind(19, "marketing")
    sb.set_template_kind(20, "verification")
    answer = legacy(sb, "get_template", {"limit": 10, "offset": 0})
    assert {item["id"]: item["type"] for item in answer["data"]} == {19: 1, 20: 0}


@pytest.mark.parametrize(
    "body",
    [
        {"tpl_id": [19], "tpl_page": {"max": 1, "offset": 0}},
        {},
        {"tpl_page": {"max": 51, "offset": 0}},
        {"tpl_page": {"max": 0, "offset": 0}},
        {"tpl_page": {"max": 10, "offset": -1}},
        {"tpl_page": "all"},
        {"tpl_id": ["19"]},
        {"tpl_id": []},
    ],
)
def test_get_template_refuses_malformed_requests_with_1004(sb, body):
    answer = legacy_raw(sb, "get_template", body)
    assert answer["result"] == 1004 and "msg" in answer


def test_get_template_checks_the_signature(sb):
    assert legacy(sb, "get_template", {}, key="wrong")["result"] == 1001


def test_get_sign_lists_the_ids_asked_for(sb):
    sb.add_sign(5, "另一个", "reviewing")
    answer = legacy(sb, "get_sign", {"sign_ids": [1, 5, 99]})
    assert answer["result"] == 0
    assert [(i["id"], i["text"], i["status"]) for i in answer["data"]] == [
        (1, "腾讯云", 0),
        (5, "另一个", 1),
    ]
    assert legacy_raw(sb, "get_sign", {})["result"] == 1004


# API 3.0 --------------------------------------------------------------------------------------


def test_describe_template_list_has_the_sdks_fields(sb):
    answer = cloud(sb, "DescribeSmsTemplateList", {"International": 0, "Limit": 100, "Offset": 0})
    response = answer["Response"]
    model = sdk_models.DescribeSmsTemplateListResponse()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the SDK warns about fields it does not know
        for item in response["DescribeTemplateStatusSet"]:
            sdk_models.DescribeTemplateListStatus()._deserialize(item)
    model._deserialize(response)
    rejected = model.DescribeTemplateStatusSet[1]
    assert (rejected.TemplateId, rejected.StatusCode, rejected.ReviewReply) == (20, -1, "内容不符")
    assert rejected.TemplateName == "Shipping"


def test_describe_sign_list_pages_and_takes_ids(sb):
    sb.add_sign(7, "其他")
    answer = cloud(sb, "DescribeSmsSignList", {"International": 0, "SignIdSet": [7]})
    [item] = answer["Response"]["DescribeSignListStatusSet"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sdk_models.DescribeSignListStatus()._deserialize(item)
    assert (item["SignId"], item["SignName"], item["StatusCode"]) == (7, "其他", 0)
    page = cloud(sb, "DescribeSmsSignList", {"International": 0, "Limit": 1, "Offset": 1})
    assert [i["SignId"] for i in page["Response"]["DescribeSignListStatusSet"]] == [7]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"Limit": 10, "Offset": 0}, "MissingParameter"),
        ({"International": 2, "Limit": 10}, "InvalidParameterValue.InvalidInternational"),
        ({"International": 0, "Limit": 101}, "InvalidParameterValue.LimitVerifyFail"),
        ({"International": 0, "Limit": 0}, "InvalidParameterValue.LimitVerifyFail"),
        ({"International": 0}, "InvalidParameterValue.LimitVerifyFail"),
        ({"International": 0, "Limit": 10, "Offset": -1}, "InvalidParameterValue.OffsetVerifyFail"),
        ({"International": 0, "TemplateIdSet": list(range(1, 102))}, "InvalidParameterValue"),
        ({"International": 0, "TemplateIdSet": ["19"]}, "InvalidParameterValue"),
        ({"International": 0, "Limit": 10, "SmsSdkAppId": "1"}, "UnknownParameter"),
    ],
)
def test_describe_template_list_refuses_bad_parameters(sb, data, code):
    error = cloud(sb, "DescribeSmsTemplateList", data)["Response"]["Error"]
    assert error["Code"] == code


def test_a_template_not_approved_is_refused_when_sent(sb):
    from django_tencent_sms.protocol.signing import v5_signature

    now = int(time.time())
    body = {
        "tel": {"nationcode": "86", "mobile": "13711112222"},
        "tpl_id": 20,
        "params": ["A1"],
        "sign": "腾讯云",
        "sig": v5_signature(sb.account.app_key, "1", now, mobiles=["13711112222"]),
        "time": now,
    }
    url = f"{sb.url}/sendsms?sdkappid={sb.account.sdk_app_id}&random=1"
    assert requests.post(url, data=json.dumps(body), timeout=5).json()["result"] == 1014
    sb.set_template_status(20, "approved")
    assert requests.post(url, data=json.dumps(body), timeout=5).json()["result"] == 0


def test_lenient_mode_refuses_a_template_set_not_approved_too():
    with Sandbox() as sandbox:
        sandbox.set_template_status(33, "reviewing")
        answer = cloud(
            sandbox,
            "SendSms",
            {
                "PhoneNumberSet": ["+8613711112222"],
                "SmsSdkAppId": sandbox.account.sdk_app_id,
                "TemplateId": "33",
                "SignName": "腾讯云",
                "TemplateParamSet": ["1"],
            },
        )
        assert (
            answer["Response"]["Error"]["Code"] == "FailedOperation.TemplateIncorrectOrUnapproved"
        )


# Control API and command line -----------------------------------------------------------------


def test_the_control_api_sets_a_status_and_adds_signatures(sb):
    url = sb.cloud_endpoint + "/_sandbox/"
    ok = requests.post(
        url + "templates/status", json={"tpl_id": 19, "status": "rejected", "reply": "x"}, timeout=5
    )
    assert ok.json() == {"ok": True}
    assert sb.state.templates.review(19).status == "rejected"
    assert (
        requests.post(url + "signs", json={"sign_id": 4, "text": "新"}, timeout=5).status_code
        == 200
    )
    assert [s.sign_id for s in sb.state.templates.signs()] == [1, 4]
    for bad in (
        {"tpl_id": 19, "status": "nope"},
        {"tpl_id": "19", "status": "approved"},
        {"x": 1},
        [],
    ):
        assert requests.post(url + "templates/status", json=bad, timeout=5).status_code == 400
    assert (
        requests.post(url + "signs", json={"sign_id": 0, "text": "x"}, timeout=5).status_code == 400
    )


def test_the_command_line_sets_statuses():
    assert parse_template_status("19=rejected:wording") == (19, "rejected", "wording")
    assert parse_template_status("19=approved") == (19, "approved", "")
    for bad in ("19", "x=approved", "19=maybe"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_template_status(bad)


def test_a_failing_template_source_is_an_error_answer_not_a_crash():
    def broken():
        raise RuntimeError("database down")

    with Sandbox(templates=broken) as sandbox:
        assert legacy(sandbox, "get_template", {"limit": 10})["result"] == 1007
        answer = cloud(sandbox, "DescribeSmsTemplateList", {"International": 0, "Limit": 10})
        assert answer["Response"]["Error"]["Code"] == "InternalError.OtherError"
