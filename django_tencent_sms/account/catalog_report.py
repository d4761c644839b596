"""What a catalog sync did: one line per template or signature, and the error that stopped it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

__all__ = [
    "CREATED",
    "NOT_LISTED",
    "UNCHANGED",
    "UPDATED",
    "CatalogChange",
    "CatalogSyncFailed",
    "SyncReport",
]

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
#: A site template whose Tencent ID Tencent did not list (deleted there, or another account's).
NOT_LISTED = "not_listed"


@dataclass(frozen=True)
class CatalogChange:
    """What the sync did to one row: ``kind`` is ``"template"`` or ``"sign"``; ``label`` the
    template's ``name`` or the signature's text; ``fields`` the fields that changed."""

    kind: str
    tencent_id: int
    label: str
    action: str
    fields: tuple[str, ...] = ()
    status: str = ""

    def __str__(self) -> str:
        what = _("template") if self.kind == "template" else _("signature")
        text = f"{what} {self.tencent_id} {self.label!r}: {self.action}"
        if self.fields:
            text += f" ({', '.join(self.fields)})"
        if self.status:
            text += f" [{self.status}]"
        return text


@dataclass
class SyncReport:
    """Everything one sync applied, in order; ``rejected`` describes the items Tencent listed
    that could not be read (and so were not applied), ``notes`` what could not be looked at."""

    changes: list[CatalogChange] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def of(self, action: str, kind: str | None = None) -> list[CatalogChange]:
        return [c for c in self.changes if c.action == action and kind in (None, c.kind)]

    @property
    def created(self) -> list[CatalogChange]:
        return self.of(CREATED)

    @property
    def updated(self) -> list[CatalogChange]:
        return self.of(UPDATED)

    @property
    def unchanged(self) -> list[CatalogChange]:
        return self.of(UNCHANGED)

    @property
    def complete(self) -> bool:
        """Whether everything Tencent listed was read and applied."""
        return not self.rejected

    def summary(self) -> str:
        return _(
            "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(rejected)d unreadable."
        ) % {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "rejected": len(self.rejected),
        }


class CatalogSyncFailed(Exception):
    """Tencent refused or did not answer a list request: the sync stopped there.

    ``error`` is the ``SmsError`` (a ``TencentSmsError`` has ``result``, ``code`` and
    ``errmsg``); ``report`` what was applied before it (that stays applied).
    """

    def __init__(self, error: Exception, report: SyncReport, step: str) -> None:
        self.error = error
        self.report = report
        self.step = step
        super().__init__(f"{step}: {error}")
