"""The catalog sync: templates and signatures read from Tencent into ``SmsTemplate``/``SmsSign``.

``sync_catalog()`` pages through every template Tencent lists (API 3.0 once per
``International`` scope; the legacy API lists both at once), then every signature it can:
API 3.0 pages through them; the legacy ``get_sign`` only answers for IDs it is given, the
ones of the ``SmsSign`` rows plus those passed in. Each page is applied in one transaction, so
what was applied before an error stays applied and is in the error's report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db import IntegrityError, router, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from django_tencent_sms.account.catalog_report import (
    CREATED,
    NOT_LISTED,
    UNCHANGED,
    UPDATED,
    CatalogChange,
    CatalogSyncFailed,
    SyncReport,
)
from django_tencent_sms.backends import get_backend
from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.exceptions import InvalidResponse, SmsError
from django_tencent_sms.models import SmsSign, SmsTemplate
from django_tencent_sms.protocol.catalog import CatalogPage, SignInfo, TemplateInfo
from django_tencent_sms.sending.validation import MAX_TPL_ID

__all__ = ["MAX_PAGES", "guess_type", "sync_catalog", "unique_name"]

#: Pages read per list before the answer is taken for a loop (100 × 100 = 10 000 items).
MAX_PAGES = 100
#: What marks a template as one for verification codes, whose parameters are never stored.
_CODE_WORDS = re.compile(r"验证码|校验码|动态码|verification|one-time|\bcode\b|\bOTP\b", re.I)
_TEMPLATE_FIELDS = ("text", "status", "review_reply", "international")
_SIGN_FIELDS = ("text", "status", "review_reply", "international")


def sync_catalog(
    backend: BaseBackend | None = None,
    *,
    sign_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> SyncReport:
    """Read every template and signature from Tencent and apply them; the report of changes.

    New templates get an ``SmsTemplate`` (active, named after Tencent's name); known ones
    (same Tencent ID) get Tencent's text, status, review reply and reach, never a new name.
    Raises ``CatalogSyncFailed`` (``error``, ``report``) when Tencent refuses or does not
    answer; ``NotImplementedError`` for a backend that cannot list (console, locmem…).
    """
    backend = backend or get_backend()
    if not backend.can_list_catalog:
        raise NotImplementedError(
            f"{type(backend).__name__} cannot read Tencent's templates and signatures: "
            "use TencentBackend or TencentCloudBackend."
        )
    now = now or timezone.now()
    report = SyncReport()
    listed: set[int] = set()
    for scope in backend.catalog_scopes:
        step = _("listing templates (International=%(scope)s)") % {"scope": scope}
        fetch = _fetcher(backend.list_templates, international=scope)
        for page in _pages(fetch, backend.catalog_page_size, report, step):
            fresh = [i for i in page.items if i.tpl_id not in listed]
            listed.update(i.tpl_id for i in page.items)
            _apply(report, page, fresh, lambda info: _apply_template(info, now), "template")
    if not any(text.startswith("template ") for text in report.rejected):
        report.changes.extend(_not_listed(listed))  # only a list read whole proves absence
    _sync_signs(backend, set(sign_ids), now, report)
    return report


def _fetcher(method: Callable[..., CatalogPage], **fixed: Any) -> Callable[..., CatalogPage]:
    def fetch(**kwargs: Any) -> CatalogPage:
        return method(**fixed, **kwargs)

    return fetch


def _pages(
    fetch: Callable[..., CatalogPage], size: int, report: SyncReport, step: str
) -> Iterator[CatalogPage]:
    """Every page from offset 0 until one is short (or ``total`` is reached)."""
    offset = 0
    for _number in range(MAX_PAGES):
        page = _call(fetch, report, step, offset=offset, limit=size)
        yield page
        offset += page.size
        if page.size < size or (page.total is not None and offset >= page.total):
            return
    error = InvalidResponse(f"More than {MAX_PAGES} full pages: the answer does not end")
    raise CatalogSyncFailed(error, report, step)


def _call(
    fetch: Callable[..., CatalogPage], report: SyncReport, step: str, **kw: Any
) -> CatalogPage:
    try:
        return fetch(**kw)
    except SmsError as exc:
        raise CatalogSyncFailed(exc, report, step) from exc


def _apply(
    report: SyncReport,
    page: CatalogPage,
    items: list[Any],
    apply: Callable[[Any], list[CatalogChange]],
    kind: str,
) -> None:
    """Apply ``items`` in one transaction; the report learns of them once it is committed."""
    changes: list[CatalogChange] = []
    rejected = [f"{kind} {text}" for text in page.rejected]
    with transaction.atomic(using=_db()):
        for item in items:
            if kind == "template" and item.tpl_id > MAX_TPL_ID:
                rejected.append(f"template {item.tpl_id}: the ID is too large to store")
                continue
            changes.extend(apply(item))
    report.changes.extend(changes)
    report.rejected.extend(rejected)


def _db() -> str:
    return router.db_for_write(SmsTemplate)


def guess_type(info: TemplateInfo) -> str:
    """The ``SmsTemplate.Type`` of a template new to the site: marketing when the legacy API
    says so, verification when its text speaks of a code (so its parameters are never stored
    in clear), else notification. Editable afterwards in the admin."""
    if info.kind == 1:
        return SmsTemplate.Type.MARKETING
    if _CODE_WORDS.search(info.text) or _CODE_WORDS.search(info.name):
        return SmsTemplate.Type.VERIFICATION
    return SmsTemplate.Type.NOTIFICATION


def unique_name(base_text: str, tpl_id: int) -> Iterator[str]:
    """Candidate names for a new template: the slug of Tencent's name, then with ``-<id>``,
    then ``-<id>-2``, ``-<id>-3``…"""
    base = slugify(base_text)[:80].strip("-_") or "template"
    yield base
    yield f"{base}-{tpl_id}"
    number = 2
    while True:
        yield f"{base}-{tpl_id}-{number}"
        number += 1


def _apply_template(info: TemplateInfo, now: datetime) -> list[CatalogChange]:
    values = {
        "text": info.text,
        "status": info.status,
        "review_reply": info.review_reply,
        "international": info.international,
    }
    rows = list(SmsTemplate.objects.filter(tpl_id=info.tpl_id).order_by("pk"))
    if not rows:
        return [_create_template(info, values, now)]
    changes = []
    for row in rows:
        changed = [name for name in _TEMPLATE_FIELDS if getattr(row, name) != values[name]]
        for name in changed:
            setattr(row, name, values[name])
        row.synced_at = now
        row.save(update_fields=[*changed, "synced_at", "updated_at"])
        action = UPDATED if changed else UNCHANGED
        changes.append(
            CatalogChange("template", info.tpl_id, row.name, action, tuple(changed), info.status)
        )
    return changes


def _create_template(info: TemplateInfo, values: dict[str, Any], now: datetime) -> CatalogChange:
    for name in unique_name(info.name, info.tpl_id):
        if SmsTemplate.objects.filter(name=name).exists():
            continue
        try:
            with transaction.atomic(using=_db()):
                SmsTemplate.objects.create(
                    name=name,
                    tpl_id=info.tpl_id,
                    type=guess_type(info),
                    synced_at=now,
                    **values,
                )
        except IntegrityError:  # taken meanwhile by another process
            continue
        return CatalogChange("template", info.tpl_id, name, CREATED, (), info.status)
    raise AssertionError("unreachable")  # pragma: no cover - unique_name never ends


def _not_listed(listed: set[int]) -> list[CatalogChange]:
    rows = SmsTemplate.objects.exclude(tpl_id__in=listed).order_by("name")
    return [
        CatalogChange("template", row.tpl_id, row.name, NOT_LISTED, (), row.status)
        for row in rows.only("name", "tpl_id", "status")
    ]


def _sync_signs(backend: BaseBackend, extra: set[int], now: datetime, report: SyncReport) -> None:
    known = set(SmsSign.objects.values_list("sign_id", flat=True)) | extra
    size = backend.catalog_page_size
    seen: set[int] = set()
    paging = backend.can_page_signs
    for scope in backend.catalog_scopes:
        step = _("listing signatures (International=%(scope)s)") % {"scope": scope}
        if paging:
            try:
                _apply_sign_pages(
                    _pages(_fetcher(backend.list_signs, international=scope), size, report, step),
                    seen,
                    now,
                    report,
                )
                continue
            except CatalogSyncFailed as exc:
                if not _paging_refused(exc, report):
                    raise
                paging = False  # an account on the older API: IDs only, as the legacy one
        if known:
            _apply_sign_pages(
                _pages_by_id(backend, sorted(known), size, report, step), seen, now, report
            )
    if not paging and not known:
        report.notes.append(
            _(
                "Signatures can be listed only by their IDs here, and none is known: "
                "pass --sign-id (the IDs shown in Tencent's console)."
            )
        )


def _apply_sign_pages(
    pages: Iterable[CatalogPage], seen: set[int], now: datetime, report: SyncReport
) -> None:
    for page in pages:
        fresh = [i for i in page.items if i.sign_id not in seen]
        seen.update(i.sign_id for i in page.items)
        _apply(report, page, fresh, lambda info: [_apply_sign(info, now)], "sign")


def _paging_refused(exc: CatalogSyncFailed, report: SyncReport) -> bool:
    """Whether Tencent refused to page through signatures as such: its documentation of
    ``DescribeSmsSignList`` long required ``SignIdSet``; the current SDK adds ``Limit``."""
    code = getattr(exc.error, "code", None) or ""
    if not code.startswith(("MissingParameter", "InvalidParameter", "UnknownParameter")):
        return False
    report.notes.append(
        _("Tencent would not page through signatures (%(code)s): only known IDs were read.")
        % {"code": code}
    )
    return True


def _pages_by_id(
    backend: BaseBackend, ids: list[int], size: int, report: SyncReport, step: str
) -> Iterator[CatalogPage]:
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        yield _call(backend.list_signs, report, step, sign_ids=chunk)


def _apply_sign(info: SignInfo, now: datetime) -> CatalogChange:
    values = {
        "text": info.text,
        "status": info.status,
        "review_reply": info.review_reply,
        "international": info.international,
    }
    row = SmsSign.objects.filter(sign_id=info.sign_id).first()
    if row is None:
        SmsSign.objects.create(sign_id=info.sign_id, synced_at=now, **values)
        return CatalogChange("sign", info.sign_id, info.text, CREATED, (), info.status)
    changed = [name for name in _SIGN_FIELDS if getattr(row, name) != values[name]]
    for name in changed:
        setattr(row, name, values[name])
    row.synced_at = now
    row.save(update_fields=[*changed, "synced_at"])
    action = UPDATED if changed else UNCHANGED
    return CatalogChange("sign", info.sign_id, info.text, action, tuple(changed), info.status)
