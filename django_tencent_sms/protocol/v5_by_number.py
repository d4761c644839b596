"""The legacy ``pullstatus4mobile``: one number's delivery reports or replies over a window.

``{sig, time, type (0 reports, 1 replies), max (≤100), begin_time, end_time, nationcode,
mobile}``; the ``sig`` covers no number, although the body names one (reference §2, §4.5). The
answer is ``pullstatus``'s (``{result, errmsg, count, data}``, items in the callback shape), so
it is read by :func:`.v5.parse_pullstatus_response`. There is no separate reply endpoint
(``pullreply4mobile`` appears in no SDK nor page): replies are ``type`` 1. Pure.
"""

from __future__ import annotations

from django_tencent_sms.protocol.reports import PullBatch
from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.protocol.v5 import PULL_REPLIES, PULL_REPORTS, parse_pullstatus_response
from django_tencent_sms.protocol.v5_envelope import HttpRequest, post
from django_tencent_sms.protocol.window import check_window

__all__ = ["BY_NUMBER_ENDPOINT", "build_pullstatus4mobile", "parse_pullstatus4mobile_response"]

BY_NUMBER_ENDPOINT = "pullstatus4mobile"


def build_pullstatus4mobile(
    kind: int,
    *,
    nationcode: str,
    mobile: str,
    begin: int,
    end: int,
    limit: int,
    api_url: str,
    sdk_app_id: str,
    app_key: str,
    random: str,
    now: int,
) -> HttpRequest:
    """The ``pullstatus4mobile`` request for ``+nationcode mobile``'s delivery reports
    (``kind=PULL_REPORTS``) or replies (``PULL_REPLIES``) from ``begin`` to ``end``."""
    if kind not in (PULL_REPORTS, PULL_REPLIES):
        raise ValueError(f"pullstatus4mobile type is 0 or 1, not {kind!r}")
    check_window(begin, end, limit, name=BY_NUMBER_ENDPOINT)
    if not (nationcode.isdigit() and mobile.isdigit()):
        raise ValueError("pullstatus4mobile takes the nationcode and mobile as digits")
    body = {
        "sig": v5_signature(app_key, random, now),
        "time": int(now),
        "type": kind,
        "max": limit,
        "begin_time": begin,
        "end_time": end,
        "nationcode": nationcode,
        "mobile": mobile,
    }
    return post(api_url, BY_NUMBER_ENDPOINT, body, sdk_app_id=sdk_app_id, random=random)


def parse_pullstatus4mobile_response(status: int, content: bytes, kind: int) -> PullBatch:
    """The items of a ``pullstatus4mobile`` answer: ``pullstatus``'s shape and rules."""
    return parse_pullstatus_response(status, content, kind)
