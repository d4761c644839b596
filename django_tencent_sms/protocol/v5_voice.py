"""The legacy voice-code API, ``/v5/tlsvoicesvr/sendcvoice``: the signed request, its answer.

Pure: the time and the random value are parameters. The body is ``{tel, msg, playtimes, sig,
time, ext}``; ``sig`` has the ``&mobile=`` form of ``sendsms`` (reference §2, §4.10). The answer
is ``{result, errmsg, callid, ext}`` (Tencent's "发送语音验证码" page); no fee is reported.
"""

from __future__ import annotations

import json

from django_tencent_sms.exceptions import HTTPStatusError, InvalidResponse, TencentSmsError
from django_tencent_sms.message import SendResult
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.protocol.v5 import HttpRequest
from django_tencent_sms.voice_message import VoiceCodeMessage

__all__ = [
    "DEFAULT_VOICE_API_URL",
    "SENDCVOICE",
    "build_sendcvoice",
    "parse_sendcvoice_response",
]

SENDCVOICE = "sendcvoice"
#: Where Tencent's SDKs send voice codes (qcloudsms_py ``voice.py``: ``CodeVoiceSender``).
DEFAULT_VOICE_API_URL = "https://cloud.tim.qq.com/v5/tlsvoicesvr"


def build_sendcvoice(
    message: VoiceCodeMessage,
    *,
    api_url: str,
    sdk_app_id: str,
    app_key: str,
    random: str,
    now: int,
) -> HttpRequest:
    """The ``sendcvoice`` request for ``message``, signed at Unix time ``now``."""
    body = {
        "tel": {"nationcode": message.nationcode, "mobile": message.mobile},
        "msg": message.code,
        "playtimes": int(message.playtimes),
        "sig": v5_signature(app_key, random, now, mobiles=[message.mobile]),
        "time": int(now),
        "ext": message.ext,
    }
    url = f"{api_url.rstrip('/')}/{SENDCVOICE}?sdkappid={sdk_app_id}&random={random}"
    return HttpRequest(url, json.dumps(body, ensure_ascii=False).encode("utf-8"))


def parse_sendcvoice_response(status: int, content: bytes) -> SendResult:
    """The ``SendResult`` of an accepted call (``sid`` is Tencent's ``callid``), or the
    ``SmsError`` of the answer, as for ``sendsms``."""
    # The same envelope as sendsms: HTTP 200 with a JSON object and an integer result.
    text = content.decode("utf-8", errors="replace")
    if status != 200:
        raise HTTPStatusError(status, text)
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidResponse("The voice API answered with a body that is not JSON", text) from None
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, int) or isinstance(result, bool):
        raise InvalidResponse("The voice API's answer has no integer 'result'", text)
    errmsg = str(data.get("errmsg", data.get("msg", "")) or "")
    ext = str(data.get("ext", "") or "")
    if result != 0:
        raise TencentSmsError.for_result(result, errmsg, ext)
    callid = data.get("callid")
    if not isinstance(callid, str) or not callid:
        raise InvalidResponse(
            "The voice API accepted the call but its answer has no 'callid'; the call may "
            "still be made",
            text,
        )
    return SendResult(sid=callid, fee=None, errmsg=errmsg or "OK", ext=ext)
