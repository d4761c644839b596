"""Tencent Cloud API 3.0 on the sandbox: ``POST /`` with an ``X-TC-Action``, and its faults.

The actions are ``SendSms``, ``PullSmsSendStatus``, ``PullSmsReplyStatus``, their
per-number forms ``PullSms…StatusByPhoneNumber``, ``DescribeSmsTemplateList`` and
``DescribeSmsSignList`` (version 2021-01-11), each with a JSON body; and Tencent Captcha's
``DescribeCaptchaResult`` (``sandbox.captcha``). Each request is recorded on the
:class:`~django_tencent_sms.sandbox.state.SandboxState`, draws the next fault, then gets
Tencent's answer from ``tc3_rules`` (``by_number``, ``catalog``), always with HTTP 200.
Accepted messages are recorded like legacy ones, so ``Sandbox.messages`` and the inbox
show them.
"""

from __future__ import annotations

import json
import sys
import uuid

from django_tencent_sms.result_codes import cloud_lookup
from django_tencent_sms.sandbox.accounts import Account
from django_tencent_sms.sandbox.by_number import BY_NUMBER_ACTIONS, evaluate_cloud_by_number
from django_tencent_sms.sandbox.captcha import CaptchaService
from django_tencent_sms.sandbox.catalog import CATALOG_ACTIONS, evaluate_cloud_catalog
from django_tencent_sms.sandbox.faults import Fault, delivered, transport_reply
from django_tencent_sms.sandbox.limits import FrequencyCounter, FrequencyLimits
from django_tencent_sms.sandbox.rules import parse_json
from django_tencent_sms.sandbox.server import HttpRequest, Reply
from django_tencent_sms.sandbox.state import Arrival, SandboxState
from django_tencent_sms.sandbox.statistics import evaluate_cloud_statistics, serves
from django_tencent_sms.sandbox.tc3_auth import PULL_ACTIONS
from django_tencent_sms.sandbox.tc3_rules import (
    CODE_FOR_RESULT,
    CloudVerdict,
    NumberStatus,
    evaluate_cloud,
    evaluate_cloud_pull,
    is_text_list,
    refusal,
)

__all__ = ["CloudApi", "fault_verdict", "is_cloud_request"]

_NOT_JSON_PAGE = "<html><body>502 Bad Gateway</body></html>\n"
#: Results that concern one number: a fault with one of these is answered in SendStatusSet.
_PER_NUMBER_RESULTS = frozenset({1015, 1016, 1023, 1024, 1025, 1026})
#: Codes without a legacy number answered in SendStatusSet too: the number, or its delivery.
_PER_NUMBER_CODES = frozenset(
    {
        "FailedOperation.PhoneNumberParseFail",
        "InternalError.SendAndRecvFail",
        "InternalError.ParseBackendResponseFail",
    }
)
#: Code answered for a fault result with no API 3.0 equivalent.
_FALLBACK_CODE = "InternalError.UnknownError"


def fault_verdict(fault: Fault, data: object, request_id: str) -> CloudVerdict:
    """The answer a ``result`` fault scripts, in API 3.0 terms."""
    code = fault.code or CODE_FOR_RESULT.get(fault.result, _FALLBACK_CODE)
    info = cloud_lookup(code)
    message = fault.errmsg or info.meaning
    phones = data.get("PhoneNumberSet") if isinstance(data, dict) else None
    per_number = info.result in _PER_NUMBER_RESULTS or code in _PER_NUMBER_CODES
    if per_number and is_text_list(phones) and phones:
        statuses = tuple(NumberStatus(p, code, message) for p in phones)
        return CloudVerdict(request_id, statuses=statuses)
    return CloudVerdict(request_id, (code, message))


def _json_reply(verdict: CloudVerdict) -> Reply:
    # Exactly "application/json": Tencent's Python SDK only looks for Response.Error under that
    # content type (or text/plain).
    body = json.dumps(verdict.payload(), ensure_ascii=False).encode("utf-8")
    return Reply(200, body, "application/json")


def is_cloud_request(request: HttpRequest) -> bool:
    """Whether ``request`` is for API 3.0: path ``/`` with an ``X-TC-Action`` header."""
    return request.path == "/" and any(name.lower() == "x-tc-action" for name in request.headers)


