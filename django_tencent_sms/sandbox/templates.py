"""SMS templates: where they come from, how many parameters they take, how they render."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping

__all__ = ["TemplateSource", "Templates", "placeholder_count", "render"]

#: A dict of template id to text, or a zero-argument callable returning one.
TemplateSource = Mapping[int, str] | Callable[[], Mapping[int, str]] | None

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


class Templates:
    """The templates a sandbox knows.

    ``source`` is a dict (copied; :meth:`add` extends it), a callable called on every lookup
    (so templates can live in a database), or ``None``: lenient mode, where any ``tpl_id`` is
    accepted and templates added with :meth:`add` are still checked.
    """

    def __init__(self, source: TemplateSource = None) -> None:
        self._lock = threading.Lock()
        self._callable: Callable[[], Mapping[int, str]] | None = None
        self._static: dict[int, str] = {}
        self.lenient = source is None
        if callable(source):
            self._callable = source
        elif source is not None:
            self._static = _normalise(source)

    def add(self, tpl_id: int, text: str) -> None:
        """Add or replace a template (not possible when templates come from a callable)."""
        if self._callable is not None:
            raise TypeError("templates come from a callable; add the template at its source")
        if isinstance(tpl_id, bool) or not isinstance(tpl_id, int):
            raise TypeError("tpl_id must be an int")
        if not isinstance(text, str):
            raise TypeError("template text must be a str")
        with self._lock:
            self._static[tpl_id] = text

    def snapshot(self) -> dict[int, str]:
        """The current templates (calls the callable, if that is the source)."""
        if self._callable is not None:
            return _normalise(self._callable())
        with self._lock:
            return dict(self._static)
