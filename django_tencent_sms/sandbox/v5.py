"""The legacy API on the sandbox, ``/v5/tlssmssvr/<endpoint>``, and its faults.

The endpoints are ``sendsms``, ``sendmultisms2``, ``pullstatus``, ``pullstatus4mobile``
(``by_number``), and the template and signature lists ``get_template`` and ``get_sign``
(``sandbox.catalog``). Each request is recorded on the
:class:`~django_tencent_sms.sandbox.state.SandboxState`, draws the next fault, then gets
Tencent's answer from ``v5_rules``.
"""

from __future__ import annotations

import sys
from typing import Any

from django_tencent_sms.result_codes import CLOUD_EQUIVALENTS, lookup
from django_tencent_sms.sandbox.accounts import Account
from django_tencent_sms.sandbox.by_number import BY_NUMBER_ENDPOINT, evaluate_pullstatus4mobile
from django_tencent_sms.sandbox.catalog import CATALOG_ENDPOINTS, evaluate_legacy_catalog
from django_tencent_sms.sandbox.faults import delivered, transport_reply
from django_tencent_sms.sandbox.limits import FrequencyCounter, FrequencyLimits
from django_tencent_sms.sandbox.records import ReceivedRequest
from django_tencent_sms.sandbox.rules import parse_json
from django_tencent_sms.sandbox.server import HttpRequest, Reply, json_reply
from django_tencent_sms.sandbox.state import Arrival, SandboxState
from django_tencent_sms.sandbox.statistics import LEGACY_ENDPOINTS, evaluate_legacy_statistics
from django_tencent_sms.sandbox.v5_rules import (
    ENDPOINTS,
    PULL_ENDPOINT,
    Verdict,
    echo_ext,
    evaluate,
    evaluate_pullstatus,
)

__all__ = ["LEGACY_PREFIX", "LegacyApi"]

#: Where the legacy API lives: ``/v5/tlssmssvr/sendsms`` and so on.
LEGACY_PREFIX = "/v5/tlssmssvr/"

_NOT_JSON_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head>\r\n"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\r\n"
)


class LegacyApi:
    """Answers requests under :data:`LEGACY_PREFIX` for ``account``; remembers them in ``state``."""

    def __init__(self, state: SandboxState, account: Account) -> None:
        self.state = state
        self.account = account

    def handle(self, request: HttpRequest, *, verbose: bool = False) -> Reply:
        """Record ``request``, play its fault if it drew one, else answer as Tencent would.
        ``verbose``: log one line to stderr (never the sig or the app key)."""
        endpoint = request.path[len(LEGACY_PREFIX) :]
        data = parse_json(request.body)
        arrival = self.state.arrive(endpoint, request, data)
        arrival.wait_if_slow()
        reply = transport_reply(arrival.fault, _NOT_JSON_PAGE)
        result = None
        if reply is None:
            answer = self._answer(arrival, endpoint, request, data)
            reply, result = json_reply(answer), answer["result"]
        self.state.answered(arrival.record, result)
        if verbose:
            _log(request, data, arrival.record)
        return delivered(reply, arrival.fault, arrival.wake.wait)

    def _answer(
        self, arrival: Arrival, endpoint: str, request: HttpRequest, data: object
    ) -> dict[str, Any]:
        """The JSON answer: a ``result`` fault's, ``pullstatus``'s, or a send's verdict."""
        fault = arrival.fault
        if fault is not None and fault.kind == "result":
            result = CLOUD_EQUIVALENTS.get(fault.code, fault.result) if fault.code else fault.result
            errmsg = fault.errmsg or lookup(result).meaning
            return Verdict(result, errmsg, echo_ext(data)).payload()
        if endpoint in CATALOG_ENDPOINTS:
            return evaluate_legacy_catalog(
                endpoint,
                request.query,
                data,
                account=self.account,
                now=self.state.now(),
                templates=self.state.templates,
            )
        if endpoint == PULL_ENDPOINT:
            return evaluate_pullstatus(
                request.query,
                data,
                account=self.account,
                now=self.state.now(),
                center=self.state.reports,
            )
        if endpoint == BY_NUMBER_ENDPOINT:
            return evaluate_pullstatus4mobile(
                request.query,
                data,
                account=self.account,
                now=self.state.now(),
                history=self.state.history,
            )
        if endpoint in LEGACY_ENDPOINTS:  # statistics and packages
            return evaluate_legacy_statistics(
                endpoint, request.query, data, account=self.account, state=self.state
            )
        return self._send(endpoint, request, data, arrival.record.received_at).payload()

    def _send(
        self, endpoint: str, request: HttpRequest, data: object, received_at: float
    ) -> Verdict:
        templates: dict[int, str] = {}
        if endpoint in ENDPOINTS:
            try:
                templates = self.state.templates.snapshot()  # outside the lock: may query a DB
            except Exception as exc:  # a broken source must not kill the server
                print(f"[sandbox] the template source failed: {exc!r}", file=sys.stderr)
                return Verdict(1007, f"{lookup(1007).meaning}: templates unavailable")
            asked = data.get("tpl_id") if isinstance(data, dict) else None
            if self.state.templates.lenient and asked in self.state.templates.blocked():
                return Verdict(1014, f"{lookup(1014).meaning}: the template is not approved")

        def check(
            now: float, frequency: FrequencyCounter, limits: FrequencyLimits | None
        ) -> Verdict:
            return evaluate(
                endpoint,
                request.query,
                data,
                account=self.account,
                templates=templates,
                lenient=self.state.templates.lenient,
                now=now,
                received_at=received_at,
                frequency=frequency,
                limits=limits,
            )

        return self.state.send(check)


def _log(request: HttpRequest, data: object, record: ReceivedRequest) -> None:
    tel = data.get("tel") if isinstance(data, dict) else None
    to = ""
    if isinstance(tel, dict):
        to = f" to +{tel.get('nationcode')} {tel.get('mobile')}"
    elif isinstance(tel, list):
        to = f" to {len(tel)} numbers"
    outcome = f"result {record.result}" if record.result is not None else "no result"
    fault = f" (fault: {record.fault})" if record.fault else ""
    print(
        f"[sandbox] {request.method} {request.path}{to} -> {outcome}{fault}",
        file=sys.stderr,
        flush=True,
    )
