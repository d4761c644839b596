"""SMS templates and signatures: where they come from, how they render, Tencent's review.

Every template and signature has a review status (``approved`` unless set otherwise), a review
reply, a name and an ``International`` flag, as Tencent's list endpoints show them
(``sandbox.catalog``). Only approved templates can be sent. A template may also be marked with
its type in Tencent's console (``TEMPLATE_KINDS``): the inbox shows a code only for messages of a
``verification`` template.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

__all__ = [
    "REVIEW_STATUSES",
    "TEMPLATE_KINDS",
    "KindSource",
    "Review",
    "Sign",
    "TemplateSource",
    "Templates",
    "check_kind",
    "placeholder_count",
    "render",
]

#: The review statuses, named as the site names them (API 3.0 ``StatusCode`` 0, 1, 2, -1).
REVIEW_STATUSES = ("approved", "reviewing", "approved_pending", "rejected")
#: A template's type in Tencent's console (verification code, notification, marketing), named as
#: the site's ``SmsTemplate.Type`` names them.
TEMPLATE_KINDS = ("verification", "notification", "marketing")


@dataclass(frozen=True)
class Review:
    """What Tencent's lists say of a template beyond its text."""

    status: str = "approved"
    reply: str = ""
    name: str = ""
    international: int = 0
    created: int = 1700000000


@dataclass(frozen=True)
class Sign:
    sign_id: int
    text: str
    review: Review


def _check_review(status: str, international: int) -> None:
    if status not in REVIEW_STATUSES:
        raise ValueError(f"status must be one of {', '.join(REVIEW_STATUSES)}, not {status!r}")
    if international not in (0, 1, 3) or isinstance(international, bool):
        raise ValueError("international must be 0, 1 or 3")


#: A dict of template id to text, or a zero-argument callable returning one.
TemplateSource = Mapping[int, str] | Callable[[], Mapping[int, str]] | None
#: A dict of template id to type (one of ``TEMPLATE_KINDS``), or a callable returning one.
KindSource = Mapping[int, str] | Callable[[], Mapping[int, str]] | None


def check_kind(kind: object) -> str:
    """``kind`` when it is one of ``TEMPLATE_KINDS``; ``ValueError`` otherwise."""
    if not isinstance(kind, str) or kind not in TEMPLATE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(TEMPLATE_KINDS)}, not {kind!r}")
    return kind


_PLACEHOLDER = re.compile(r"\{(\d+)\}")


def placeholder_count(text: str) -> int:
    """The number of distinct ``{n}`` placeholders in ``text``."""
    return len({int(n) for n in _PLACEHOLDER.findall(text)})


