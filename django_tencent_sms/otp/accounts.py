"""Sign-in codes only for numbers with an account: whether a code's SMS is withheld.

Signing in with a number nobody registered used to send a real, billed code, and only then say
"No account can be found". For the purposes in ``OTP["ACCOUNT_PURPOSES"]`` (``login`` by
default), a number no account uses gets no SMS; its code is stored as ``withheld`` and counts
against every limit, and checking it fails as a wrong code does, so the requester sees exactly
what a registered number would show. Users are found the way the authentication backends that
sign in with codes find them (``PhoneCodeBackend.user_finder``): without one, nothing is
withheld.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_backends
from phonenumber_field.phonenumber import PhoneNumber

__all__ = ["withheld"]


def user_finders() -> list[Callable[[PhoneNumber], Any]]:
    """How each configured backend that signs in with codes finds a number's user."""
    finders = (getattr(backend, "user_finder", None) for backend in get_backends())
    return [finder() for finder in finders if callable(finder)]


def withheld(number: PhoneNumber, purpose: str, conf: dict[str, Any]) -> bool:
    """Whether ``number``'s code for ``purpose`` is not to be sent: the purpose needs an
    account, and no backend finds one for the number."""
    if purpose not in conf["ACCOUNT_PURPOSES"]:
        return False
    finders = user_finders()
    return bool(finders) and all(find(number) is None for find in finders)