class CloudApi:
    """Answers API 3.0 requests for ``account``, remembering them in ``state``."""

    def __init__(self, state: SandboxState, account: Account) -> None:
        self.state = state
        self.account = account
        self.captcha = CaptchaService(account)

    def handle(self, request: HttpRequest, *, verbose: bool = False) -> Reply:
        """Record ``request``, play its fault if it drew one, else answer as Tencent would.
        ``verbose``: log one line to stderr for each answered request (never a key)."""
        headers = {name.lower(): value for name, value in request.headers.items()}
        data = parse_json(request.body)
        arrival = self.state.arrive(headers.get("x-tc-action", ""), request, data)
        arrival.wait_if_slow()
        reply = transport_reply(arrival.fault, _NOT_JSON_PAGE)
        if reply is not None:
            return reply
        verdict = self._verdict(arrival, request, headers, data)
        self.state.answered(arrival.record, verdict.result, verdict.code)
        if verbose:
            _log(arrival, data, verdict)
        return delivered(_json_reply(verdict), arrival.fault, arrival.wake.wait)

    def _verdict(
        self, arrival: Arrival, request: HttpRequest, headers: dict[str, str], data: object
    ) -> CloudVerdict:
        request_id = str(uuid.uuid4())
        if arrival.fault is not None and arrival.fault.kind == "result":
            return fault_verdict(arrival.fault, data, request_id)
        if headers.get("x-tc-action") in CATALOG_ACTIONS:
            return evaluate_cloud_catalog(
                request.method,
                headers,
                request.body,
                data,
                account=self.account,
                now=self.state.now(),
                templates=self.state.templates,
                request_id=request_id,
            )
        if headers.get("x-tc-action") == self.captcha.action:
            return self.captcha.verdict(
                request.method,
                headers,
                request.body,
                data,
                now=self.state.now(),
                request_id=request_id,
            )
        if headers.get("x-tc-action") in PULL_ACTIONS:
            return evaluate_cloud_pull(
                request.method,
                headers,
                request.body,
                data,
                account=self.account,
                now=self.state.now(),
                center=self.state.reports,
                request_id=request_id,
            )
        if headers.get("x-tc-action") in BY_NUMBER_ACTIONS:
            return evaluate_cloud_by_number(
                request.method,
                headers,
                request.body,
                data,
                account=self.account,
                now=self.state.now(),
                history=self.state.history,
                request_id=request_id,
            )
        if serves(headers.get("x-tc-action", "")):  # statistics and packages
            return evaluate_cloud_statistics(
                request.method,
                headers,
                request.body,
                data,
                account=self.account,
                state=self.state,
                request_id=request_id,
            )
        try:
            templates = self.state.templates.snapshot()  # outside the lock: may query a database
        except Exception as exc:  # a broken source must not kill the server
            print(f"[sandbox] the template source failed: {exc!r}", file=sys.stderr)
            return refusal(request_id, "InternalError.OtherError", "templates unavailable")
        asked = data.get("TemplateId") if isinstance(data, dict) else None
        blocked = {str(i) for i in self.state.templates.blocked()}
        if self.state.templates.lenient and asked in blocked:
            return refusal(request_id, "FailedOperation.TemplateIncorrectOrUnapproved")

        def check(
            now: float, frequency: FrequencyCounter, limits: FrequencyLimits | None
        ) -> CloudVerdict:
            return evaluate_cloud(
                request.method,
                headers,
                request.body,
                data,
                account=self.account,
                templates=templates,
                lenient=self.state.templates.lenient,
                now=now,
                received_at=arrival.record.received_at,
                frequency=frequency,
                limits=limits,
                request_id=request_id,
            )

        return self.state.send(check)


def _log(arrival: Arrival, data: object, verdict: CloudVerdict) -> None:
    phones = data.get("PhoneNumberSet") if isinstance(data, dict) else None
    numbers: list[str] = phones if is_text_list(phones) and phones else []
    to = f" to {', '.join(numbers[:3])}" if numbers else ""
    more = f" (+{len(numbers) - 3})" if len(numbers) > 3 else ""
    fault = f" (fault: {arrival.fault_kind})" if arrival.fault_kind else ""
    print(
        f"[sandbox] POST / {arrival.record.endpoint}{to}{more} -> {verdict.code}{fault}",
        file=sys.stderr,
        flush=True,
    )
