"""Tencent Captcha as the challenge before codes: ``OTP["CHALLENGE"] =
"django_tencent_sms.otp.captcha.verify"``.

The page shows Tencent's ``TencentCaptcha`` widget (``TJCaptcha.js`` from Tencent's CDN); its
``ticket`` and ``randstr`` come back with the request (``otp.challenge.challenge_answer``), and
``verify`` asks ``DescribeCaptchaResult`` whether they are genuine, for the client's IP.
``CaptchaCode`` 1 passes; every other code fails (``challenge_required``). Tencent unreachable, an
answer that is not one, a refused request (wrong SECRET_ID, say) raise ``CaptchaUnavailable``,
which ``require_challenge`` turns into ``challenge_unavailable``: no captcha, no code.
Settings: ``OTP["CAPTCHA_APP_ID"]``, ``["CAPTCHA_APP_SECRET_KEY"]`` (never logged or shown),
``["CAPTCHA_ENDPOINT"]``; the API 3.0 ``SECRET_ID``/``SECRET_KEY`` sign the request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from django.http import HttpRequest

from django_tencent_sms.conf import SETTING_NAME, sms_settings
from django_tencent_sms.exceptions import ConfigurationError, SmsError
from django_tencent_sms.otp.challenge import challenge_answer
from django_tencent_sms.otp.conf import (
    OTP_SETTING,
    merged_otp_settings,
    otp_settings,
    whole_number,
)
from django_tencent_sms.otp.service import client_ip
from django_tencent_sms.protocol.tc3.action import parse_endpoint
from django_tencent_sms.protocol.tc3.captcha import build_captcha_request, read_captcha_answer

__all__ = [
    "CAPTCHA_TIMEOUT",
    "TJCAPTCHA_URL",
    "VERIFIER",
    "CaptchaUnavailable",
    "captcha_problems",
    "verify",
]

logger = logging.getLogger("django_tencent_sms")

#: The dotted path that names this verifier in ``OTP["CHALLENGE"]``.
VERIFIER = "django_tencent_sms.otp.captcha.verify"
#: Tencent's widget, loaded by the shipped pages when this verifier is configured.
TJCAPTCHA_URL = "https://turing.captcha.qcloud.com/TJCaptcha.js"
#: Seconds to connect and to read Tencent's answer; a person is waiting.
CAPTCHA_TIMEOUT = (3.05, 5.0)
#: Largest answer read; Tencent's is a few hundred bytes.
MAX_ANSWER_BYTES = 65536


class CaptchaUnavailable(Exception):
    """Tencent Captcha could not say whether a ticket is genuine."""


def _unavailable(reason: str) -> CaptchaUnavailable:
    logger.warning("No code sent: %s.", reason)
    return CaptchaUnavailable(reason)


def captcha_problems(conf: dict[str, Any]) -> list[str]:
    """What keeps this verifier from working (check E052); never shows the secret key."""
    problems = []
    if not whole_number(conf.get("CAPTCHA_APP_ID")):
        problems.append(
            f"{OTP_SETTING}['CAPTCHA_APP_ID'] must be the CaptchaAppId (a whole number) from "
            "Tencent's captcha console."
        )
    key = conf.get("CAPTCHA_APP_SECRET_KEY")
    if not isinstance(key, str) or not key.strip() or key.strip() != key or "\x00" in key:
        problems.append(
            f"{OTP_SETTING}['CAPTCHA_APP_SECRET_KEY'] must be the AppSecretKey from Tencent's "
            "captcha console, without surrounding whitespace."
        )
    try:
        parse_endpoint(conf.get("CAPTCHA_ENDPOINT"))  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        problems.append(f"{OTP_SETTING}['CAPTCHA_ENDPOINT'] is not usable: {exc}.")
    for name in ("SECRET_ID", "SECRET_KEY"):
        value = getattr(sms_settings, name)
        if not isinstance(value, str) or not value:
            problems.append(
                f"{SETTING_NAME}[{name!r}] is not set: the API 3.0 key pair signs Tencent "
                "Captcha's requests."
            )
    return problems


def verify(request: HttpRequest | None, phone: str, purpose: str) -> bool:
    """Whether the request carries a genuine Tencent Captcha ticket; ``CaptchaUnavailable``
    when Tencent cannot say."""
    ticket, randstr = challenge_answer(request)
    if request is None or not ticket or not randstr:
        return False  # nothing to ask about: no request goes out
    conf = otp_settings()
    problems = captcha_problems(conf)
    if problems:
        raise ConfigurationError(problems[0])
    signed = build_captcha_request(
        ticket=ticket,
        randstr=randstr,
        user_ip=client_ip(request, conf) or "",
        app_id=conf["CAPTCHA_APP_ID"],
        app_secret_key=conf["CAPTCHA_APP_SECRET_KEY"],
        secret_id=sms_settings.SECRET_ID,
        secret_key=sms_settings.SECRET_KEY,
        endpoint=parse_endpoint(conf["CAPTCHA_ENDPOINT"]),
        now=int(time.time()),
    )
    try:
        with requests.post(
            signed.url,
            data=signed.body,
            headers=signed.headers,
            timeout=CAPTCHA_TIMEOUT,
            verify=sms_settings.CA_BUNDLE or True,
            allow_redirects=False,
            stream=True,
        ) as response:
            content = response.raw.read(MAX_ANSWER_BYTES + 1, decode_content=True)
            status = response.status_code
    except requests.RequestException as exc:
        raise _unavailable(f"Tencent Captcha did not answer ({type(exc).__name__})") from None
    if len(content) > MAX_ANSWER_BYTES:
        raise _unavailable("Tencent Captcha's answer is too large")
    try:
        verdict = read_captcha_answer(status, content)
    except SmsError as exc:
        raise _unavailable(f"Tencent Captcha refused the request ({exc})") from None
    if not verdict.ok:
        logger.info(
            "Tencent Captcha refused a ticket: CaptchaCode %s (%s), RequestId %s.",
            verdict.code,
            verdict.message[:200],
            verdict.request_id,
        )
    return verdict.ok


def widget(error_code: str | None) -> dict[str, Any] | None:
    """What the shipped pages need to show the captcha (``includes/challenge.html``), or None
    when this verifier is not the configured challenge. ``needed``: ask for it on submit (every
    time without ``CHALLENGE_AFTER``; else once the last request was refused for want of it)."""
    conf = merged_otp_settings()
    if not isinstance(conf, dict) or conf.get("CHALLENGE") not in (VERIFIER, verify):
        return None
    needed = conf.get("CHALLENGE_AFTER") is None or error_code == "challenge_required"
    return {"app_id": conf.get("CAPTCHA_APP_ID"), "script": TJCAPTCHA_URL, "needed": needed}
