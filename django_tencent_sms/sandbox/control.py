"""The HTTP control API under ``/_sandbox/``, for processes that cannot call the Python API.

``GET messages`` (newest first, as the inbox lists them; ``?phone=`` filters) · ``GET
requests`` · ``POST reset`` · ``POST faults`` · ``POST templates`` (``{"tpl_id", "text",
"kind"?}``: ``kind`` ``verification``, ``notification`` or ``marketing``) · ``POST
templates/status`` · ``POST signs`` · ``GET inbox`` (an HTML
page; ``?phone=``) · ``POST inbox/clear`` · ``POST inbox/reply`` (the inbox's reply form:
``phone`` and ``text``, form-encoded) ·
``POST reply`` (a person answers: ``{"phone", "text", "sign"?, "extend"?}``) · ``GET reports``
(pending delivery reports and replies, and the pushes made to the callbacks) · ``POST
packages`` (the prepaid packages: ``{"packages": [{"amount", "used"?, "days"?}]}``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from django_tencent_sms.protocol.reports import DeliveryReport, IncomingReply
from django_tencent_sms.sandbox.account_figures import SandboxPackage
from django_tencent_sms.sandbox.catalog_control import set_sign, set_template_status
from django_tencent_sms.sandbox.faults import HUGE_SIZE
from django_tencent_sms.sandbox.inbox import (
    INBOX_HEADERS,
    filter_messages,
    inbox_url,
    render_inbox,
    verification_code,
)
from django_tencent_sms.sandbox.inbox_reply import parse_reply_form
from django_tencent_sms.sandbox.pushes import Push
from django_tencent_sms.sandbox.records import ReceivedRequest, SandboxMessage
from django_tencent_sms.sandbox.server import HttpRequest, Reply, json_reply

__all__ = ["CONTROL_PREFIX", "Controlled", "handle_control"]

CONTROL_PREFIX = "/_sandbox/"


class Controlled(Protocol):
    """What the control API works on: the part of ``Sandbox``'s Python API it exposes."""

    @property
    def messages(self) -> list[SandboxMessage]: ...

    @property
    def requests(self) -> list[ReceivedRequest]: ...

    @property
    def reply_callback_url(self) -> str | None: ...

    @property
    def pending_reports(self) -> list[DeliveryReport]: ...

    @property
    def pending_replies(self) -> list[IncomingReply]: ...

    @property
    def pushes(self) -> list[Push]: ...

    def reset(self) -> None: ...

    def add_template(self, tpl_id: int, text: str, kind: str | None = None) -> None: ...

    def template_kinds(self) -> dict[int, str]: ...

    def fail_next(
        self,
        kind: str,
        *,
        count: int = 1,
        status: int = 500,
        delay: float = 1.0,
        result: int = 1008,
        errmsg: str | None = None,
        size: int = HUGE_SIZE,
        code: str | None = None,
    ) -> None: ...

    def reply(
        self, phone: str, text: str, *, sign: str | None = None, extend: str = ""
    ) -> IncomingReply: ...

    def set_packages(self, packages: list[dict[str, Any]]) -> list[SandboxPackage]: ...


_FAULT_FIELDS = {"kind", "count", "status", "delay", "result", "errmsg", "size", "code"}


class _Invalid(Exception):
    pass


