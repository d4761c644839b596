"""The inbox page, ``GET /_sandbox/inbox``: the accepted messages as a phone would show them.

A development tool: numbers are shown in full. Every value is HTML-escaped (the texts come
from whoever called the API), and a Content-Security-Policy lets only this module's own inline
style and script run. Standard library only: the sandbox runs without Django.

Only a message of a verification-code template (``Templates.kinds``) or a voice-code call has a
code: a notification's "order A1234" is not one. On a narrow screen each message is a card of
labelled fields instead of a table row, so that the page never scrolls sideways.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from urllib.parse import urlencode

from django_tencent_sms.masking import display_phone
from django_tencent_sms.protocol.reports import IncomingReply
from django_tencent_sms.sandbox.inbox_reply import render_reply_panel
from django_tencent_sms.sandbox.pushes import Push
from django_tencent_sms.sandbox.records import SandboxMessage

__all__ = [
    "CLEAR_PATH",
    "INBOX_HEADERS",
    "INBOX_PATH",
    "MESSAGES_PATH",
    "filter_messages",
    "inbox_url",
    "phone_digits",
    "render_inbox",
    "verification_code",
]

INBOX_PATH = "/_sandbox/inbox"
CLEAR_PATH = "/_sandbox/inbox/clear"
MESSAGES_PATH = "/_sandbox/messages"
#: Seconds between automatic refreshes.
REFRESH_SECONDS = 3

_NON_DIGITS = re.compile(r"[^0-9]")
#: The first run of 4 to 10 digits (not part of a longer run).
_CODE = re.compile(r"(?<![0-9])[0-9]{4,10}(?![0-9])")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Hiragino Sans GB",
"Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC",sans-serif;margin:1.5rem;color:#1b1b1b;
background:#fff;line-height:1.5}
h1{font-size:1.4rem;margin:0 0 1rem}
form{display:inline-flex;gap:.5rem;align-items:center;margin:0 1rem .75rem 0;flex-wrap:wrap}
input,button{font:inherit;padding:.3rem .6rem;max-width:100%;box-sizing:border-box}
.code{border:2px solid #0052d9;border-radius:.5rem;padding:.75rem 1rem;margin:0 0 1rem;
background:#f0f5ff}
.code h2,.reply h2{font-size:1rem;margin:0}
.reply{border:1px solid #999;border-radius:.5rem;padding:.75rem 1rem;margin:0 0 1rem}
.replies{margin:.25rem 0 0;padding-left:1.25rem}
.digits{font-size:2.75rem;font-weight:700;letter-spacing:.15em;
font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin-right:1rem}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border-bottom:1px solid #ccc;padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
td.text{font-size:1.05rem;min-width:16rem;white-space:pre-wrap;overflow-wrap:anywhere}
td.sid,td.params{overflow-wrap:anywhere}
td.num{text-align:right}
.muted{color:#595959}
.empty{font-size:1.1rem;padding:1.5rem;border:1px dashed #999;border-radius:.5rem}
@media (max-width:40rem){
body{margin:1rem}
.digits{font-size:2.25rem;letter-spacing:.1em}
table,tbody,tr,td,caption{display:block;width:auto}
td,h1,h2,p{overflow-wrap:anywhere}
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
tr{border:1px solid #ccc;border-radius:.5rem;margin:0 0 .75rem;padding:.25rem 0}
td{border:0;padding:.2rem .75rem}
td.text{min-width:0}
td.num{text-align:left}
td::before{content:attr(data-label);display:block;font-size:.85rem;font-weight:600;color:#595959}
}
""".strip()

_SCRIPT = """
(function () {
  var copy = document.getElementById("copy");
  if (copy) {
    copy.addEventListener("click", function () {
      var code = document.getElementById("code");
      var status = document.getElementById("copy-status");
      var done = function () { status.textContent = "Copied (已复制)"; };
      var fallback = function () {
        var range = document.createRange();
        range.selectNodeContents(code);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        if (document.execCommand("copy")) { done(); }
        else { status.textContent = "Selected: press Ctrl-C (已选中)"; }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(code.textContent).then(done, fallback);
      } else {
        fallback();
      }
    });
  }
  var busy = function () {
    var active = document.activeElement;
    var selection = window.getSelection();
    return (active && active.tagName === "INPUT") ||
      (selection && !selection.isCollapsed);
  };
  var refresh = function () {
    if (document.visibilityState === "visible" && !busy()) { location.reload(); }
  };
  setInterval(refresh, %d);
  document.addEventListener("visibilitychange", refresh);
})();
""".strip().replace("%d", str(REFRESH_SECONDS * 1000))


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


