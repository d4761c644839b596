"""Voice codes on the sandbox: legacy ``sendcvoice`` and API 3.0 VMS ``SendCodeVoice``.

``/v5/tlsvoicesvr/sendcvoice`` is checked as Tencent does (body, ``sig`` with ``&mobile=``,
app, time, number, ``msg`` digits, ``playtimes`` 1 to 3) and answers ``{result, errmsg, callid,
ext}``; ``POST /`` with ``X-TC-Action: SendCodeVoice`` is checked as API 3.0 with service
``vms`` and version 2020-09-02 and answers ``SendStatus{CallId, SessionContext}``. Both place
calls to mainland China mobiles only, within Tencent's per-number voice limits (1 per 30 s, 2
per 10 minutes, 3 per day: reference §4.10), and record each call as a message whose text is
what the inbox shows ("📞 call: your code is 1 2 3 4"). Calls get no SMS delivery report.
"""

from __future__ import annotations

import hmac
import json
import re
import threading
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django_tencent_sms.protocol.signing import (
    tc3_canonical_request,
    tc3_date,
    tc3_signature,
    v5_signature,
)
from django_tencent_sms.result_codes import cloud_lookup, lookup
from django_tencent_sms.sandbox.accounts import Account
from django_tencent_sms.sandbox.faults import delivered, transport_reply
from django_tencent_sms.sandbox.limits import china_day
from django_tencent_sms.sandbox.records import SandboxMessage
from django_tencent_sms.sandbox.rules import NOT_JSON, is_int, is_text, parse_json, valid_number
from django_tencent_sms.sandbox.server import HttpRequest, Reply
from django_tencent_sms.sandbox.state import SandboxState

__all__ = [
    "VMS_ACTION",
    "VOICE_PREFIX",
    "VoiceApi",
    "VoiceLimits",
    "is_voice_cloud_request",
    "spoken",
]

VOICE_PREFIX = "/v5/tlsvoicesvr/"
SENDCVOICE = "sendcvoice"
VMS_ACTION = "SendCodeVoice"
VMS_VERSION = "2020-09-02"
VMS_SERVICE = "vms"
MAX_TIME_SKEW = 600
MAX_TIMESTAMP_SKEW = 300
_DIGITS = re.compile(r"[0-9]{1,10}")
_E164_CN = re.compile(r"\+86(1[0-9]{10})")
_AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<secret_id>[^/\s,]+)/(?P<date>[0-9-]{10})"
    r"/(?P<service>[a-z0-9]+)/tc3_request,\s*SignedHeaders=content-type;host,"
    r"\s*Signature=(?P<signature>[0-9a-fA-F]{64})"
)


@dataclass(frozen=True)
class VoiceLimits:
    """Calls allowed per number; ``None`` switches one off. Tencent's fixed defaults."""

    per_30s: int | None = 1
    per_10min: int | None = 2
    per_day: int | None = 3


class VoiceCounter:
    """When each number was called. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, list[float]] = defaultdict(list)

    def try_call(self, mobile: str, now: float, limits: VoiceLimits | None) -> bool:
        """Count a call to ``mobile`` at ``now`` and say True, unless a limit refuses it."""
        with self._lock:
            calls = self._calls[mobile]
            calls[:] = [t for t in calls if now - t < 2 * 86400]
            if limits is not None:
                for limit, count in (
                    (limits.per_30s, sum(1 for t in calls if now - t < 30)),
                    (limits.per_10min, sum(1 for t in calls if now - t < 600)),
                    (limits.per_day, sum(1 for t in calls if china_day(t) == china_day(now))),
                ):
                    if limit is not None and count >= limit:
                        return False
            calls.append(now)
            return True

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


def spoken(code: str) -> str:
    """What the inbox shows for a call reading ``code``."""
    return f"📞 call: your code is {' '.join(code)} (您的验证码是{code})"


def is_voice_cloud_request(request: HttpRequest) -> bool:
    """Whether ``request`` is API 3.0's ``SendCodeVoice`` (``POST /``, that ``X-TC-Action``)."""
    return request.path == "/" and any(
        name.lower() == "x-tc-action" and value == VMS_ACTION
        for name, value in request.headers.items()
    )


def _json(data: dict[str, Any], content_type: str = "application/json; charset=utf-8") -> Reply:
    return Reply(200, json.dumps(data, ensure_ascii=False).encode("utf-8"), content_type)


