"""Tencent Captcha on the sandbox: ``DescribeCaptchaResult`` (service captcha, 2019-07-22).

Served on the same ``POST /`` as API 3.0's SMS actions, signed with the same key pair (service
``captcha`` in the credential scope). A ticket passes when it starts with ``SANDBOX_TICKET``,
comes with ``SANDBOX_RANDSTR``, and names ``SANDBOX_CAPTCHA_APP_ID`` and its
``SANDBOX_CAPTCHA_APP_SECRET_KEY``; each ticket passes once (a replay gets Tencent's 9, "ticket
reused"). Other answers are Tencent's: 7 randstr mismatch, 15 a ticket that is not one, 16 another
app's id, 100 the wrong secret key. The tickets seen are forgotten by ``reset``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django_tencent_sms.sandbox.accounts import Account
from django_tencent_sms.sandbox.tc3_auth import authorization_refusal
from django_tencent_sms.sandbox.tc3_rules import CloudVerdict, refusal

__all__ = [
    "SANDBOX_CAPTCHA_APP_ID",
    "SANDBOX_CAPTCHA_APP_SECRET_KEY",
    "SANDBOX_RANDSTR",
    "SANDBOX_TICKET",
    "CaptchaService",
]

# Tencent's names, as in protocol.tc3.captcha (which needs Django; the sandbox does not).
CAPTCHA_ACTION = "DescribeCaptchaResult"
CAPTCHA_SERVICE = "captcha"
CAPTCHA_VERSION = "2019-07-22"
CAPTCHA_TYPE = 9

SANDBOX_CAPTCHA_APP_ID = 190000000
SANDBOX_CAPTCHA_APP_SECRET_KEY = "sandbox-captcha-app-secret-key"  # noqa: S105 - public
#: A ticket passes when it starts with this (anything may follow, so tests can make many).
SANDBOX_TICKET = "sandbox-captcha-ticket"
SANDBOX_RANDSTR = "sandbox-randstr"

#: Tencent's ``CaptchaCode`` values the sandbox answers, with their ``CaptchaMsg``.
CAPTCHA_MESSAGES = {
    1: "OK",
    7: "captcha no match",
    9: "ticket reused",
    15: "decrypt fail",
    16: "appid-ticket mismatch",
    100: "appid-secretkey-ticket mismatch",
}


@dataclass(frozen=True)
class CaptchaVerdictReply(CloudVerdict):
    """The answer to ``DescribeCaptchaResult``: a ``CaptchaCode``, or a request error."""

    captcha_code: int = 0

    @property
    def code(self) -> str:
        return self.error[0] if self.error is not None else f"CaptchaCode {self.captcha_code}"

    def payload(self) -> dict[str, Any]:
        if self.error is not None:
            return super().payload()
        return {
            "Response": {
                "CaptchaCode": self.captcha_code,
                "CaptchaMsg": CAPTCHA_MESSAGES[self.captcha_code],
                "EvilLevel": 0,
                "GetCaptchaTime": 0,
                "EvilBitmap": 0,
                "SubmitCaptchaTime": 0,
                "RequestId": self.request_id,
            }
        }


class CaptchaService:
    """Checks tickets for ``account``'s key pair; remembers the tickets that passed."""

    action = CAPTCHA_ACTION

    def __init__(self, account: Account) -> None:
        self.account = account
        self._lock = threading.Lock()
        self._used: set[str] = set()

    def reset(self) -> None:
        with self._lock:
            self._used.clear()

    def verdict(
        self,
        method: str,
        headers: Mapping[str, str],
        body: bytes,
        data: object,
        *,
        now: float,
        request_id: str,
    ) -> CloudVerdict:
        refused = authorization_refusal(
            method,
            headers,
            body,
            account=self.account,
            now=now,
            actions=(CAPTCHA_ACTION,),
            service=CAPTCHA_SERVICE,
            version=CAPTCHA_VERSION,
        )
        if refused is not None:
            return refusal(request_id, *refused)
        if not isinstance(data, dict):
            return refusal(request_id, "InvalidParameter", "the body must be a JSON object")
        problem = _field_problem(data)
        if problem is not None:
            return refusal(request_id, *problem)
        return CaptchaVerdictReply(request_id, captcha_code=self._check(data))

    def _check(self, data: dict[str, Any]) -> int:
        if data["CaptchaAppId"] != SANDBOX_CAPTCHA_APP_ID:
            return 16
        if data["AppSecretKey"] != SANDBOX_CAPTCHA_APP_SECRET_KEY:
            return 100
        ticket = data["Ticket"]
        if not ticket.startswith(SANDBOX_TICKET):
            return 15
        if data["Randstr"] != SANDBOX_RANDSTR:
            return 7
        with self._lock:
            if ticket in self._used:
                return 9
            self._used.add(ticket)
        return 1


def _field_problem(data: dict[str, Any]) -> tuple[str, str] | None:
    """The request error for missing or mistyped fields, else None."""
    for name, kind in (
        ("CaptchaType", int),
        ("Ticket", str),
        ("UserIp", str),
        ("Randstr", str),
        ("CaptchaAppId", int),
        ("AppSecretKey", str),
    ):
        value = data.get(name)
        if value is None or value == "":
            return "MissingParameter", f"{name} is required"
        if not isinstance(value, kind) or isinstance(value, bool):
            return "InvalidParameter", f"{name} must be {kind.__name__}"
    if data["CaptchaType"] != CAPTCHA_TYPE:
        return "InvalidParameterValue", f"CaptchaType must be {CAPTCHA_TYPE}"
    return None