#: Response headers for the page: only the inline style and script above may run.
INBOX_HEADERS: tuple[tuple[str, str], ...] = (
    (
        "Content-Security-Policy",
        f"default-src 'none'; style-src {_hash(_STYLE)}; script-src {_hash(_SCRIPT)}; "
        # The page's icon is inline (``data:``): no request for /favicon.ico.
        "img-src data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def phone_digits(phone: str) -> str:
    """The digits of what a person typed as a number: ``"+86 137-1111-2222"`` → ``"86137…"``."""
    return _NON_DIGITS.sub("", phone)


def _matches(message: SandboxMessage, digits: str) -> bool:
    mobile, nationcode = phone_digits(message.mobile), phone_digits(message.nationcode)
    international = nationcode + mobile
    # 13711112222 · 8613711112222 (+86 …) · 008613711112222 · 0 + national number (trunk prefix)
    return digits in {mobile, international, "00" + international, "0" + mobile}


def filter_messages(messages: Iterable[SandboxMessage], phone: str) -> list[SandboxMessage]:
    """The messages to the number ``phone``, typed in any format; all of them when it has no
    digits. Order is kept."""
    digits = phone_digits(phone)
    if not digits:
        return list(messages)
    return [m for m in messages if _matches(m, digits)]


def verification_code(message: SandboxMessage, kind: str = "") -> str | None:
    """The code a verification message carries: the first run of 4 to 10 digits in its
    parameters. None for a message whose template's type ``kind`` is not ``"verification"``
    (a voice-code call always is one), or without such digits."""
    if kind != "verification" and message.channel != "voice":
        return None
    for param in message.params:
        match = _CODE.search(param)
        if match:
            return match.group(0)
    return None


def _number(message: SandboxMessage) -> str:
    """The number as the site's pages show it (``+86 138 0013 8000``): the inbox is for staff
    reading whole numbers."""
    return display_phone(f"+{message.nationcode}{message.mobile}", full=True)


def _when(timestamp: float) -> tuple[str, str]:
    """(ISO 8601 with offset, local ``YYYY-MM-DD HH:MM:SS``); the raw value if out of range."""
    try:
        moment = datetime.fromtimestamp(timestamp).astimezone()
    except (OverflowError, OSError, ValueError):
        return "", str(timestamp)
    return moment.isoformat(timespec="seconds"), moment.strftime("%Y-%m-%d %H:%M:%S")


def _zh(text: str) -> str:
    return f'<span lang="zh-CN">{_e(text)}</span>'


def _label(english: str, chinese: str) -> str:
    return f"{_e(english)} ({_zh(chinese)})"


def _lang(text: str) -> str:
    return ' lang="zh-CN"' if _CJK.search(text) else ""


#: The table's columns: (English, Chinese) headings, also the labels of a narrow screen's cards.
_COLUMNS = (
    ("Time", "时间"),
    ("Number", "手机号"),
    ("Text", "短信内容"),
    ("Parameters", "参数"),
    ("Template", "模板"),
    ("SID", ""),
    ("Fee", "计费条数"),
)
#: How the template column names each type.
_KIND_NAMES = {
    "verification": "verification code (验证码)",
    "notification": "notification (通知)",
    "marketing": "marketing (营销)",
}


def _cells(message: SandboxMessage, kind: str) -> tuple[tuple[str, str], ...]:
    """The (attributes, HTML content) of each of the message's cells, in ``_COLUMNS`` order."""
    iso, local = _when(message.received_at)
    when = f'<time datetime="{_e(iso)}">{_e(local)}</time>' if iso else _e(local)
    params = ", ".join(f"<code>{_e(p)}</code>" for p in message.params) or (
        '<span class="muted">none</span>'
    )
    if message.channel != "sms":
        template = _e("📞 voice code (语音验证码)")
    else:
        named = _KIND_NAMES.get(kind, "type not set")
        template = f'{_e(message.tpl_id)} <span class="muted">{_e(named)}</span>'
    return (
        ("", when),
        ("", _e(_number(message))),
        (f' class="text"{_lang(message.text)}', _e(message.text)),
        (' class="params"', params),
        (' class="template"', template),
        (' class="sid"', f"<code>{_e(message.sid)}</code>"),
        (' class="num"', _e(message.fee)),
    )


def _row(message: SandboxMessage, kind: str) -> str:
    labels = (f"{en} ({zh})" if zh else en for en, zh in _COLUMNS)
    cells = (
        f'<td{attributes} data-label="{_e(label)}">{content}</td>'
        for (attributes, content), label in zip(_cells(message, kind), labels, strict=True)
    )
    return "<tr>" + "".join(cells) + "</tr>"


def inbox_url(phone: str, path: str = INBOX_PATH) -> str:
    """``path`` with ``?phone=`` when ``phone`` has digits."""
    return f"{path}?{urlencode({'phone': phone})}" if phone_digits(phone) else path


def _no_code(newest: SandboxMessage, kind: str) -> str:
    """Why the newest message shows no code."""
    if kind == "verification" or newest.channel != "sms":
        return "The newest message to this number has no code (4–10 digits)."
    if kind:
        return (
            f"The newest message to this number has no code: template {newest.tpl_id} is a "
            f"{kind} template, and only verification-code templates carry one."
        )
    return (
        f"The newest message to this number has no code: template {newest.tpl_id} is not "
        f"marked as a verification-code template (--template-kind {newest.tpl_id}=verification, "
        "or an SmsTemplate of type “Verification code”)."
    )


def _code_panel(newest: SandboxMessage | None, phone: str, kind: str) -> str:
    who = _number(newest) if newest is not None else phone.strip()
    heading = f'<h2 id="code-title">{_label("Newest code", "最新验证码")} for {_e(who)}</h2>'
    if newest is None:
        body = '<p class="muted">Waiting for a message to this number…</p>'
    elif (code := verification_code(newest, kind)) is None:
        body = f'<p class="muted" id="no-code">{_e(_no_code(newest, kind))}</p>'
    else:
        _, local = _when(newest.received_at)
        body = (
            f'<p><output id="code" class="digits" aria-describedby="code-title">{_e(code)}</output>'
            f'<button type="button" id="copy">{_label("Copy", "复制")}</button> '
            '<span id="copy-status" role="status" aria-live="polite"></span></p>'
            f'<p class="muted">From the message received at {_e(local)}.</p>'
        )
    return f'<section class="code" aria-labelledby="code-title">{heading}{body}</section>'


def render_inbox(
    messages: Sequence[SandboxMessage],
    phone: str = "",
    *,
    pushes: Sequence[Push] = (),
    pending_replies: Sequence[IncomingReply] = (),
    kinds: Mapping[int, str] | None = None,
) -> str:
    """The inbox page: ``messages`` (oldest first, as the sandbox keeps them) newest first,
    only those to ``phone`` when it has digits, with that number's newest code on top (when
    its template is a verification one: ``kinds`` gives the templates' types) and a form to
    reply as that number (``inbox_reply``; its replies from ``pushes`` and
    ``pending_replies``)."""
    kinds = kinds or {}
    filtered = bool(phone_digits(phone))
    shown = filter_messages(messages, phone)[::-1]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Without JavaScript refresh anyway; with it, the script refreshes only when visible.
        f'<noscript><meta http-equiv="refresh" content="{REFRESH_SECONDS}"></noscript>',
        f"<title>SMS sandbox inbox ({len(shown)})</title>",
        '<link rel="icon" href="data:,">',
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<main><h1>{_label('SMS sandbox inbox', '短信收件箱')}</h1>",
        f'<form method="get" action="{INBOX_PATH}" role="search">'
        f'<label for="phone">{_label("Number", "手机号")}</label>'
        f'<input type="search" id="phone" name="phone" value="{_e(phone)}" inputmode="tel" '
        'autocomplete="off" placeholder="+86 137 1111 2222">'
        f'<button type="submit">{_label("Filter", "筛选")}</button>'
        + (f' <a href="{INBOX_PATH}">Show all</a>' if filtered else "")
        + "</form>",
        f'<form method="post" action="{_e(inbox_url(phone, CLEAR_PATH))}">'
        f'<button type="submit">{_label("Clear inbox", "清空")}</button>'
        '<span class="muted">also resets recorded requests, pending faults and frequency '
        "counts</span></form>",
    ]
    if filtered:
        newest = shown[0] if shown else None
        kind = kinds.get(newest.tpl_id, "") if newest is not None else ""
        parts.append(_code_panel(newest, phone, kind))
        number = _number(shown[0]) if shown else phone.strip()
        parts.append(render_reply_panel(phone, number, pushes, pending_replies))
    if shown:
        headers = (_label(en, zh) if zh else en for en, zh in _COLUMNS)
        parts += [
            "<table>",
            f"<caption>{len(shown)} message{'' if len(shown) == 1 else 's'}, newest first "
            f"(local time)</caption>",
            "<thead><tr>",
            *(f'<th scope="col">{h}</th>' for h in headers),
            "</tr></thead>",
            "<tbody>",
            *(_row(m, kinds.get(m.tpl_id, "")) for m in shown),
            "</tbody></table>",
        ]
    else:
        to = f" to {_e(phone.strip())}" if filtered else ""
        parts.append(
            f'<p class="empty" role="status">No messages{to} yet: send one from the site '
            f"({_zh('暂无短信')}).</p>"
        )
    parts += [
        f'<p class="muted">Refreshes every {REFRESH_SECONDS} s while visible. '
        f'JSON: <a href="{_e(inbox_url(phone, MESSAGES_PATH))}">{MESSAGES_PATH}</a>.</p>',
        "</main>",
        f"<script>{_SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
