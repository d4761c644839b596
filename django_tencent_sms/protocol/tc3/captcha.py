"""Tencent Captcha's ticket check on the wire: ``DescribeCaptchaResult`` (captcha, 2019-07-22).

The page's ``TencentCaptcha`` widget hands the person a ``ticket`` and a ``randstr``; the server
asks Tencent whether they are genuine, signed with TC3-HMAC-SHA256 (service ``captcha``) by the
API 3.0 key pair. The body carries the captcha app's ``AppSecretKey``, so the request's ``repr``
shows only its size (``SignedRequest``). Pure: the time is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from django_tencent_sms.exceptions import InvalidResponse
from django_tencent_sms.protocol.tc3.action import (
    Endpoint,
    SignedRequest,
    read_answer,
    sign_action,
    string,
)

__all__ = [
    "CAPTCHA_ACTION",
    "CAPTCHA_OK",
    "CAPTCHA_SERVICE",
    "CAPTCHA_TYPE",
    "CAPTCHA_VERSION",
    "DEFAULT_CAPTCHA_ENDPOINT",
    "CaptchaVerdict",
    "build_captcha_request",
    "read_captcha_answer",
]

CAPTCHA_ACTION = "DescribeCaptchaResult"
CAPTCHA_SERVICE = "captcha"
CAPTCHA_VERSION = "2019-07-22"
DEFAULT_CAPTCHA_ENDPOINT = "captcha.tencentcloudapi.com"
#: ``CaptchaType``: Tencent's documentation says to send 9, always.
CAPTCHA_TYPE = 9
#: ``CaptchaCode`` of a genuine ticket; every other code (7 randstr mismatch, 8 expired,
#: 9 reused, 15 undecryptable, 16 another app's, 21 risky, 100 wrong key…) is a failure.
CAPTCHA_OK = 1


@dataclass(frozen=True)
class CaptchaVerdict:
    """Tencent's word on one ticket."""

    code: int
    message: str
    request_id: str

    @property
    def ok(self) -> bool:
        return self.code == CAPTCHA_OK


def build_captcha_request(
    *,
    ticket: str,
    randstr: str,
    user_ip: str,
    app_id: int,
    app_secret_key: str,
    secret_id: str,
    secret_key: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    """The signed ``DescribeCaptchaResult`` request for ``ticket`` and ``randstr``, as seen from
    ``user_ip``, at Unix time ``now``."""
    data = {
        "CaptchaType": CAPTCHA_TYPE,
        "Ticket": ticket,
        "UserIp": user_ip,
        "Randstr": randstr,
        "CaptchaAppId": app_id,
        "AppSecretKey": app_secret_key,
    }
    return sign_action(
        CAPTCHA_ACTION,
        data,
        secret_id=secret_id,
        secret_key=secret_key,
        endpoint=endpoint,
        now=now,
        service=CAPTCHA_SERVICE,
        version=CAPTCHA_VERSION,
        region=None,
    )


def read_captcha_answer(status: int, content: bytes) -> CaptchaVerdict:
    """Tencent's answer as a ``CaptchaVerdict``; raises as ``read_answer`` does for a refused
    request (bad signature, wrong parameters), and ``InvalidResponse`` without ``CaptchaCode``."""
    answer = read_answer(status, content)
    code = answer.response.get("CaptchaCode")
    if not isinstance(code, int) or isinstance(code, bool):
        raise InvalidResponse("Tencent Captcha's answer has no 'CaptchaCode'", answer.text)
    return CaptchaVerdict(code, string(answer.response.get("CaptchaMsg")), answer.request_id)
