"""Setting Tencent's review of templates and signatures from outside: control API and CLI.

``POST /_sandbox/templates/status`` ``{"tpl_id": 19, "status": "rejected", "reply"?: …,
"name"?: …, "international"?: 0|1|3}`` · ``POST /_sandbox/signs`` ``{"sign_id": 2, "text": …,
"status"?: …, "reply"?: …}`` · the command line's ``--template-status 19=rejected:reason``
and ``--template-kind 19=verification``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Protocol, TypeGuard

from django_tencent_sms.sandbox.server import HttpRequest, Reply, json_reply
from django_tencent_sms.sandbox.templates import REVIEW_STATUSES, TEMPLATE_KINDS

__all__ = [
    "CatalogControlled",
    "parse_template_kind",
    "parse_template_status",
    "set_sign",
    "set_template_status",
]


class CatalogControlled(Protocol):
    def set_template_status(
        self,
        tpl_id: int,
        status: str,
        *,
        reply: str | None = None,
        name: str | None = None,
        international: int | None = None,
    ) -> None: ...

    def add_sign(
        self, sign_id: int, text: str, status: str = "approved", *, reply: str = ""
    ) -> None: ...


def _body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body.decode("utf-8") or "{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _bad(text: str) -> Reply:
    return json_reply({"error": text}, status=400)


def _is_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def set_template_status(sandbox: CatalogControlled, request: HttpRequest) -> Reply:
    data = _body(request)
    if data is None:
        return _bad("the body must be a JSON object")
    unknown = set(data) - {"tpl_id", "status", "reply", "name", "international"}
    if unknown:
        return _bad(f"unknown fields: {', '.join(sorted(unknown))}")
    tpl_id, status = data.get("tpl_id"), data.get("status")
    texts = [data.get(k) for k in ("reply", "name")]
    if not _is_id(tpl_id) or not isinstance(status, str):
        return _bad('expected {"tpl_id": <int>, "status": <str>, "reply"?: <str>}')
    if any(v is not None and not isinstance(v, str) for v in texts):
        return _bad("reply and name must be strings")
    try:
        sandbox.set_template_status(
            tpl_id,
            status,
            reply=texts[0],
            name=texts[1],
            international=data.get("international"),
        )
    except (TypeError, ValueError) as exc:
        return _bad(str(exc))
    return json_reply({"ok": True})


def set_sign(sandbox: CatalogControlled, request: HttpRequest) -> Reply:
    data = _body(request)
    if data is None:
        return _bad("the body must be a JSON object")
    unknown = set(data) - {"sign_id", "text", "status", "reply"}
    if unknown:
        return _bad(f"unknown fields: {', '.join(sorted(unknown))}")
    sign_id, text = data.get("sign_id"), data.get("text")
    status, reply = data.get("status", "approved"), data.get("reply", "")
    if not _is_id(sign_id) or not isinstance(text, str) or not text:
        return _bad('expected {"sign_id": <int>, "text": <str>, "status"?: <str>}')
    if not isinstance(status, str) or not isinstance(reply, str):
        return _bad("status and reply must be strings")
    try:
        sandbox.add_sign(sign_id, text, status, reply=reply)
    except (TypeError, ValueError) as exc:
        return _bad(str(exc))
    return json_reply({"ok": True})


def parse_template_status(value: str) -> tuple[int, str, str]:
    """``ID=STATUS[:REPLY]`` from the command line."""
    tpl_id, sep, rest = value.partition("=")
    status, _colon, reply = rest.partition(":")
    if not sep or not tpl_id.isdigit() or status not in REVIEW_STATUSES:
        raise argparse.ArgumentTypeError(
            f"expected ID=STATUS[:REPLY] with STATUS one of {', '.join(REVIEW_STATUSES)}, "
            f"got {value!r}"
        )
    return int(tpl_id), status, reply


def parse_template_kind(value: str) -> tuple[int, str]:
    """``ID=KIND`` from the command line: the template's type in Tencent's console."""
    tpl_id, sep, kind = value.partition("=")
    if not sep or not tpl_id.isdigit() or kind not in TEMPLATE_KINDS:
        raise argparse.ArgumentTypeError(
            f"expected ID=KIND with KIND one of {', '.join(TEMPLATE_KINDS)}, got {value!r}"
        )
    return int(tpl_id), kind
