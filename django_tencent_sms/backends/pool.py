"""The size of the HTTP backends' pool of keep-alive connections (``POOL_SIZE``), validated.

urllib3 keeps at most ``POOL_SIZE`` idle connections. The pool does not block
(``pool_block=False``): a thread that finds every pooled connection busy opens one more
instead of waiting for one (a wait no ``TIMEOUT`` would bound), and that extra connection is
closed after its request. Extra connections thus cost a TCP and TLS handshake per message, never
a stall, and a pool at least as large as the number of threads that send at once opens no
connection after it has warmed up. Idle connections cost little: Tencent closes those it no
longer wants, and urllib3 reconnects.
"""

from __future__ import annotations

from typing import Any

from django_tencent_sms.exceptions import ConfigurationError

__all__ = ["MAX_POOL_SIZE", "normalize_pool_size"]

#: The largest ``POOL_SIZE``: more idle connections than this only cost the server.
MAX_POOL_SIZE = 1024


def normalize_pool_size(value: Any) -> int:
    """Validate ``POOL_SIZE``: a whole number of connections from 1 to :data:`MAX_POOL_SIZE`."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_POOL_SIZE:
        raise ConfigurationError(
            f"TENCENT_SMS['POOL_SIZE'] must be a whole number of connections from 1 to "
            f"{MAX_POOL_SIZE}, not {value!r}."
        )
    return value
