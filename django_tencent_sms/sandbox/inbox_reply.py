"""Replying from the inbox: the form that makes a person answer (退订, say), and what became of it.

Shown on the inbox filtered by a number: a text field (退订 filled in) that posts to
``POST /_sandbox/inbox/reply``, then the replies of that number with their fate: pushed to the
site's reply callback and accepted, refused (the site's HTTP status), or waiting for a pull.
Standard library only, like the rest of the sandbox; every value is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django_tencent_sms.protocol.reports import IncomingReply
from django_tencent_sms.sandbox.pushes import Push

__all__ = [
    "MAX_REPLY_TEXT",
    "REPLY_PATH",
    "parse_reply_form",
    "render_reply_panel",
]

REPLY_PATH = "/_sandbox/inbox/reply"
#: The longest reply the form takes (Tencent's replies are SMS: a few hundred characters).
MAX_REPLY_TEXT = 1000
#: Replies listed under the form, newest first.
SHOWN_REPLIES = 10
#: What the form offers to reply.
SUGGESTED = "退订"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def parse_reply_form(body: bytes) -> tuple[str, str]:
    """``(phone, text)`` of the form's body (``application/x-www-form-urlencoded``, UTF-8);
    ``ValueError`` saying what is wrong."""
    try:
        fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=5))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the form must be UTF-8 fields: phone and text") from None
    phone, text = fields.get("phone", ""), fields.get("text", "")
    if not _digits(phone):
        raise ValueError("phone is required")
    if not text.strip():
        raise ValueError("text is required")
    if len(text) > MAX_REPLY_TEXT:
        raise ValueError(f"text is longer than {MAX_REPLY_TEXT} characters")
    return phone, text


def _local(timestamp: float) -> str:
    try:
        return datetime.fromtimestamp(timestamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return str(timestamp)


def _same_number(item: dict[str, Any], digits: str) -> bool:
    mobile = _digits(str(item.get("mobile", "")))
    international = _digits(str(item.get("nationcode", ""))) + mobile
    return digits in {mobile, international, "00" + international, "0" + mobile}


def _replies(
    digits: str, pushes: Iterable[Push], pending: Iterable[IncomingReply]
) -> list[tuple[float, str, str]]:
    """``(time, text, fate)`` of the number's replies, newest first."""
    found = []
    for push in pushes:
        if push.kind != "reply" or not isinstance(push.body, dict):
            continue
        if not _same_number(push.body, digits):
            continue
        if push.ok:
            fate = "pushed to the site: accepted (已送达网站)"
        elif push.status is not None:
            fate = f"pushed to the site: refused, HTTP {push.status}"
        else:
            fate = f"pushed to the site: no answer ({push.answer[:80]})"
        when = push.body.get("time", 0)
        text = str(push.body.get("text", ""))
        found.append((float(when) if isinstance(when, int) else 0.0, text, fate))
    for reply in pending:
        if _same_number(reply.callback_item(), digits):
            fate = "waiting for the site to pull it (等待拉取)"
            found.append((reply.replied_at.timestamp(), reply.text, fate))
    found.sort(key=lambda item: item[0], reverse=True)
    return found[:SHOWN_REPLIES]


def render_reply_panel(
    phone: str, number: str, pushes: Sequence[Push], pending: Sequence[IncomingReply]
) -> str:
    """The reply form for the number the inbox is filtered by (``phone`` as typed, ``number``
    as shown), and that number's replies."""
    back = urlencode({"phone": phone})
    parts = [
        '<section class="reply" aria-labelledby="reply-title">',
        f'<h2 id="reply-title">Reply as {_e(number)} (<span lang="zh-CN">回复</span>)</h2>',
        f'<form method="post" action="{REPLY_PATH}?{_e(back)}">',
        f'<input type="hidden" name="phone" value="{_e(phone)}">',
        '<label for="reply-text">Text (<span lang="zh-CN">内容</span>)</label>',
        f'<input type="text" id="reply-text" name="text" value="{SUGGESTED}" required '
        f'maxlength="{MAX_REPLY_TEXT}" autocomplete="off">',
        '<button type="submit">Send reply (<span lang="zh-CN">发送</span>)</button>',
        "</form>",
        '<p class="muted">As the person would: 退订 (or TD, STOP) puts the number on the '
        "site's opt-out list, and its marketing messages stop.</p>",
    ]
    replies = _replies(_digits(phone), pushes, pending)
    if replies:
        parts.append('<ul class="replies">')
        parts += [
            f"<li><time>{_e(_local(when))}</time> <q>{_e(text)}</q>: {_e(fate)}</li>"
            for when, text, fate in replies
        ]
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)
