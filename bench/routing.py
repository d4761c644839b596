"""Send every query to one chosen database alias, so one process can alternate between two
databases (``bench/admin_scale.py``): ``with use_db("big"): client.get(url)``."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_current: contextvars.ContextVar[str] = contextvars.ContextVar("bench_db", default="default")


@contextlib.contextmanager
def use_db(alias: str) -> Iterator[None]:
    token = _current.set(alias)
    try:
        yield
    finally:
        _current.reset(token)


class SwitchRouter:
    def db_for_read(self, model, **hints):
        return _current.get()

    def db_for_write(self, model, **hints):
        return _current.get()

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return True
