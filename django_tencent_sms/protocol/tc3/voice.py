"""API 3.0 voice messages (VMS 2020-09-02) ``SendCodeVoice``: the request and its answer.

Pure: the time is a parameter. The product is ``vms``, not ``sms``: its own host
(``vms.tencentcloudapi.com``), version, credential scope (``…/vms/tc3_request``) and
application (``VoiceSdkAppid``, made in the voice console). The answer is
``{"Response": {"SendStatus": {"CallId", "SessionContext"}, "RequestId"}}``; a refusal is the
usual ``Response.Error``. Fields from Tencent's ``tencentcloud-sdk-python-vms``
(``v20200902/models.py``) and cloud.tencent.com/document/product/1128/51559.
"""

from __future__ import annotations

from typing import Any

from django_tencent_sms.exceptions import InvalidResponse
from django_tencent_sms.message import SendResult
from django_tencent_sms.protocol.tc3.action import (
    Endpoint,
    SignedRequest,
    build_action_request,
    read_answer,
    string,
)
from django_tencent_sms.voice_message import VoiceCodeMessage

__all__ = [
    "ACTION",
    "DEFAULT_ENDPOINT",
    "SERVICE",
    "VERSION",
    "build_send_code_voice",
    "parse_send_code_voice_response",
]

ACTION = "SendCodeVoice"
SERVICE = "vms"
VERSION = "2020-09-02"
DEFAULT_ENDPOINT = "vms.tencentcloudapi.com"


def build_send_code_voice(
    message: VoiceCodeMessage,
    *,
    voice_sdk_app_id: str,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    """The ``SendCodeVoice`` request for ``message``, signed for ``vms`` at Unix time ``now``.
    ``message.ext`` travels as ``SessionContext`` (left out when empty)."""
    data: dict[str, Any] = {
        "CodeMessage": message.code,
        "CalledNumber": message.e164,
        "VoiceSdkAppid": str(voice_sdk_app_id),
        "PlayTimes": int(message.playtimes),
    }
    if message.ext:
        data["SessionContext"] = message.ext
    return build_action_request(
        ACTION,
        data,
        secret_id=secret_id,
        secret_key=secret_key,
        region=region,
        endpoint=endpoint,
        now=now,
        service=SERVICE,
        version=VERSION,
    )


def parse_send_code_voice_response(status: int, content: bytes) -> SendResult:
    """The ``SendResult`` of an accepted call (``sid`` is its ``CallId``), or raise: a
    ``Response.Error`` as the matching ``TencentSmsError``, anything else undocumented as
    ``InvalidResponse`` (the call may still be made)."""
    answer = read_answer(status, content)
    send_status = answer.response.get("SendStatus")
    if not isinstance(send_status, dict) or not string(send_status.get("CallId")):
        raise InvalidResponse(
            "The voice API's answer has no 'SendStatus.CallId'; the call may still be made",
            answer.text,
        )
    return SendResult(
        sid=send_status["CallId"],
        fee=None,
        errmsg="OK",
        ext=string(send_status.get("SessionContext")),
        request_id=answer.request_id,
    )
