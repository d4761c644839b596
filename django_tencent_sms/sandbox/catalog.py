"""Tencent's template and signature lists on the sandbox, on both APIs.

Legacy ``get_template`` (``tpl_id`` list or ``tpl_page`` with ``max`` 1 to 50, never both)
and ``get_sign`` (``sign_id`` list), answered with ``msg``; API 3.0 ``DescribeSmsTemplateList``
and ``DescribeSmsSignList`` (``International`` required, then an ID set of at most 100 or
``Limit`` 1 to 100 and ``Offset``). Items come from the sandbox's registry
(``sandbox.templates``), in ID order. Pure: the registry's contents and the time are inputs.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Mapping
from typing import Any

from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.sandbox.accounts import Account
from django_tencent_sms.sandbox.rules import NOT_JSON, is_int
from django_tencent_sms.sandbox.tc3_auth import authorization_refusal
from django_tencent_sms.sandbox.tc3_rules import CloudPullVerdict, CloudVerdict, refusal
from django_tencent_sms.sandbox.templates import Review, Templates
from django_tencent_sms.sandbox.v5_rules import MAX_TIME_SKEW
from django_tencent_sms.sandbox.v5_rules import refusal as legacy_refusal

__all__ = [
    "CATALOG_ACTIONS",
    "CATALOG_ENDPOINTS",
    "SIGN_LIST_ACTION",
    "TEMPLATE_LIST_ACTION",
    "evaluate_cloud_catalog",
    "evaluate_legacy_catalog",
]

TEMPLATE_LIST_ACTION = "DescribeSmsTemplateList"
SIGN_LIST_ACTION = "DescribeSmsSignList"
CATALOG_ACTIONS = (TEMPLATE_LIST_ACTION, SIGN_LIST_ACTION)
CATALOG_ENDPOINTS = ("get_template", "get_sign")
#: ``tpl_page.max``'s ceiling; API 3.0's ``Limit`` and ID sets'.
LEGACY_MAX_PAGE = 50
CLOUD_MAX = 100
#: API 3.0 ``StatusCode`` and legacy ``status`` of each review status.
_CLOUD_CODES = {"approved": 0, "reviewing": 1, "approved_pending": 2, "rejected": -1}
_LEGACY_CODES = {"approved": 0, "reviewing": 1, "approved_pending": 1, "rejected": 2}


def _template_rows(templates: Templates) -> list[tuple[int, str, Review]]:
    return [(i, text, templates.review(i)) for i, text in sorted(templates.everything().items())]


# Legacy --------------------------------------------------------------------------------------


def _legacy_error(code: int, detail: str = "") -> dict[str, Any]:
    verdict = legacy_refusal(code, detail)
    return {"result": verdict.result, "msg": verdict.errmsg}


def _id_list(value: object, ceiling: int) -> list[int] | None:
    if is_int(value):
        value = [value]
    if not isinstance(value, list) or not 1 <= len(value) <= ceiling:
        return None
    if not all(is_int(v) and v > 0 for v in value):
        return None
    return list(value)


def evaluate_legacy_catalog(
    endpoint: str,
    query: Mapping[str, str],
    data: object,
    *,
    account: Account,
    now: float,
    templates: Templates,
) -> dict[str, Any]:
    """The answer to ``get_template`` or ``get_sign``: the checks of every legacy endpoint in
    Tencent's order (body, ``sig``, app, time, signature over no number), then the list."""
    if data is NOT_JSON or not isinstance(data, dict):
        return _legacy_error(1004, "the body is not a JSON object")
    if not data.get("sig"):
        return _legacy_error(1003)
    if query.get("sdkappid") != account.sdk_app_id:
        return _legacy_error(1019)
    stamp = data.get("time")
    if not is_int(stamp):
        return _legacy_error(1004, "time must be an integer")
    if abs(stamp - now) > MAX_TIME_SKEW:
        return _legacy_error(1021)
    expected = v5_signature(account.app_key, query.get("random", ""), stamp)
    sig = data["sig"]
    if not isinstance(sig, str) or not hmac.compare_digest(
        sig.encode("utf-8"), expected.encode("ascii")
    ):
        return _legacy_error(1001)
    try:
        if endpoint == "get_sign":
            return _legacy_signs(data, templates)
        return _legacy_templates(data, templates)
    except Exception as exc:  # a template source that fails must not kill the server
        return _legacy_error(1007, f"templates unavailable ({type(exc).__name__})")


def _legacy_templates(data: dict[str, Any], templates: Templates) -> dict[str, Any]:
    has_ids, has_page = "tpl_id" in data, "tpl_page" in data
    if has_ids == has_page:
        return _legacy_error(1004, "give either tpl_id or tpl_page")
    rows = _template_rows(templates)
    if has_ids:
        ids = _id_list(data["tpl_id"], LEGACY_MAX_PAGE)
        if ids is None:
            return _legacy_error(1004, f"tpl_id must be 1 to {LEGACY_MAX_PAGE} template IDs")
        chosen = [row for row in rows if row[0] in set(ids)]
    else:
        page = data["tpl_page"]
        size = page.get("max") if isinstance(page, dict) else None
        offset = page.get("offset") if isinstance(page, dict) else None
        if not (is_int(size) and 1 <= size <= LEGACY_MAX_PAGE):
            return _legacy_error(1004, f"tpl_page.max must be 1 to {LEGACY_MAX_PAGE}")
        if not (is_int(offset) and offset >= 0):
            return _legacy_error(1004, "tpl_page.offset must be a whole number")
        chosen = rows[offset : offset + size]
    kinds = templates.kinds()
    items = [
        {
            "id": tpl_id,
            "international": 1 if review.international else 0,
            "reply": review.reply,
            "status": _LEGACY_CODES[review.status],
            "text": text,
            # Tencent's legacy type: 1 for marketing, 0 for the rest (verification, notification).
            "type": 1 if kinds.get(tpl_id) == "marketing" else 0,
        }
        for tpl_id, text, review in chosen
    ]
    return {"result": 0, "msg": "", "total": len(rows), "count": len(items), "data": items}


