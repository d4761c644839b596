"""Reading delivery reports and replies in both wire shapes (pure, no server)."""

import json
from datetime import datetime, timezone

import pytest

from django_tencent_sms.protocol import fields
from django_tencent_sms.protocol.callbacks import (
    load_json,
    parse_replies,
    parse_reply,
    parse_status_report,
    parse_status_reports,
)
from django_tencent_sms.protocol.reports import (
    CHINA_TIME,
    DeliveryReport,
    IncomingReply,
    MalformedReport,
    format_china_time,
)
from django_tencent_sms.protocol.tc3.pull import (
    parse_cloud_reply,
    parse_cloud_status_report,
    parse_pull_send_status_response,
)

#: Reference §5.1.
CALLBACK_ITEM = {
    "user_receive_time": "2015-10-17 08:03:04",
    "nationcode": "86",
    "mobile": "13788888888",
    "report_status": "SUCCESS",
    "errmsg": "DELIVRD",
    "description": "用户短信送达成功",
    "sid": "xxxxxxx",
}
#: Reference §5.2.
REPLY_ITEM = {
    "extend": "",
    "mobile": "13788888888",
    "nationcode": "86",
    "sign": "腾讯云",
    "text": "退订",
    "time": 1457336869,
}
REPLIED_AT = datetime.fromtimestamp(1457336869, timezone.utc)
#: Reference §8.6, ``PullSmsReplyStatusSet``.
CLOUD_REPLY_ITEM = {
    "ExtendCode": "01",
    "CountryCode": "86",
    "PhoneNumber": "+8613788888888",
    "SignName": "腾讯云",
    "ReplyContent": "1",
    "ReplyTime": 1620734188,
    "SubscriberNumber": "13788888888",
}


def test_the_documented_status_callback_reads_as_china_time():
    (report,) = parse_status_reports([CALLBACK_ITEM])
    assert report == DeliveryReport(
        sid="xxxxxxx",
        delivered=True,
        code="DELIVRD",
        description="用户短信送达成功",
        received_at=datetime(2015, 10, 17, 8, 3, 4, tzinfo=CHINA_TIME),
        nationcode="86",
        mobile="13788888888",
    )
    assert report.phone == "+8613788888888"
    assert format_china_time(report.received_at) == "2015-10-17 08:03:04"


def test_a_report_writes_itself_back_in_the_shape_it_was_read_from():
    report = parse_status_report(CALLBACK_ITEM)
    assert parse_status_report(report.callback_item()) == report
    assert report.callback_item() == CALLBACK_ITEM


def test_a_callback_is_all_or_nothing_and_names_the_bad_item():
    with pytest.raises(MalformedReport, match=r"item 1: 'sid' is missing"):
        parse_status_reports([CALLBACK_ITEM, {**CALLBACK_ITEM, "sid": None}])
    with pytest.raises(MalformedReport, match="JSON array"):
        parse_status_reports("not a batch")


def test_a_reply_callback_takes_either_shape():
    legacy, cloud = parse_replies([REPLY_ITEM, CLOUD_REPLY_ITEM])
    assert legacy == IncomingReply("86", "13788888888", "退订", REPLIED_AT, sign="腾讯云")
    assert cloud == parse_cloud_reply(CLOUD_REPLY_ITEM) == parse_reply(CLOUD_REPLY_ITEM)
    assert (cloud.phone, cloud.text, cloud.extend) == ("+8613788888888", "1", "01")
    (single,) = parse_replies(REPLY_ITEM)  # one object is a batch of one
    assert single == legacy


def test_a_cloud_reply_without_the_country_code_apart_is_split_only_for_china():
    without = {k: v for k, v in CLOUD_REPLY_ITEM.items() if k != "CountryCode"}
    assert parse_cloud_reply(without).nationcode == "86"
    with pytest.raises(MalformedReport, match="missing"):
        parse_cloud_reply({**without, "PhoneNumber": "+447400123456"})


def test_a_cloud_report_keeps_a_code_as_the_code_and_words_as_the_description():
    item = {"SerialNo": "s1", "ReportStatus": "FAIL", "Description": "UNDELIV"}
    assert parse_cloud_status_report(item).code == "UNDELIV"
    worded = parse_cloud_status_report({**item, "Description": "用户短信送达失败"})
    assert (worded.code, worded.description) == ("", "用户短信送达失败")
    assert not worded.delivered and worded.received_at is None


def test_a_pull_keeps_the_good_items_and_describes_the_bad():
    answer = {"Response": {"PullSmsSendStatusSet": [{"SerialNo": "s1", "ReportStatus": "x"}]}}
    batch = parse_pull_send_status_response(200, json.dumps(answer).encode())
    assert batch.items == () and batch.fetched == 1
    assert batch.rejected == ("item 0: 'ReportStatus' must be SUCCESS or FAIL, not 'x'",)


@pytest.mark.parametrize("body", [b"\xff", b"[NaN]", b"{"])
def test_a_body_that_is_not_json_in_utf8_is_malformed(body):
    with pytest.raises(MalformedReport, match="not JSON"):
        load_json(body)


def test_field_readers_name_the_field():
    assert fields.unix_time("1457336869", "time") == REPLIED_AT
    assert fields.china_time("", "when") is None
    assert fields.outcome(" success ", "status") is True
    with pytest.raises(MalformedReport, match="'time' must be a Unix time"):
        fields.unix_time(True, "time")
    assert fields.serial_number(" " + "x" * 128 + " ", "sid") == "x" * 128
    # As the log stores a sid Tencent answered: on one line, cut to 128 characters.
    assert fields.serial_number("a\nb\x00" + "x" * 200, "sid") == ("a\\nb\\x00" + "x" * 200)[:128]
    with pytest.raises(MalformedReport, match="'sid' is empty"):
        fields.serial_number("  ", "sid")
    with pytest.raises(MalformedReport, match="'mobile' must be a phone number's digits"):
        fields.phone_number("86", "137-1111", ("nationcode", "mobile"))
    with pytest.raises(MalformedReport, match="'extend' is longer than 32"):
        fields.extend_code("1" * 33, "extend")
    with pytest.raises(MalformedReport, match="not a JSON object"):
        fields.json_object([])
