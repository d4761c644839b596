"""The legacy ``get_template`` and ``get_sign`` endpoints: signed requests and their answers.

``get_template`` takes either ``tpl_id`` (a list of IDs) or ``tpl_page`` (``{"max": 1 to 50,
"offset": n}``), never both; ``get_sign`` takes ``sign_id`` (a list of IDs) only. Their answers
name the error text ``msg`` and list ``data`` items ``{id, international, reply, status, text,
type}`` with ``status`` 0 approved, 1 pending, 2 rejected (reference §4.7, §4.8). Neither
``sig`` covers a number. Pure: the time and the random value are parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django_tencent_sms.protocol.catalog import (
    LEGACY_STATUSES,
    MAX_SIGN_TEXT_LENGTH,
    MAX_TEMPLATE_TEXT_LENGTH,
    CatalogPage,
    MalformedItem,
    SignInfo,
    TemplateInfo,
    id_list,
    identifier,
    json_object,
    reach,
    read_page,
    read_text,
    review_reply,
)
from django_tencent_sms.protocol.v5_envelope import HttpRequest, read_success, signed_request

__all__ = [
    "MAX_IDS",
    "MAX_PAGE",
    "build_get_sign",
    "build_get_template",
    "parse_get_sign_response",
    "parse_get_template_response",
]

#: The largest ``tpl_page.max``.
MAX_PAGE = 50
#: IDs asked for in one request (Tencent documents no limit; the page size is the prudent one).
MAX_IDS = 50


def build_get_template(
    *,
    template_ids: Sequence[int] | None = None,
    limit: int = MAX_PAGE,
    offset: int = 0,
    api_url: str,
    sdk_app_id: str,
    app_key: str,
    random: str,
    now: int,
) -> HttpRequest:
    """A ``get_template`` request for ``template_ids``, or for the page at ``offset``."""
    if template_ids is not None:
        fields: dict[str, Any] = {"tpl_id": id_list(template_ids, "tpl_id", MAX_IDS)}
    else:
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"tpl_page.max is 1 to {MAX_PAGE}, not {limit!r}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError(f"tpl_page.offset is a whole number, not {offset!r}")
        fields = {"tpl_page": {"max": limit, "offset": offset}}
    return signed_request(
        "get_template",
        fields,
        api_url=api_url,
        sdk_app_id=sdk_app_id,
        app_key=app_key,
        random=random,
        now=now,
    )


def build_get_sign(
    *,
    sign_ids: Sequence[int],
    api_url: str,
    sdk_app_id: str,
    app_key: str,
    random: str,
    now: int,
) -> HttpRequest:
    """A ``get_sign`` request for ``sign_ids`` (the endpoint has no paging)."""
    return signed_request(
        "get_sign",
        {"sign_id": id_list(sign_ids, "sign_id", MAX_IDS)},
        api_url=api_url,
        sdk_app_id=sdk_app_id,
        app_key=app_key,
        random=random,
        now=now,
    )


def _status(item: dict[str, Any]) -> str:
    value = item.get("status")
    if isinstance(value, bool) or value not in LEGACY_STATUSES:
        raise MalformedItem("'status' must be 0, 1 or 2")
    return LEGACY_STATUSES[value]


def read_legacy_template(entry: Any) -> TemplateInfo:
    entry = json_object(entry)
    kind = entry.get("type")
    return TemplateInfo(
        tpl_id=identifier(entry, "id"),
        name=read_text(entry, "title", max_length=200, required=False, cut=True),
        text=read_text(entry, "text", max_length=MAX_TEMPLATE_TEXT_LENGTH),
        status=_status(entry),
        review_reply=review_reply(entry, "reply"),
        international=reach(entry, "international"),
        kind=kind if isinstance(kind, int) and not isinstance(kind, bool) else None,
    )


def read_legacy_sign(entry: Any) -> SignInfo:
    entry = json_object(entry)
    return SignInfo(
        sign_id=identifier(entry, "id"),
        text=read_text(entry, "text", max_length=MAX_SIGN_TEXT_LENGTH),
        status=_status(entry),
        review_reply=review_reply(entry, "reply"),
        international=reach(entry, "international"),
    )


def _parse(status: int, content: bytes, read: Callable[[Any], Any], limit: int) -> CatalogPage:
    # These endpoints name the text of a refusal "msg".
    data, text = read_success(status, content, message=("msg", "errmsg"))
    total = data.get("total")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        total = None
    return read_page(data.get("data"), read, name="data", limit=limit, text=text, total=total)


def parse_get_template_response(
    status: int, content: bytes, *, limit: int = MAX_PAGE
) -> CatalogPage:
    """The ``TemplateInfo``s of a ``get_template`` answer, and its ``total``; ``result != 0``
    raises its ``TencentSmsError`` (with ``msg``), an answer longer than ``limit`` items
    ``InvalidResponse``."""
    return _parse(status, content, read_legacy_template, limit)


def parse_get_sign_response(status: int, content: bytes, *, limit: int = MAX_IDS) -> CatalogPage:
    """The ``SignInfo``s of a ``get_sign`` answer, as for templates."""
    return _parse(status, content, read_legacy_sign, limit)
