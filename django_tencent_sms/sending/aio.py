"""Sending from async code: ``asend_sms`` and ``asend_bulk``, and the thread pool they share.

Each call runs its sync twin, unchanged, in a thread of a pool of this module's own
(``sync_to_async(thread_sensitive=False)``), so every guarantee of ``send_sms`` holds: the row is
written before the request, every outcome is recorded, nothing is sent twice. Each call is
treated like a request to Django: ``close_old_connections`` runs in its thread before and after
it, so a thread's database connection lives as long as ``CONN_MAX_AGE`` says (with the default,
0, it is closed after every call) and a broken one is dropped.

When the awaiting task is cancelled (a client gone, ``asyncio.timeout``), ``CancelledError``
reaches it at once; a call whose thread had started goes on there to the end and records its
outcome, as if nobody had cancelled it. One still waiting for a free thread never starts: it
writes nothing and sends nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import phonenumbers
from asgiref.sync import sync_to_async
from django.db import close_old_connections
from django.views.decorators.debug import sensitive_variables

from django_tencent_sms.backends import BaseBackend
from django_tencent_sms.models import SmsLog
from django_tencent_sms.sending.api import send_sms
from django_tencent_sms.sending.bulk import send_bulk
from django_tencent_sms.sending.content import TemplateRef
from django_tencent_sms.sending.summary import BulkSummary

__all__ = ["THREADS", "asend_bulk", "asend_sms", "in_thread"]

T = TypeVar("T")

#: Calls that run at once in each process; more wait for a free thread. Each running call holds
#: one database connection while it runs (and keeps it under ``CONN_MAX_AGE``).
THREADS = 64

_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def executor() -> ThreadPoolExecutor:
    """The pool every async call of the package runs in, made on first use."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="tencent-sms")
        return _executor


def _as_a_request(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` in a pool thread, its database connections handled as Django
    handles a request's: checked before, closed after when ``CONN_MAX_AGE`` says so."""
    close_old_connections()
    try:
        return func(*args, **kwargs)
    finally:
        close_old_connections()


async def in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Await ``func(*args, **kwargs)`` run in the pool (``executor``), as a request would run."""
    call = sync_to_async(_as_a_request, thread_sensitive=False, executor=executor())
    return await call(func, *args, **kwargs)


# As in send_sms: no frame shows its locals in an error report (codes, credentials).
@sensitive_variables()
async def asend_sms(
    phone: str | phonenumbers.PhoneNumber,
    template: TemplateRef,
    params: Iterable[Any] = (),
    *,
    sign: str | None = None,
    ext: str = "",
    extend: str = "",
    backend: BaseBackend | None = None,
    secret_params: Iterable[int] = (),
    background: bool = False,
) -> SmsLog:
    """``send_sms`` for async code: the same arguments, result and exceptions.

    It runs in its own database connection, outside any transaction of the caller. Cancelling
    the awaiting task does not stop a send that has started: it completes and records its
    outcome (see the module's docstring).
    """
    return await in_thread(
        send_sms,
        phone,
        template,
        params,
        sign=sign,
        ext=ext,
        extend=extend,
        backend=backend,
        secret_params=secret_params,
        background=background,
    )


async def asend_bulk(
    phones: Iterable[Any],
    template: TemplateRef,
    params: Iterable[Any] = (),
    *,
    sign: str | None = None,
    ext: str = "",
    extend: str = "",
    backend: BaseBackend | None = None,
    background: bool = False,
    include_opted_out: bool = False,
) -> BulkSummary:
    """``send_bulk`` for async code: the same arguments, result and exceptions.

    ``phones`` is read in the pool's thread, lazily as ``send_bulk`` reads it: a list, a
    queryset or a generator (not an async iterator). Cancelling the awaiting task does not stop
    a send that has started: every batch is sent and recorded.
    """
    return await in_thread(
        send_bulk,
        phones,
        template,
        params,
        sign=sign,
        ext=ext,
        extend=extend,
        backend=backend,
        background=background,
        include_opted_out=include_opted_out,
    )
