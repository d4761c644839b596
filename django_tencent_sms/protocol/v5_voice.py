"""The legacy voice-code API, ``/v5/tlsvoicesvr/sendcvoice``: the signed request, its answer.

Pure: the time and the random value are parameters. The body is ``{tel, msg, playtimes, sig,
time, ext}``; ``sig`` has the ``&mobile=`` form of ``sendsms`` (reference §2, §4.10). The answer
is ``{result, errmsg, callid, ext}`` (Tencent's "发送语音验证码" page); no fee is reported.
"""

from __future__ import annotations

from django_tencent_sms.exceptions import InvalidResponse, TencentSmsError
from django_tencent_sms.message import SendResult
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.protocol.v5_envelope import HttpRequest, errmsg_of, post, read_result
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
    return post(
        api_url.rstrip("/"),
        SENDCVOICE,
        body,
        sdk_app_id=sdk_app_id,
        random=random,
        ensure_ascii=False,
    )


def parse_sendcvoice_response(status: int, content: bytes) -> SendResult:
    """The ``SendResult`` of an accepted call (``sid`` is Tencent's ``callid``), or the
    ``SmsError`` of the answer, as for ``sendsms``."""
    # The same envelope as sendsms: HTTP 200 with a JSON object and an integer result.
    data, text = read_result(status, content, api="The voice API")
    result = data["result"]
    errmsg = errmsg_of(data)
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
