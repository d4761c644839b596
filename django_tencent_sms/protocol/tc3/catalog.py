"""API 3.0 ``DescribeSmsTemplateList`` and ``DescribeSmsSignList``: requests and answers.

Both take ``International`` (0 domestic, 1 international) and either an ID list
(``TemplateIdSet``/``SignIdSet``, at most 100) or a page (``Limit`` 1 to 100, ``Offset``). Their
answers list ``DescribeTemplateStatusSet``/``DescribeSignListStatusSet`` items with a
``StatusCode`` (0 approved, 1 under review, 2 approved but not yet in effect, -1 rejected).
Pure: the time is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django_tencent_sms.protocol.catalog import (
    CLOUD_STATUSES,
    MAX_NAME_LENGTH,
    MAX_SIGN_TEXT_LENGTH,
    MAX_TEMPLATE_TEXT_LENGTH,
    CatalogPage,
    SignInfo,
    TemplateInfo,
    id_list,
    identifier,
    json_object,
    reach,
    read_page,
    read_text,
    review_reply,
    status_of,
)
from django_tencent_sms.protocol.tc3.action import (
    Endpoint,
    SignedRequest,
    build_action_request,
    read_answer,
)

__all__ = [
    "MAX_IDS",
    "MAX_LIMIT",
    "SIGN_LIST_ACTION",
    "TEMPLATE_LIST_ACTION",
    "build_describe_sign_list",
    "build_describe_template_list",
    "parse_describe_sign_list_response",
    "parse_describe_template_list_response",
]

TEMPLATE_LIST_ACTION = "DescribeSmsTemplateList"
SIGN_LIST_ACTION = "DescribeSmsSignList"
#: The largest ``Limit``, and the most IDs in one ``TemplateIdSet``/``SignIdSet``.
MAX_LIMIT = 100
MAX_IDS = 100


def _query(
    international: int, ids: Sequence[int] | None, id_field: str, limit: int, offset: int
) -> dict[str, Any]:
    if international not in (0, 1) or isinstance(international, bool):
        raise ValueError(f"International is 0 or 1, not {international!r}")
    data: dict[str, Any] = {"International": international}
    if ids is not None:
        data[id_field] = id_list(ids, id_field, MAX_IDS)
        return data
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"Limit is 1 to {MAX_LIMIT}, not {limit!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f"Offset is a whole number, not {offset!r}")
    data["Limit"] = limit
    data["Offset"] = offset
    return data


def build_describe_template_list(
    *,
    international: int = 0,
    template_ids: Sequence[int] | None = None,
    limit: int = MAX_LIMIT,
    offset: int = 0,
    sdk_app_id: str,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    """A ``DescribeSmsTemplateList`` request: the templates ``template_ids``, or a page."""
    del sdk_app_id  # the action is per account, not per application
    return build_action_request(
        TEMPLATE_LIST_ACTION,
        _query(international, template_ids, "TemplateIdSet", limit, offset),
        secret_id=secret_id,
        secret_key=secret_key,
        region=region,
        endpoint=endpoint,
        now=now,
    )


def build_describe_sign_list(
    *,
    international: int = 0,
    sign_ids: Sequence[int] | None = None,
    limit: int = MAX_LIMIT,
    offset: int = 0,
    sdk_app_id: str,
    secret_id: str,
    secret_key: str,
    region: str,
    endpoint: Endpoint,
    now: int,
) -> SignedRequest:
    """A ``DescribeSmsSignList`` request: the signatures ``sign_ids``, or a page."""
    del sdk_app_id
    return build_action_request(
        SIGN_LIST_ACTION,
        _query(international, sign_ids, "SignIdSet", limit, offset),
        secret_id=secret_id,
        secret_key=secret_key,
        region=region,
        endpoint=endpoint,
        now=now,
    )


def _parse(
    status: int, content: bytes, name: str, read: Callable[[Any], Any], limit: int
) -> CatalogPage:
    answer = read_answer(status, content)
    entries = answer.response.get(name)
    return read_page(entries, read, name=name, limit=limit, text=answer.text[:2000])


def read_cloud_template(entry: Any) -> TemplateInfo:
    item = json_object(entry)
    return TemplateInfo(
        tpl_id=identifier(item, "TemplateId"),
        name=read_text(item, "TemplateName", max_length=MAX_NAME_LENGTH, required=False),
        text=read_text(item, "TemplateContent", max_length=MAX_TEMPLATE_TEXT_LENGTH),
        status=status_of(item, "StatusCode", CLOUD_STATUSES),
        review_reply=review_reply(item, "ReviewReply"),
        international=reach(item, "International"),
    )


def read_cloud_sign(entry: Any) -> SignInfo:
    item = json_object(entry)
    return SignInfo(
        sign_id=identifier(item, "SignId"),
        text=read_text(item, "SignName", max_length=MAX_SIGN_TEXT_LENGTH),
        status=status_of(item, "StatusCode", CLOUD_STATUSES),
        review_reply=review_reply(item, "ReviewReply"),
        international=reach(item, "International"),
    )


def parse_describe_template_list_response(
    status: int, content: bytes, *, limit: int = MAX_LIMIT
) -> CatalogPage:
    """The ``TemplateInfo``s of a ``DescribeSmsTemplateList`` answer; ``Response.Error`` raises
    its ``TencentSmsError``, an answer longer than ``limit`` items ``InvalidResponse``."""
    return _parse(status, content, "DescribeTemplateStatusSet", read_cloud_template, limit)


def parse_describe_sign_list_response(
    status: int, content: bytes, *, limit: int = MAX_LIMIT
) -> CatalogPage:
    """The ``SignInfo``s of a ``DescribeSmsSignList`` answer, as for templates."""
    return _parse(status, content, "DescribeSignListStatusSet", read_cloud_sign, limit)
