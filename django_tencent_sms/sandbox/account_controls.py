"""The :class:`~django_tencent_sms.sandbox.Sandbox`'s controls of what Tencent keeps about the
account: its template and signature lists (their review status) and its prepaid packages
(the statistics endpoints)."""

from __future__ import annotations

from typing import Any

from django_tencent_sms.sandbox.account_figures import SandboxPackage
from django_tencent_sms.sandbox.state import SandboxState

__all__ = ["AccountControls"]


class AccountControls:
    """Mixed into ``Sandbox``, whose state it reads and changes."""

    _state: SandboxState

    # Template and signature lists (the catalog endpoints) -----------------------------------

    def set_template_status(
        self,
        tpl_id: int,
        status: str,
        *,
        reply: str | None = None,
        name: str | None = None,
        international: int | None = None,
    ) -> None:
        """Set what Tencent's template lists say of ``tpl_id``: ``approved``, ``reviewing``,
        ``approved_pending`` or ``rejected`` (with the review ``reply``). Only approved
        templates can be sent (1014 otherwise). ``ValueError`` for another status."""
        self._state.templates.set_review(
            tpl_id, status, reply=reply, name=name, international=international
        )

    def set_template_kind(self, tpl_id: int, kind: str) -> None:
        """Mark ``tpl_id`` as a ``verification``, ``notification`` or ``marketing`` template,
        its type in Tencent's console: the inbox shows a code only for verification ones."""
        self._state.templates.set_kind(tpl_id, kind)

    def template_kinds(self) -> dict[int, str]:
        """The type of each template whose type is known (``set_template_kind``,
        ``add_template(…, kind=)`` or ``Sandbox(template_kinds=…)``)."""
        return self._state.templates.kinds()

    def add_sign(
        self, sign_id: int, text: str, status: str = "approved", *, reply: str = ""
    ) -> None:
        """Add or replace a signature in Tencent's signature lists."""
        self._state.templates.add_sign(sign_id, text, status, reply=reply)

    # Prepaid packages (the statistics endpoints) --------------------------------------------

    @property
    def packages(self) -> list[SandboxPackage]:
        """The account's prepaid packages, with the units accepted messages have used."""
        return self._state.figures.packages

    def set_packages(self, packages: list[dict[str, Any]]) -> list[SandboxPackage]:
        """Replace the packages: each ``{"amount": 1000, "used"?, "kind"?, "days"?,
        "created_at"?, "effective_at"?, "expires_at"?}`` (Unix seconds; ``days`` of validity
        from now, default 365). ``ValueError`` for a bad one (then nothing changes)."""
        return self._state.figures.set_packages(packages, now=self._state.now())

    def add_package(
        self, amount: int, *, used: int = 0, days: int = 365, **fields: Any
    ) -> SandboxPackage:
        """Add a package of ``amount`` units valid ``days`` from now (see :meth:`set_packages`)."""
        package = {"amount": amount, "used": used, "days": days, **fields}
        return self._state.figures.add_package(package, now=self._state.now())
