"""The :class:`~django_tencent_sms.sandbox.Sandbox`'s controls of what Tencent keeps about the
account: its prepaid packages (the statistics endpoints)."""

from __future__ import annotations

from typing import Any

from django_tencent_sms.sandbox.account_figures import SandboxPackage
from django_tencent_sms.sandbox.state import SandboxState

__all__ = ["AccountControls"]


class AccountControls:
    """Mixed into ``Sandbox``, whose state it reads and changes."""

    _state: SandboxState

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