def _legacy_signs(data: dict[str, Any], templates: Templates) -> dict[str, Any]:
    ids = _id_list(data.get("sign_id"), LEGACY_MAX_PAGE)
    if ids is None:
        return _legacy_error(1004, f"sign_id must be 1 to {LEGACY_MAX_PAGE} signature IDs")
    wanted = set(ids)
    items = [
        {
            "id": sign.sign_id,
            "international": 1 if sign.review.international else 0,
            "reply": sign.review.reply,
            "status": _LEGACY_CODES[sign.review.status],
            "text": sign.text,
        }
        for sign in templates.signs()
        if sign.sign_id in wanted
    ]
    return {"result": 0, "msg": "", "count": len(items), "data": items}


# API 3.0 -------------------------------------------------------------------------------------


def evaluate_cloud_catalog(
    method: str,
    headers: Mapping[str, str],
    body: bytes,
    data: object,
    *,
    account: Account,
    now: float,
    templates: Templates,
    request_id: str = "",
) -> CloudVerdict:
    """``DescribeSmsTemplateList`` or ``DescribeSmsSignList``: the signature as for every
    action, then the parameters, then the items of the scope asked for."""
    request_id = request_id or str(uuid.uuid4())
    refused = authorization_refusal(
        method, headers, body, account=account, now=now, actions=CATALOG_ACTIONS
    )
    if refused is not None:
        return refusal(request_id, *refused)
    if data is NOT_JSON or not isinstance(data, dict):
        return refusal(request_id, "FailedOperation.FailResolvePacket", "not a JSON object")
    signs = headers.get("x-tc-action") == SIGN_LIST_ACTION
    id_field = "SignIdSet" if signs else "TemplateIdSet"
    unknown = sorted(set(data) - {"International", id_field, "Limit", "Offset"})
    if unknown:
        return refusal(request_id, "UnknownParameter", f"unknown parameter {unknown[0]!r}")
    if "International" not in data:
        return refusal(request_id, "MissingParameter", "the parameter 'International' is missing")
    scope = data["International"]
    if not is_int(scope) or scope not in (0, 1):
        return refusal(request_id, "InvalidParameterValue.InvalidInternational")
    ids: list[int] | None = None
    if data.get(id_field):
        ids = _id_list(data[id_field], CLOUD_MAX)
        if ids is None:
            return refusal(
                request_id, "InvalidParameterValue", f"{id_field} must be 1 to {CLOUD_MAX} IDs"
            )
    limit, offset = data.get("Limit", 0 if not signs else 10), data.get("Offset", 0)
    if ids is None and not (is_int(limit) and 1 <= limit <= CLOUD_MAX):
        return refusal(request_id, "InvalidParameterValue.LimitVerifyFail")
    if ids is None and not (is_int(offset) and offset >= 0):
        return refusal(request_id, "InvalidParameterValue.OffsetVerifyFail")
    if signs:
        rows: list[tuple[int, dict[str, Any]]] = [
            (s.sign_id, _cloud_sign(s.sign_id, s.text, s.review)) for s in templates.signs()
        ]
        field_name = "DescribeSignListStatusSet"
    else:
        try:
            listed = _template_rows(templates)
        except Exception as exc:  # a template source that fails must not kill the server
            return refusal(request_id, "InternalError.OtherError", type(exc).__name__)
        rows = [(i, _cloud_template(i, text, r)) for i, text, r in listed]
        field_name = "DescribeTemplateStatusSet"
    rows = [(i, item) for i, item in rows if item["International"] in (scope, 3)]
    if ids is not None:
        chosen = [item for i, item in rows if i in set(ids)]
    else:
        chosen = [item for _i, item in rows[offset : offset + limit]]
    return CloudPullVerdict(request_id, field=field_name, items=tuple(chosen))


def _cloud_template(tpl_id: int, text: str, review: Review) -> dict[str, Any]:
    return {
        "TemplateId": tpl_id,
        "International": review.international,
        "StatusCode": _CLOUD_CODES[review.status],
        "ReviewReply": review.reply,
        "TemplateName": review.name or f"template {tpl_id}",
        "CreateTime": review.created,
        "TemplateContent": text,
    }


def _cloud_sign(sign_id: int, text: str, review: Review) -> dict[str, Any]:
    return {
        "SignId": sign_id,
        "International": 1 if review.international else 0,
        "StatusCode": _CLOUD_CODES[review.status],
        "ReviewReply": review.reply,
        "SignName": text,
        "CreateTime": review.created,
        "QualificationId": 0,
        "QualificationName": "",
        "QualificationStatusCode": 0,
    }
