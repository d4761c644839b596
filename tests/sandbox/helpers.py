"""What the emulator's own tests share: a clock that moves only when told, the fixtures that
give each test a Sandbox of its own, and signed legacy requests built on the documented example.

No Django here.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest
import requests

from django_tencent_sms.protocol.signing import v5_signature
from django_tencent_sms.sandbox import Sandbox

# The documented example (reference §3 and seed-sendsms.txt).
SEED_KEY = "5f03a35d00ee52a21327ab048186a2c4"
SEED_RANDOM = "7226249334"
SEED_TIME = 1457336869
SEED_MOBILE = "13788888888"
SEED_SIG = "ecab4881ee80ad3d76bb1da68387428ca752eb885e52621a3129dcf4d9bc4fd4"
APP_ID = "1400000000"

TEMPLATES = {
    19: "{1} is {2}, valid for {3} minutes.",
    20: "Your code is {1}.",
    21: "Hello.",
}
SID = re.compile(r"^2019:[0-9a-f]{20}$")


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


def seed_sandbox_fixtures() -> SandboxFixtures:
    """``clock`` and ``sandbox`` for the legacy API's tests: the documented app key and time,
    and :data:`TEMPLATES`."""
    return sandbox_fixtures(now=SEED_TIME, sdk_app_id=APP_ID, app_key=SEED_KEY, templates=TEMPLATES)


def make_body(
    sb: Sandbox,
    *,
    mobile: str = SEED_MOBILE,
    nationcode: str = "86",
    tpl_id: int = 20,
    params: tuple[str, ...] | list[str] = ("1234",),
    time: int | None = None,
    random: str = SEED_RANDOM,
    key: str = SEED_KEY,
    sign: str = "腾讯云",
    ext: str = "",
    extend: str = "",
) -> dict:
    """A correctly signed template body; ``time`` defaults to the sandbox clock."""
    time = int(sb.clock()) if time is None else time
    return {
        "tel": {"nationcode": nationcode, "mobile": mobile},
        "tpl_id": tpl_id,
        "params": list(params),
        "sign": sign,
        "sig": v5_signature(key, random, time, mobiles=[mobile]),
        "time": time,
        "extend": extend,
        "ext": ext,
    }


def post(
    sb: Sandbox,
    body: dict | bytes,
    *,
    endpoint: str = "sendsms",
    sdkappid: str | None = APP_ID,
    random: str = SEED_RANDOM,
    session: requests.Session | None = None,
    timeout: float = 5,
    headers: dict | None = None,
) -> requests.Response:
    query = [f"sdkappid={sdkappid}"] if sdkappid is not None else []
    query.append(f"random={random}")
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    url = f"{sb.url}/{endpoint}?{'&'.join(query)}"
    return (session or requests).post(url, data=data, timeout=timeout, headers=headers)


def send(sb: Sandbox, body: dict | bytes, **kwargs) -> dict:
    response = post(sb, body, **kwargs)
    assert response.status_code == 200
    return response.json()
