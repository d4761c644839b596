from __future__ import annotations

from typing import Any

from ..message import SendResult, SmsMessage


class BaseBackend:
    """The contract every backend meets.

    ``send(message)`` returns a ``SendResult`` or raises an ``SmsError``; it never touches the
    database. Instances may be shared between threads. ``open()``/``close()`` and the context
    manager manage whatever connections a backend holds.
    """

    def __init__(self, **kwargs: Any) -> None:
        if kwargs:
            raise TypeError(f"Unexpected arguments for {type(self).__name__}: {sorted(kwargs)}")

    @property
    def name(self) -> str:
        return f"{type(self).__module__}.{type(self).__qualname__}"

    def open(self) -> None:
        """Acquire resources ahead of the first send (optional)."""

    def close(self) -> None:
        """Release connections; the backend stays usable and reopens on the next send."""

    def __enter__(self) -> BaseBackend:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(self, message: SmsMessage) -> SendResult:
        raise NotImplementedError
