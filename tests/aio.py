"""Running async tests without an async plugin: ``@run_async`` turns an ``async def`` test into
one ``asyncio.run`` call (a fresh event loop in the test's thread, as an ASGI server has);
``until_requested`` and ``eventually`` poll, from async code, for what a pool thread does."""

from __future__ import annotations

import asyncio
import functools
import time

from django.db import OperationalError

from django_tencent_sms.sending.aio import in_thread


def run_async(test):
    """``async def test_…(fixtures)`` → a plain test that runs it on a new event loop."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return wrapper


async def until_requested(sandbox, count: int = 1, timeout: float = 20.0) -> bool:
    """Await the emulator's having received ``count`` requests (polled on the loop, no thread)."""
    deadline = time.monotonic() + timeout
    while len(sandbox.requests) < count:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


async def eventually(predicate, timeout: float = 20.0):
    """Await ``predicate()`` (sync, may query the database: it runs in a thread) until it is
    true; its last value. Polls for what another thread does, not for time to pass. In the
    package's pool, whose threads close their database connections after each call."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = await in_thread(predicate)
        except OperationalError as error:
            # The in-memory SQLite test database is one shared cache, whose table locks refuse a
            # reader at once (no busy wait) while another thread's transaction writes: not yet.
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            value = None
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.01)