def _object_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body.decode("utf-8") or "{}")
    except ValueError:
        raise _Invalid("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise _Invalid("the body must be a JSON object")
    return data


def _messages(sandbox: Controlled, request: HttpRequest) -> Reply:
    """Newest first, as the inbox lists them (``Sandbox.messages`` keeps arrival order);
    ``?phone=`` (any format) keeps one number's. ``kind`` is the template's type
    (``verification``, ``notification``, ``marketing``; null when not set) and ``code`` the
    first run of 4 to 10 digits in the parameters of a verification message, else null."""
    kinds = sandbox.template_kinds()
    messages = filter_messages(sandbox.messages, request.query.get("phone", ""))[::-1]
    listed = []
    for message in messages:
        kind = kinds.get(message.tpl_id, "") if message.channel == "sms" else "verification"
        code = verification_code(message, kind)
        listed.append({**message.as_json(), "kind": kind or None, "code": code})
    return json_reply(listed)


def _requests(sandbox: Controlled, request: HttpRequest) -> Reply:
    return json_reply([r.as_json() for r in sandbox.requests])


def _reset(sandbox: Controlled, request: HttpRequest) -> Reply:
    sandbox.reset()
    return json_reply({"ok": True})


def _inbox(sandbox: Controlled, request: HttpRequest) -> Reply:
    page = render_inbox(
        sandbox.messages,
        request.query.get("phone", ""),
        pushes=sandbox.pushes,
        pending_replies=sandbox.pending_replies,
        kinds=sandbox.template_kinds(),
    )
    return Reply(200, page.encode("utf-8"), "text/html; charset=utf-8", INBOX_HEADERS)


def _clear_inbox(sandbox: Controlled, request: HttpRequest) -> Reply:
    """Reset the sandbox, then back to the inbox (with the same ``?phone=``)."""
    sandbox.reset()
    location = inbox_url(request.query.get("phone", ""))
    return Reply(303, b"", "text/plain; charset=utf-8", (("Location", location),))


def _inbox_reply(sandbox: Controlled, request: HttpRequest) -> Reply:
    """The inbox's reply form: the person replies, then back to the inbox (same ``?phone=``)."""
    try:
        phone, text = parse_reply_form(request.body)
        sandbox.reply(phone, text)
    except (TypeError, ValueError) as exc:
        raise _Invalid(str(exc)) from None
    location = inbox_url(request.query.get("phone", "") or phone)
    return Reply(303, b"", "text/plain; charset=utf-8", (("Location", location),))


def _faults(sandbox: Controlled, request: HttpRequest) -> Reply:
    data = _object_body(request)
    unknown = set(data) - _FAULT_FIELDS
    if unknown:
        raise _Invalid(f"unknown fields: {', '.join(sorted(unknown))}")
    if "kind" not in data:
        raise _Invalid("kind is required")
    kind = data.pop("kind")
    try:
        sandbox.fail_next(kind, **data)
    except (TypeError, ValueError) as exc:
        raise _Invalid(str(exc)) from None
    return json_reply({"ok": True})


def _templates(sandbox: Controlled, request: HttpRequest) -> Reply:
    data = _object_body(request)
    unknown = set(data) - {"tpl_id", "text", "kind"}
    tpl_id, text, kind = data.get("tpl_id"), data.get("text"), data.get("kind")
    if isinstance(tpl_id, bool) or not isinstance(tpl_id, int) or not isinstance(text, str):
        raise _Invalid('expected {"tpl_id": <int>, "text": <str>, "kind"?: <str>}')
    if unknown:
        raise _Invalid(f"unknown fields: {', '.join(sorted(unknown))}")
    try:
        sandbox.add_template(tpl_id, text, kind)
    except ValueError as exc:
        raise _Invalid(str(exc)) from None
    except TypeError as exc:
        return json_reply({"error": str(exc)}, status=409)
    return json_reply({"ok": True})


def _reply(sandbox: Controlled, request: HttpRequest) -> Reply:
    data = _object_body(request)
    unknown = set(data) - {"phone", "text", "sign", "extend"}
    if unknown:
        raise _Invalid(f"unknown fields: {', '.join(sorted(unknown))}")
    phone, text = data.get("phone"), data.get("text")
    sign, extend = data.get("sign"), data.get("extend", "")
    if not isinstance(phone, str) or not isinstance(text, str):
        raise _Invalid('expected {"phone": <str>, "text": <str>, "sign"?: <str>, "extend"?: <str>}')
    if (sign is not None and not isinstance(sign, str)) or not isinstance(extend, str):
        raise _Invalid("sign and extend must be strings")
    try:
        reply = sandbox.reply(phone, text, sign=sign, extend=extend)
    except ValueError as exc:
        raise _Invalid(str(exc)) from None
    return json_reply(
        {"ok": True, "reply": reply.callback_item(), "pushed_to": sandbox.reply_callback_url}
    )


def _reports(sandbox: Controlled, request: HttpRequest) -> Reply:
    return json_reply(
        {
            "reports": [r.callback_item() for r in sandbox.pending_reports],
            "replies": [r.callback_item() for r in sandbox.pending_replies],
            "pushes": [p.as_json() for p in sandbox.pushes],
        }
    )


def _packages(sandbox: Controlled, request: HttpRequest) -> Reply:
    """``{"packages": [{"amount": 1000, "used"?, "days"?, …}, …]}`` replaces the prepaid
    packages; the answer lists them."""
    data = _object_body(request)
    if set(data) != {"packages"}:
        raise _Invalid('expected {"packages": [{"amount": <int>, …}, …]}')
    try:
        packages = sandbox.set_packages(data["packages"])
    except ValueError as exc:
        raise _Invalid(str(exc)) from None
    return json_reply({"ok": True, "packages": [p.as_json() for p in packages]})


_ROUTES: dict[str, tuple[str, Callable[[Controlled, HttpRequest], Reply]]] = {
    "messages": ("GET", _messages),
    "requests": ("GET", _requests),
    "reset": ("POST", _reset),
    "faults": ("POST", _faults),
    "templates": ("POST", _templates),
    "inbox": ("GET", _inbox),
    "inbox/clear": ("POST", _clear_inbox),
    "inbox/reply": ("POST", _inbox_reply),
    "reply": ("POST", _reply),
    "reports": ("GET", _reports),
    "packages": ("POST", _packages),
}


def handle_control(sandbox: Controlled, request: HttpRequest) -> Reply:
    """Answer one request under ``/_sandbox/``."""
    route = _ROUTES.get(request.path.removeprefix(CONTROL_PREFIX).strip("/"))
    if route is None:
        return json_reply({"error": "not found", "routes": sorted(_ROUTES)}, status=404)
    method, view = route
    if request.method != method:
        reply = json_reply({"error": f"use {method}"}, status=405)
        return Reply(reply.status, reply.body, reply.content_type, (("Allow", method),))
    try:
        return view(sandbox, request)
    except _Invalid as exc:
        return json_reply({"error": str(exc)}, status=400)


# Tencent's review of templates and signatures (``sandbox.catalog_control``).
_ROUTES["templates/status"] = ("POST", set_template_status)  # type: ignore[assignment]
_ROUTES["signs"] = ("POST", set_sign)  # type: ignore[assignment]
