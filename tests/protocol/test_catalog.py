"""Reading Tencent's template and signature lists: hostile and malformed answers give a clear
error or a described item, never a crash, on both APIs (pure: no server)."""

from __future__ import annotations

import json

import pytest

from django_tencent_sms.exceptions import HTTPStatusError, InvalidResponse, TencentSmsError
from django_tencent_sms.protocol import v5_catalog
from django_tencent_sms.protocol.tc3 import catalog as tc3_catalog
from django_tencent_sms.protocol.tc3.action import parse_endpoint

GOOD_CLOUD = {
    "TemplateId": 19,
    "International": 0,
    "StatusCode": -1,
    "ReviewReply": "r",
    "TemplateName": "n",
    "CreateTime": 1,
    "TemplateContent": "Code {1}",
}
GOOD_LEGACY = {"id": 19, "international": 0, "reply": "", "status": 1, "text": "t", "type": 1}


def cloud_answer(items) -> bytes:
    return json.dumps({"Response": {"DescribeTemplateStatusSet": items, "RequestId": "r"}}).encode()


def legacy_answer(**fields) -> bytes:
    return json.dumps({"result": 0, "msg": "", **fields}).encode()


def test_statuses_map_to_the_sites_words():
    page = tc3_catalog.parse_describe_template_list_response(
        200,
        cloud_answer(
            [
                {**GOOD_CLOUD, "StatusCode": c, "TemplateId": i}
                for i, c in enumerate([0, 1, 2, -1], 1)
            ]
        ),
    )
    assert [t.status for t in page.items] == [
        "approved",
        "reviewing",
        "approved_pending",
        "rejected",
    ]
    page = v5_catalog.parse_get_template_response(
        200, legacy_answer(total=3, data=[{**GOOD_LEGACY, "status": s} for s in (0, 1, 2)])
    )
    assert [t.status for t in page.items] == ["approved", "reviewing", "rejected"]
    assert (page.total, page.items[0].kind) == (3, 1)


@pytest.mark.parametrize(
    "bad",
    [
        {**GOOD_CLOUD, "TemplateId": "abc"},
        {**GOOD_CLOUD, "TemplateId": -3},
        {**GOOD_CLOUD, "TemplateId": True},
        {**GOOD_CLOUD, "StatusCode": 7},
        {**GOOD_CLOUD, "StatusCode": "0"},
        {**GOOD_CLOUD, "TemplateContent": "a\x00b"},
        {**GOOD_CLOUD, "TemplateContent": None},
        {**GOOD_CLOUD, "TemplateContent": "x" * 5000},
        {**GOOD_CLOUD, "TemplateName": "\x1b[31m"},
        {**GOOD_CLOUD, "International": 9},
        "not an object",
        None,
    ],
)
def test_an_item_that_does_not_read_is_described_and_the_others_kept(bad):
    page = tc3_catalog.parse_describe_template_list_response(
        200, cloud_answer([bad, {**GOOD_CLOUD, "TemplateId": 20}])
    )
    assert [t.tpl_id for t in page.items] == [20]
    assert len(page.rejected) == 1 and page.rejected[0].startswith("item 0:")
    assert page.size == 2  # a full page still counts as full


def test_a_long_review_reply_is_cut_not_refused():
    page = tc3_catalog.parse_describe_template_list_response(
        200, cloud_answer([{**GOOD_CLOUD, "ReviewReply": "r" * 5000}])
    )
    assert len(page.items[0].review_reply) == 1000


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (502, b"<html>bad gateway</html>", HTTPStatusError),
        (200, b"<html>", InvalidResponse),
        (200, b"[]", InvalidResponse),
        (
            200,
            json.dumps({"Response": {"DescribeTemplateStatusSet": {"a": 1}}}).encode(),
            InvalidResponse,
        ),
        (200, cloud_answer([GOOD_CLOUD] * 101), InvalidResponse),
        (
            200,
            json.dumps(
                {
                    "Response": {
                        "Error": {"Code": "AuthFailure.SecretIdNotFound", "Message": "m"},
                        "RequestId": "r",
                    }
                }
            ).encode(),
            TencentSmsError,
        ),
    ],
)
def test_answers_that_are_not_a_list_raise_clearly(status, body, error):
    with pytest.raises(error):
        tc3_catalog.parse_describe_template_list_response(status, body)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"nope", InvalidResponse),
        (json.dumps({"result": "0"}).encode(), InvalidResponse),
        (legacy_answer(data="x"), InvalidResponse),
        (legacy_answer(data=[GOOD_LEGACY] * 51), InvalidResponse),
        (json.dumps({"result": 1001, "msg": "sig wrong"}).encode(), TencentSmsError),
    ],
)
def test_legacy_answers_raise_clearly(body, error):
    with pytest.raises(error) as excinfo:
        v5_catalog.parse_get_template_response(200, body)
    if error is TencentSmsError:
        assert excinfo.value.result == 1001 and "sig wrong" in str(excinfo.value)


def test_signatures_read_on_both_apis():
    cloud = json.dumps(
        {
            "Response": {
                "DescribeSignListStatusSet": [
                    {"SignId": 1, "SignName": "腾讯云", "StatusCode": 0, "International": 0},
                    {"SignId": 2},
                ],
                "RequestId": "r",
            }
        }
    ).encode()
    page = tc3_catalog.parse_describe_sign_list_response(200, cloud)
    assert [(s.sign_id, s.text, s.status) for s in page.items] == [(1, "腾讯云", "approved")]
    assert len(page.rejected) == 1
    legacy = legacy_answer(data=[{"id": 3, "text": "签", "status": 2, "reply": "no"}])
    [sign] = v5_catalog.parse_get_sign_response(200, legacy).items
    assert (sign.status, sign.review_reply) == ("rejected", "no")


def test_builders_keep_to_tencents_limits():
    endpoint = parse_endpoint("sms.tencentcloudapi.com")
    signing = {
        "sdk_app_id": "1",
        "secret_id": "AKID",
        "secret_key": "k",
        "region": "ap-guangzhou",
        "endpoint": endpoint,
        "now": 1700000000,
    }
    request = tc3_catalog.build_describe_template_list(
        international=1, limit=100, offset=200, **signing
    )
    assert json.loads(request.body) == {"International": 1, "Limit": 100, "Offset": 200}
    assert request.headers["X-TC-Action"] == "DescribeSmsTemplateList"
    assert "k" not in repr(request)
    request = tc3_catalog.build_describe_sign_list(sign_ids=[1, 2], **signing)
    assert json.loads(request.body) == {"International": 0, "SignIdSet": [1, 2]}
    for bad in (
        {"limit": 101},
        {"limit": 0},
        {"offset": -1},
        {"international": 3},
        {"template_ids": list(range(1, 102))},
    ):
        with pytest.raises(ValueError):
            tc3_catalog.build_describe_template_list(**{**signing, **bad})
    legacy = {
        "api_url": "https://yun.tim.qq.com/v5/tlssmssvr",
        "sdk_app_id": "1",
        "app_key": "secret-key",
        "random": "7",
        "now": 1,
    }
    body = json.loads(v5_catalog.build_get_template(limit=50, offset=0, **legacy).body)
    assert body["tpl_page"] == {"max": 50, "offset": 0} and "secret-key" not in json.dumps(body)
    with pytest.raises(ValueError):
        v5_catalog.build_get_template(limit=51, **legacy)
    with pytest.raises(ValueError):
        v5_catalog.build_get_sign(sign_ids=[], **legacy)