class VoiceApi:
    """Answers voice-code requests for ``account``; requests, faults and calls go to ``state``."""

    def __init__(self, state: SandboxState, account: Account) -> None:
        self.account = account
        self.state = state
        self._now = state.now
        self.limits: VoiceLimits | None = VoiceLimits()
        self.counter = VoiceCounter()

    def reset(self) -> None:
        self.counter.clear()

    def _call(self, nationcode: str, mobile: str, code: str, ext: str, when: int) -> str:
        call_id = str(uuid.uuid4())
        now = self._now()
        self.state.add_call(
            SandboxMessage(
                sid=call_id,
                nationcode=nationcode,
                mobile=mobile,
                tpl_id=0,
                params=[code],
                text=spoken(code),
                fee=1,
                ext=ext,
                time=when,
                received_at=now,
                channel="voice",
            )
        )
        return call_id

    # Legacy ----------------------------------------------------------------------------------

    def handle_legacy(self, request: HttpRequest) -> Reply:
        data = parse_json(request.body)
        arrival = self.state.arrive(request.path[len(VOICE_PREFIX) :], request, data)
        arrival.wait_if_slow()
        reply = transport_reply(arrival.fault, "<html><body>502 Bad Gateway</body></html>\n")
        if reply is not None:
            return reply
        ext = str(data["ext"]) if isinstance(data, dict) and is_text(data.get("ext")) else ""
        fault = arrival.fault
        answer: dict[str, Any]
        if fault is not None and fault.kind == "result":
            answer = {
                "result": fault.result,
                "errmsg": fault.errmsg or lookup(fault.result).meaning,
            }
        else:
            answer = self._legacy(request, data, ext)
        answer.setdefault("ext", ext)
        self.state.answered(arrival.record, answer["result"])
        return delivered(_json(answer), fault, arrival.wake.wait)

    def _legacy(self, request: HttpRequest, data: object, ext: str) -> dict[str, Any]:
        endpoint = request.path[len(VOICE_PREFIX) :]
        if endpoint != SENDCVOICE:
            return _v5(1011, f"{endpoint!r} is not emulated; use {SENDCVOICE}")
        if data is NOT_JSON or not isinstance(data, dict):
            return _v5(1004, "the body is not a JSON object")
        tel = data.get("tel")
        if not (
            isinstance(tel, dict) and is_text(tel.get("nationcode")) and is_text(tel.get("mobile"))
        ):
            return _v5(1004, "tel.nationcode and tel.mobile must be strings")
        msg, when, playtimes = data.get("msg"), data.get("time"), data.get("playtimes", 2)
        if not is_text(msg) or not is_int(when) or not is_int(playtimes):
            return _v5(1004, "msg must be a string, time and playtimes integers")
        if not data.get("sig"):
            return _v5(1003)
        if request.query.get("sdkappid") != self.account.sdk_app_id:
            return _v5(1019)
        now = self._now()
        if abs(when - now) > MAX_TIME_SKEW:
            return _v5(1021)
        nationcode, mobile = tel["nationcode"], tel["mobile"]
        expected = v5_signature(
            self.account.app_key, request.query.get("random", ""), when, mobiles=[mobile]
        )
        if not hmac.compare_digest(str(data["sig"]).encode("utf-8"), expected.encode("ascii")):
            return _v5(1001)
        if nationcode != "86" or not valid_number(nationcode, mobile):
            return _v5(1016, "voice codes go to mainland China mobile numbers only")
        if not _DIGITS.fullmatch(msg):
            return _v5(1018, "msg must be 1 to 10 digits")
        if not 1 <= playtimes <= 3:
            return _v5(1004, "playtimes must be 1 to 3")
        if not self.counter.try_call(mobile, now, self.limits):
            return _v5(1013, "voice limits: 1 per 30 s, 2 per 10 min, 3 per day per number")
        call_id = self._call(nationcode, mobile, msg, str(data.get("ext") or ""), when)
        return {"result": 0, "errmsg": "OK", "callid": call_id}

    # API 3.0 ---------------------------------------------------------------------------------

    def handle_cloud(self, request: HttpRequest) -> Reply:
        headers = {name.lower(): value for name, value in request.headers.items()}
        arrival = self.state.arrive(VMS_ACTION, request, parse_json(request.body))
        arrival.wait_if_slow()
        reply = transport_reply(arrival.fault, "<html><body>502 Bad Gateway</body></html>\n")
        if reply is not None:
            return reply
        fault = arrival.fault
        if fault is not None and fault.kind == "result":
            response = _error("InternalError.UpstreamError", fault.errmsg or "")
        else:
            response = self._cloud(request, headers)
        error = response.get("Error")
        code = error["Code"] if error else "Ok"
        result = 0 if error is None else cloud_lookup(code).result
        self.state.answered(arrival.record, result, code)
        response["RequestId"] = str(uuid.uuid4())
        # Exactly "application/json", as for SendSms (Tencent's SDK looks for that).
        return delivered(
            _json({"Response": response}, "application/json"), fault, arrival.wake.wait
        )

    def _cloud(self, request: HttpRequest, headers: Mapping[str, str]) -> dict[str, Any]:
        refused = self._auth_refusal(request, headers)
        if refused is not None:
            return _error(*refused)
        data = parse_json(request.body)
        if data is NOT_JSON or not isinstance(data, dict):
            return _error("FailedOperation.JsonParseFail", "the body is not a JSON object")
        code, number = data.get("CodeMessage"), data.get("CalledNumber")
        app, playtimes = data.get("VoiceSdkAppid"), data.get("PlayTimes", 2)
        context = data.get("SessionContext", "")
        if not (is_text(code) and is_text(number) and is_text(app) and is_text(context)):
            return _error("InvalidParameter", "CodeMessage, CalledNumber, VoiceSdkAppid: strings")
        if not is_int(playtimes) or not 1 <= playtimes <= 3:
            return _error("InvalidParameterValue", "PlayTimes must be 1 to 3")
        if app != self.account.voice_sdk_app_id:
            return _error("UnauthorizedOperation.VoiceSdkAppidVerifyFail")
        match = _E164_CN.fullmatch(number)
        if match is None:
            return _error("InvalidParameterValue.CalledNumberVerifyFail", "+86 mobiles only")
        if not _DIGITS.fullmatch(code):
            return _error("FailedOperation.InvalidParameters", "CodeMessage: digits only")
        now = self._now()
        if not self.counter.try_call(match[1], now, self.limits):
            return _error("LimitExceeded.DeliveryFrequencyLimit")
        call_id = self._call("86", match[1], code, context, int(now))
        return {"SendStatus": {"CallId": call_id, "SessionContext": context}}

    def _auth_refusal(
        self, request: HttpRequest, headers: Mapping[str, str]
    ) -> tuple[str, str] | None:
        if request.method != "POST":
            return "InvalidParameter", "POST only"
        if headers.get("x-tc-version", "") != VMS_VERSION:
            return "NoSuchVersion", f"SendCodeVoice is version {VMS_VERSION}"
        if not headers.get("x-tc-region", "").strip():
            return "MissingParameter", "the X-TC-Region header is missing"
        text = headers.get("x-tc-timestamp", "").strip()
        match = _AUTHORIZATION.fullmatch(headers.get("authorization", "").strip())
        if not text.isdigit() or len(text) > 18 or match is None:
            return "AuthFailure.InvalidAuthorization", ""
        timestamp = int(text)
        if abs(timestamp - self._now()) > MAX_TIMESTAMP_SKEW:
            return "AuthFailure.SignatureExpire", ""
        if not _same(match["secret_id"], self.account.secret_id):
            return "AuthFailure.SecretIdNotFound", ""
        if match["date"] != tc3_date(timestamp) or match["service"] != VMS_SERVICE:
            return "AuthFailure.SignatureFailure", "the credential scope must be …/vms/tc3_request"
        canonical = tc3_canonical_request(
            host=headers.get("host", "").strip().lower(),
            payload=request.body,
            content_type=headers.get("content-type", "").strip().lower(),
        )
        expected = tc3_signature(self.account.secret_key, timestamp, VMS_SERVICE, canonical)
        if not _same(match["signature"].lower(), expected):
            return "AuthFailure.SignatureFailure", ""
        return None


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _v5(result: int, detail: str = "") -> dict[str, Any]:
    meaning = lookup(result).meaning
    return {"result": result, "errmsg": f"{meaning}: {detail}" if detail else meaning}


def _error(code: str, detail: str = "") -> dict[str, Any]:
    meaning = cloud_lookup(code).meaning
    return {"Error": {"Code": code, "Message": f"{meaning}: {detail}" if detail else meaning}}
