"""Tencent's own legacy SDK (qcloudsms_py 0.1.4) against the sandbox.

What the SDK signs, the sandbox must accept; what it signs wrongly, the sandbox must refuse.
"""

from __future__ import annotations

import json

import pytest

from django_tencent_sms.sandbox import Sandbox
from tests.sandbox.helpers import sandbox_fixtures

qcloudsms_py = pytest.importorskip("qcloudsms_py")
from qcloudsms_py import SmsSingleSender  # noqa: E402
from qcloudsms_py import httpclient as sdk_httpclient  # noqa: E402
from qcloudsms_py import util as sdk_util  # noqa: E402

APP_ID = "1400000000"
APP_KEY = "5f03a35d00ee52a21327ab048186a2c4"
TEMPLATES = {19: "Your code is {1}, valid for {2} minutes."}


@pytest.fixture(autouse=True)
def sdk_json_on_python39(monkeypatch):
    # HTTPResponse.json passes encoding= to json.loads, a TypeError since Python 3.9.
    monkeypatch.setattr(
        sdk_httpclient.HTTPResponse, "json", lambda self: json.loads(self.body.decode("utf-8"))
    )


# The SDK takes time.time() itself, so the sandbox uses the real clock here.
clock, sandbox = sandbox_fixtures(now=None, sdk_app_id=APP_ID, app_key=APP_KEY, templates=TEMPLATES)


def send(sb: Sandbox, appid: str = APP_ID, appkey: str = APP_KEY) -> dict:
    return SmsSingleSender(appid, appkey).send_with_param(
        86,
        "13788888888",
        19,
        ["1234", "5"],
        sign="腾讯云",
        extend="",
        ext="",
        url=sb.url + "/sendsms",
    )


def test_the_official_sdk_is_accepted(sandbox):
    answer = send(sandbox)

    assert answer["result"] == 0, answer
    assert answer["errmsg"] == "OK"
    assert answer["fee"] == 1
    assert answer["sid"]
    [message] = sandbox.messages
    assert message.sid == answer["sid"]
    assert message.text == "【腾讯云】Your code is 1234, valid for 5 minutes."
    [request] = sandbox.requests
    assert b"\\u817e\\u8baf\\u4e91" in request.body  # the SDK escapes non-ASCII
    assert len(request.query["random"]) == 6


def test_one_changed_sig_character_is_refused(sandbox, monkeypatch):
    real = sdk_util.calculate_signature

    def one_char_off(*args, **kwargs):
        sig = real(*args, **kwargs)
        return sig[:-1] + ("0" if sig[-1] != "0" else "1")

    monkeypatch.setattr(sdk_util, "calculate_signature", one_char_off)
    answer = send(sandbox)

    assert answer["result"] == 1001
    assert sandbox.messages == []


def test_a_wrong_app_key_is_refused(sandbox):
    assert send(sandbox, appkey=APP_KEY + " ")["result"] == 1001


def test_a_wrong_sdk_app_id_is_refused(sandbox):
    assert send(sandbox, appid="1400000001")["result"] == 1019


def test_an_http_error_reaches_the_sdk_as_its_httperror(sandbox):
    sandbox.fail_next("http_error", status=503)
    with pytest.raises(sdk_httpclient.HTTPError) as excinfo:
        send(sandbox)
    assert excinfo.value.code == 503
