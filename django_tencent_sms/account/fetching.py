"""Asking Tencent for the account's figures: which backend, how long to wait, what went wrong.

:func:`figures_backend` makes a backend of the configured class that can fetch figures (with a
short timeout for pages a person waits on); :func:`reading_tencent` turns whatever the fetch
raises into one :class:`FiguresUnavailable` whose ``kind`` a caller can branch on and whose
text a person can read (never a key); :func:`cache_key` names cached answers by account.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.translation import gettext as _

from django_tencent_sms.backends import load_backend_class
from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.backends.http import HttpBackend, Timeout
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import (
    ConfigurationError,
    InvalidResponse,
    ResponseTimeout,
    TencentSmsError,
    TransportError,
)

__all__ = [
    "QUICK_TIMEOUT",
    "FiguresUnavailable",
    "cache_key",
    "figures_backend",
    "reading_tencent",
]

logger = logging.getLogger("django_tencent_sms")

#: The timeout of a fetch a person waits on (the admin dashboard): connect, then read.
QUICK_TIMEOUT: Timeout = (2.0, 3.0)


class FiguresUnavailable(Exception):
    """Tencent's figures could not be had. ``kind``: ``"unsupported"`` (the backend cannot
    fetch them), ``"misconfigured"``, ``"slow"`` (no answer in time), ``"unreachable"``,
    ``"refused"`` (Tencent answered with an error: ``error`` holds it), ``"invalid"`` (an answer
    that is not Tencent's) or ``"failed"`` (anything else, logged)."""

    def __init__(self, kind: str, message: str, error: BaseException | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.error = error


def figures_backend(timeout: Timeout | None = None, *, quick: bool = False) -> BaseBackend:
    """A new instance of the configured ``BACKEND``, with ``timeout`` when it speaks HTTP
    (``quick``: :data:`QUICK_TIMEOUT` and no connect retries, for a page a person waits on);
    ``FiguresUnavailable`` when it cannot fetch figures (console, locmem, dummy) or is not
    configured."""
    try:
        backend_class = load_backend_class(sms_settings.BACKEND)
        if not backend_class.can_fetch_statistics:
            raise FiguresUnavailable(
                "unsupported",
                _("The SMS backend %(backend)s cannot fetch figures from Tencent.")
                % {"backend": backend_class.__name__},
            )
        if issubclass(backend_class, HttpBackend):
            if quick:
                return backend_class(timeout=timeout or QUICK_TIMEOUT, connect_retries=0)
            return backend_class(timeout=timeout)
        return backend_class()
    except ConfigurationError as exc:
        raise FiguresUnavailable("misconfigured", str(exc), exc) from exc


@contextmanager
def reading_tencent() -> Iterator[None]:
    """Turn what fetching figures raises into :class:`FiguresUnavailable`."""
    try:
        yield
    except FiguresUnavailable:
        raise
    except NotImplementedError as exc:
        raise FiguresUnavailable(
            "unsupported", _("The SMS backend cannot fetch figures from Tencent."), exc
        ) from exc
    except ConfigurationError as exc:
        raise FiguresUnavailable("misconfigured", str(exc), exc) from exc
    except TencentSmsError as exc:
        raise FiguresUnavailable(
            "refused", _("Tencent refused to give the figures: %(error)s") % {"error": exc}, exc
        ) from exc
    except ResponseTimeout as exc:
        raise FiguresUnavailable(
            "slow", _("Tencent did not answer in time; try again later."), exc
        ) from exc
    except InvalidResponse as exc:
        raise FiguresUnavailable(
            "invalid", _("Tencent's answer could not be read: %(error)s") % {"error": exc}, exc
        ) from exc
    except TransportError as exc:
        raise FiguresUnavailable(
            "unreachable", _("Tencent could not be reached: %(error)s") % {"error": exc}, exc
        ) from exc
    except Exception as exc:
        logger.exception("Fetching Tencent's figures failed")
        raise FiguresUnavailable(
            "failed", _("Fetching the figures failed (%(kind)s).") % {"kind": type(exc).__name__}
        ) from exc


def cache_key(kind: str, *parts: str) -> str:
    """A cache key for ``kind`` of figures of the configured account (backend class, SDK
    AppID and where it sends: one site may switch accounts), then ``parts``."""
    account = "|".join(
        str(value)
        for value in (
            sms_settings.BACKEND,
            sms_settings.SDK_APP_ID,
            sms_settings.API_URL,
            sms_settings.ENDPOINT,
        )
    )
    digest = hashlib.sha256(account.encode("utf-8")).hexdigest()[:16]
    return ":".join(("tencent_sms", kind, digest, *parts))
