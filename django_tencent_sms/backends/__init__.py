"""SMS backends: transport only, no database work (like ``django.core.mail.backends``)."""

from __future__ import annotations

import threading
from typing import Any

from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from django_tencent_sms.backends.base import BaseBackend
from django_tencent_sms.conf import SETTING_NAME, sms_settings
from django_tencent_sms.exceptions import ConfigurationError

__all__ = ["BaseBackend", "get_backend"]

_shared: dict[str, BaseBackend] = {}
_lock = threading.Lock()


def load_backend_class(path: str) -> type[BaseBackend]:
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ConfigurationError(f"Cannot import SMS backend {path!r}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, BaseBackend)):
        raise ConfigurationError(f"SMS backend {path!r} is not a BaseBackend subclass.")
    return cls


def get_backend(path: str | None = None, **kwargs: Any) -> BaseBackend:
    """A backend instance.

    Without arguments this returns the process-wide instance of the configured ``BACKEND``, so
    its HTTP connection pool is reused across messages and threads; it is replaced when
    ``TENCENT_SMS`` changes. With a ``path`` or keyword arguments, a new instance is made.
    """
    if path is not None or kwargs:
        return load_backend_class(path or sms_settings.BACKEND)(**kwargs)
    path = sms_settings.BACKEND
    backend = _shared.get(path)
    if backend is None:
        with _lock:
            backend = _shared.get(path)
            if backend is None:
                backend = load_backend_class(path)()
                _shared[path] = backend
    return backend


def reset_shared_backends() -> None:
    """Close and forget the shared instances (done whenever ``TENCENT_SMS`` changes)."""
    with _lock:
        backends = list(_shared.values())
        _shared.clear()
    for backend in backends:
        backend.close()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING_NAME:
        reset_shared_backends()


setting_changed.connect(_on_setting_changed)
