"""What the emulator's own tests share: a clock that moves only when told, and the fixtures that
give each test a Sandbox of its own.

No Django here: these tests run with ``-p no:django`` too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest

from django_tencent_sms.sandbox import Sandbox


class FakeClock:
    """Unix seconds that stand still until ``advance()`` (or ``now = …``) moves them."""

    def __init__(self, now: float) -> None:
        self.now = float(now)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SandboxFixtures(NamedTuple):
    clock: Any
    sandbox: Any


def sandbox_fixtures(*, now: float | None, **options: Any) -> SandboxFixtures:
    """The ``clock`` and ``sandbox`` fixtures of a test module whose tests each get their own
    emulator: ``Sandbox(**options)``, started, on a :class:`FakeClock` at ``now`` (``None``: on
    the real clock, for clients that take the time themselves). Assign both in the module::

        clock, sandbox = sandbox_fixtures(now=NOW, sdk_app_id=APP_ID, templates=TEMPLATES)
    """

    @pytest.fixture
    def clock() -> Callable[[], float]:
        return time.time if now is None else FakeClock(now)

    @pytest.fixture
    def sandbox(clock: Callable[[], float]) -> Iterator[Sandbox]:
        with Sandbox(clock=clock, **options) as started:
            yield started

    return SandboxFixtures(clock, sandbox)
