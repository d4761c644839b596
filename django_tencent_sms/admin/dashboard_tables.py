"""The rows of the dashboard's tables as HTML, built in one pass instead of per-cell template tags.

A year's page has a row per day with a cell per status: rendering those cells one template
variable at a time (a lookup, a localisation and an escape each) was most of the page's time.
Here each distinct number and day is formatted and escaped once, and every piece of text
(template names come from staff-editable data) goes through ``escape`` before it is marked safe.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from django_tencent_sms.admin.stats import Row, Summary

__all__ = ["table_body"]

_SWATCH = (
    '<svg class="tsms-swatch" width="12" height="12" aria-hidden="true">'
    '<rect width="12" height="12" fill="{}"/></svg>'
)


def table_body(summary: Summary, rows: Iterable[Row], key_attribute: str = "") -> SafeString:
    """The ``<tbody>`` rows of one table: the row's label (with a colour swatch when it has a
    colour), its messages and fee, and its per-status counts; a ``data-<key_attribute>``
    attribute with the row's key when ``key_attribute`` is given."""
    cells: dict[int, str] = {}

    def cell(value: int) -> str:
        try:
            return cells[value]
        except KeyError:
            text = cells[value] = f'<td class="tsms-num">{escape(summary.number_text(value))}</td>'
            return text

    attribute = f" data-{escape(key_attribute)}" if key_attribute else ""
    parts = []
    for row in rows:
        key = f'{attribute}="{escape(row.key_text)}"' if attribute else ""
        swatch = _SWATCH.format(escape(row.colour)) if row.colour else ""
        numbers = "".join(cell(n) for n in (row.tally.messages, row.tally.fee, *row.counts))
        parts.append(f'<tr{key}><th scope="row">{swatch}{escape(row.label)}</th>{numbers}</tr>')
    if not parts:
        parts.append(f'<tr><td colspan="3">{escape(_("No messages in this range."))}</td></tr>')
    return mark_safe("\n".join(parts))  # noqa: S308 - every piece of text escaped above
