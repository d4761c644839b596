"""One POST of delivery reports or replies to a site's callback URL, and what the site answered."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["PUSH_TIMEOUT", "Push", "post_callback"]

#: Seconds a push waits for the site's answer.
PUSH_TIMEOUT = 10.0
#: Bytes of the site's answer kept.
ANSWER_LIMIT = 4096


@dataclass
class Push:
    """One POST to a callback URL."""

    #: ``"status"`` (delivery reports) or ``"reply"``.
    kind: str
    url: str
    #: The JSON body sent.
    body: Any
    #: The HTTP status answered, or ``None`` when no answer came.
    status: int | None = None
    #: Whether the site answered HTTP 200 with ``{"result": 0, …}``.
    ok: bool = False
    #: The answer's text, or what went wrong.
    answer: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "url": self.url,
            "body": self.body,
            "status": self.status,
            "ok": self.ok,
            "answer": self.answer,
        }


def _accepted(text: str) -> bool:
    """Whether a site's answer is Tencent's "received": a JSON object with ``result`` 0."""
    try:
        return bool(json.loads(text).get("result") == 0)
    except (ValueError, AttributeError):
        return False


def post_callback(kind: str, url: str, body: Any) -> Push:
    """POST ``body`` as JSON to ``url`` (http or https only) and record the answer; never raises
    for what the network or the site does."""
    push = Push(kind, url, body)
    if urlsplit(url).scheme not in ("http", "https"):
        push.answer = f"ValueError: {url!r} is not an http(s) URL"
        return push
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "TencentSmsSandbox"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=PUSH_TIMEOUT) as response:  # noqa: S310
            push.status = response.status
            push.answer = response.read(ANSWER_LIMIT).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        push.status = exc.code
        push.answer = exc.read(ANSWER_LIMIT).decode("utf-8", errors="replace")
    except (OSError, ValueError) as exc:
        push.answer = f"{type(exc).__name__}: {exc}"
    push.ok = push.status == 200 and _accepted(push.answer)
    return push
