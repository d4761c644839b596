"""What the emulator counts for its account: every accepted message with its report, and the
prepaid packages its sends are charged to.

The statistics endpoints (``sandbox.statistics``) compute their figures from this record, so
they agree with what the sandbox really accepted and reported. Packages are configured (the
control API, the CLI's ``--package``, :meth:`AccountFigures.set_packages`); every accepted
message's fee is charged to the unexpired package that expires first, as Tencent spends them.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from django_tencent_sms.protocol.reports import DeliveryReport
from django_tencent_sms.sandbox.records import SandboxMessage

__all__ = ["AccountFigures", "SandboxPackage", "parse_package"]

#: Packages one sandbox keeps at most.
MAX_PACKAGES = 1000
_DAY = 86_400


@dataclass(frozen=True)
class SandboxPackage:
    """A prepaid package: ``amount`` units, ``used`` spent; times are Unix seconds."""

    package_id: int
    amount: int
    used: int = 0
    #: 0 a gift, 1 a purchase.
    kind: int = 1
    created_at: int = 0
    effective_at: int = 0
    expires_at: int = 0

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _whole(value: object, name: str, *, low: int = 0, high: int = 2**53) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return value


def parse_package(data: object, *, package_id: int, now: float) -> SandboxPackage:
    """A package from JSON-like ``data``: ``amount`` (required), ``used``, ``kind``, and
    ``created_at``/``effective_at``/``expires_at`` in Unix seconds or ``days`` of validity
    from ``now`` (default 365). ``ValueError`` says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError('a package is a JSON object such as {"amount": 1000}')
    unknown = sorted(
        set(data)
        - {
            "package_id",
            "amount",
            "used",
            "kind",
            "days",
            "created_at",
            "effective_at",
            "expires_at",
        }
    )
    if unknown:
        raise ValueError(f"unknown package field {unknown[0]!r}")
    amount = _whole(data.get("amount"), "amount", high=10**10)
    used = _whole(data.get("used", 0), "used", high=10**10)
    kind = _whole(data.get("kind", 1), "kind", high=1)
    start = int(now)
    created = _whole(data.get("created_at", start), "created_at", high=2**37)
    effective = _whole(data.get("effective_at", created), "effective_at", high=2**37)
    days = _whole(data.get("days", 365), "days", low=0, high=36500)
    expires = _whole(data.get("expires_at", effective + days * _DAY), "expires_at", high=2**37)
    given_id = data.get("package_id", package_id)
    return SandboxPackage(
        package_id=_whole(given_id, "package_id", low=1, high=2**53),
        amount=amount,
        used=used,
        kind=kind,
        created_at=created,
        effective_at=effective,
        expires_at=expires,
    )


@dataclass(frozen=True)
class Accepted:
    """One accepted message and the report the sandbox made for it."""

    message: SandboxMessage
    report: DeliveryReport


class AccountFigures:
    """The record behind the statistics endpoints. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accepted: list[Accepted] = []
        self._packages: list[SandboxPackage] = []
        self._next_id = 1000000001

    def accepted(self, message: SandboxMessage, report: DeliveryReport, now: float) -> None:
        """Note an accepted ``message`` (with its ``report``) and charge its fee."""
        with self._lock:
            self._accepted.append(Accepted(message, report))
            fee = message.fee
            for index, package in sorted(
                enumerate(self._packages), key=lambda item: item[1].expires_at
            ):
                if fee <= 0:
                    break
                if not package.effective_at <= now < package.expires_at:
                    continue
                spent = min(fee, max(package.amount - package.used, 0))
                if spent:
                    self._packages[index] = dataclasses.replace(package, used=package.used + spent)
                    fee -= spent

    def history(self) -> list[Accepted]:
        """Every accepted message so far, oldest first."""
        with self._lock:
            return list(self._accepted)

    @property
    def packages(self) -> list[SandboxPackage]:
        with self._lock:
            return list(self._packages)

    def set_packages(self, packages: list[dict[str, Any]], *, now: float) -> list[SandboxPackage]:
        """Replace the packages with ``packages`` (see :func:`parse_package`); all or none."""
        if not isinstance(packages, list) or len(packages) > MAX_PACKAGES:
            raise ValueError(f"packages must be a list of at most {MAX_PACKAGES} objects")
        with self._lock:
            parsed = [
                parse_package(item, package_id=self._next_id + n, now=now)
                for n, item in enumerate(packages)
            ]
            self._next_id += len(parsed)
            self._packages = parsed
            return list(parsed)

    def add_package(self, package: dict[str, Any], *, now: float) -> SandboxPackage:
        """Add one package (see :func:`parse_package`)."""
        with self._lock:
            if len(self._packages) >= MAX_PACKAGES:
                raise ValueError(f"the sandbox keeps at most {MAX_PACKAGES} packages")
            parsed = parse_package(package, package_id=self._next_id, now=now)
            self._next_id += 1
            self._packages.append(parsed)
            return parsed

    def reset(self) -> None:
        """Forget the accepted messages and the packages (each test starts from nothing)."""
        with self._lock:
            self._accepted.clear()
            self._packages.clear()