def render(text: str, params: list[str]) -> str:
    """Replace each ``{n}`` by ``params[n-1]`` in one pass; a ``{n}`` without a value stays."""

    def substitute(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return params[index] if 0 <= index < len(params) else match.group(0)

    return _PLACEHOLDER.sub(substitute, text)


def _normalise(mapping: Mapping[int, str]) -> dict[int, str]:
    return {int(tpl_id): str(text) for tpl_id, text in mapping.items()}


def _kinds(mapping: Mapping[int, str]) -> dict[int, str]:
    return {int(tpl_id): check_kind(kind) for tpl_id, kind in mapping.items()}


class Templates:
    """The templates a sandbox knows.

    ``source`` is a dict (copied; :meth:`add` extends it), a callable called on every lookup
    (so templates can live in a database), or ``None``: lenient mode, where any ``tpl_id`` is
    accepted and templates added with :meth:`add` are still checked.

    ``kinds`` gives template types the same ways (a dict, copied, or a callable); a type set
    with :meth:`add` or :meth:`set_kind` takes precedence. A template of no known type is
    shown as no kind (``""``).
    """

    def __init__(self, source: TemplateSource = None, kinds: KindSource = None) -> None:
        self._lock = threading.Lock()
        self._callable: Callable[[], Mapping[int, str]] | None = None
        self._static: dict[int, str] = {}
        self.lenient = source is None
        self._reviews: dict[int, Review] = {}
        self._signs: dict[int, Sign] = {}
        self._kind_source = kinds if callable(kinds) else None
        self._kinds = {} if kinds is None or callable(kinds) else _kinds(kinds)
        if callable(source):
            self._callable = source
        elif source is not None:
            self._static = _normalise(source)

    def add(self, tpl_id: int, text: str, kind: str | None = None) -> None:
        """Add or replace a template (not possible when templates come from a callable), and
        its type when ``kind`` is given."""
        if self._callable is not None:
            raise TypeError("templates come from a callable; add the template at its source")
        if isinstance(tpl_id, bool) or not isinstance(tpl_id, int):
            raise TypeError("tpl_id must be an int")
        if not isinstance(text, str):
            raise TypeError("template text must be a str")
        if kind is not None:
            check_kind(kind)
        with self._lock:
            self._static[tpl_id] = text
            if kind is not None:
                self._kinds[tpl_id] = kind

    def set_kind(self, tpl_id: int, kind: str) -> None:
        """Mark template ``tpl_id`` (from any source) as of type ``kind``."""
        if isinstance(tpl_id, bool) or not isinstance(tpl_id, int):
            raise TypeError("tpl_id must be an int")
        check_kind(kind)
        with self._lock:
            self._kinds[tpl_id] = kind

    def kinds(self) -> dict[int, str]:
        """The type of every template whose type is known (calls the kinds callable, if
        any: an error there leaves its types unknown rather than failing the page)."""
        found: dict[int, str] = {}
        if self._kind_source is not None:
            try:
                found = _kinds(self._kind_source())
            except Exception:  # a database that is down: the types are unknown for now
                found = {}
        with self._lock:
            return {**found, **self._kinds}

    def everything(self) -> dict[int, str]:
        """Every template, approved or not (calls the callable, if that is the source)."""
        if self._callable is not None:
            return _normalise(self._callable())
        with self._lock:
            return dict(self._static)

    def snapshot(self) -> dict[int, str]:
        """The templates that can be sent: the approved ones."""
        blocked = self.blocked()
        return {i: t for i, t in self.everything().items() if i not in blocked}

    def blocked(self) -> set[int]:
        """IDs whose review status is set to anything but approved."""
        with self._lock:
            return {i for i, r in self._reviews.items() if r.status != "approved"}

    def review(self, tpl_id: int) -> Review:
        with self._lock:
            return self._reviews.get(tpl_id, Review())

    def set_review(
        self,
        tpl_id: int,
        status: str | None = None,
        *,
        reply: str | None = None,
        name: str | None = None,
        international: int | None = None,
    ) -> None:
        """Set what Tencent's lists say of template ``tpl_id`` (any source, even a callable):
        e.g. ``set_review(19, "rejected", reply="…")``. ``ValueError`` for an unknown status."""
        if isinstance(tpl_id, bool) or not isinstance(tpl_id, int):
            raise TypeError("tpl_id must be an int")
        with self._lock:
            old = self._reviews.get(tpl_id, Review())
            new = replace(
                old,
                status=old.status if status is None else status,
                reply=old.reply if reply is None else reply,
                name=old.name if name is None else name,
                international=old.international if international is None else international,
            )
            _check_review(new.status, new.international)
            self._reviews[tpl_id] = new

    def clear_reviews(self) -> None:
        """Every template approved again (what a test fixture does between tests)."""
        with self._lock:
            self._reviews.clear()

    # Signatures ----------------------------------------------------------------------------

    def add_sign(
        self,
        sign_id: int,
        text: str,
        status: str = "approved",
        *,
        reply: str = "",
        international: int = 0,
    ) -> None:
        """Add or replace signature ``sign_id``, as the signature lists show it."""
        if isinstance(sign_id, bool) or not isinstance(sign_id, int) or sign_id <= 0:
            raise TypeError("sign_id must be a positive int")
        if not isinstance(text, str) or not text:
            raise TypeError("the signature text must be a non-empty str")
        _check_review(status, international)
        review = Review(status=status, reply=reply, name=text, international=international)
        with self._lock:
            self._signs[sign_id] = Sign(sign_id, text, review)

    def signs(self) -> list[Sign]:
        """Every signature, by ID."""
        with self._lock:
            return [self._signs[i] for i in sorted(self._signs)]
