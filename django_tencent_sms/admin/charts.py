"""The dashboard's charts as inline SVG: no JavaScript, no external files.

The same numbers are in the tables under them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from django_tencent_sms.admin.stats import FEE_COLOUR, Summary, range_text, status_label

__all__ = ["fee_chart", "label_every", "nice_scale", "volume_chart"]


# -- Charts -----------------------------------------------------------------------------------


def nice_scale(max_value: float, ticks: int = 5) -> tuple[int, int]:
    """``(top, step)`` for an integer axis from 0: ``step`` is 1, 2 or 5 × 10ⁿ, ``top`` a multiple
    of it at or above ``max_value``, with about ``ticks`` steps."""
    if max_value <= 0:
        return 1, 1
    raw = max_value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, round(step))
    return math.ceil(max_value / step) * step, step


def label_every(days: int, most: int = 10) -> int:
    """Label one day in this many on the x axis, so that at most ``most`` labels show."""
    for every in (1, 2, 3, 5, 7, 14, 30, 61):
        if days / every <= most:
            return every
    return math.ceil(days / most)


def _join(parts: Iterable[SafeString]) -> SafeString:
    """Concatenate HTML pieces; any piece not marked safe is escaped."""
    return format_html_join("", "{}", ((part,) for part in parts))


def _n(value: float) -> str:
    """A coordinate: short, and without a locale's decimal comma."""
    return f"{value:.1f}".removesuffix(".0")


@dataclass
class _Frame:
    """The geometry shared by both charts: one band per day."""

    days: list[date]
    top: int
    step: int
    height: int
    width: int = 760
    left: int = 56
    right: int = 12
    above: int = 12
    below: int = 28

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.above - self.below

    @property
    def band(self) -> float:
        return self.plot_width / len(self.days)

    def x(self, index: int) -> float:
        return self.left + index * self.band

    def centre(self, index: int) -> float:
        return self.x(index) + self.band / 2

    def y(self, value: float) -> float:
        return self.above + self.plot_height * (1 - value / self.top)

    def axes(self, axis_title: str) -> SafeString:
        """Grid lines with value labels, day labels, and the y axis title."""
        parts = []
        for value in range(0, self.top + 1, self.step):
            y = _n(self.y(value))
            parts.append(
                format_html(
                    '<line class="tsms-grid" x1="{}" x2="{}" y1="{}" y2="{}" stroke="currentColor"'
                    ' stroke-opacity="0.2"/>'
                    '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>',
                    self.left,
                    self.width - self.right,
                    y,
                    y,
                    self.left - 6,
                    y,
                    formats.localize(value),
                )
            )
        every = label_every(len(self.days))
        # A short month and day; translators give their language's short form, e.g. "n月j日".
        axis_format = pgettext("date format for chart axis labels", "M j")
        baseline = _n(self.above + self.plot_height + 16)
        for index, day in enumerate(self.days):
            if index % every == 0:
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                        _n(self.centre(index)),
                        baseline,
                        formats.date_format(day, axis_format),
                    )
                )
        middle = _n(self.above + self.plot_height / 2)
        parts.append(
            format_html(
                '<text class="tsms-axis-title" x="12" y="{}" text-anchor="middle"'
                ' transform="rotate(-90 12 {})">{}</text>',
                middle,
                middle,
                axis_title,
            )
        )
        return format_html(
            '<g class="tsms-axes" font-size="11" fill="currentColor">{}</g>',
            _join(parts),
        )


def _svg(frame: _Frame, label: str, chart_class: str, body: list[SafeString]) -> SafeString:
    return format_html(
        '<svg class="tsms-chart {}" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}"'
        ' height="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        chart_class,
        label,
        frame.width,
        frame.height,
        frame.width,
        frame.height,
        label,
        _join(body),
    )


def volume_chart(summary: Summary) -> SafeString:
    """Messages per day, one ``<g class="tsms-day">`` per day with bars stacked by status."""
    days = list(summary.days)
    top, step = nice_scale(max((t.messages for t in summary.days.values()), default=0))
    frame = _Frame(days, top, step, height=240)
    bar = max(frame.band * 0.75, min(frame.band, 1.0))
    band, plot_height, bar_width = _n(frame.band), _n(frame.plot_height), _n(bar)
    escaped = {s: escape(s) for s in summary.present_statuses}
    labels = {s: status_label(s) for s in summary.present_statuses}
    colours = {s: escape(summary.colour(s)) for s in summary.present_statuses}
    # The tooltip's sentence, asked of the translations once per distinct count, not per day.
    sentences: dict[int, str] = {}
    groups: list[str] = []
    # The frame's geometry as locals, computed as frame.x and frame.y compute it.
    left, above, width, height = frame.left, frame.above, frame.band, frame.plot_height
    for index, (day, tally) in enumerate(summary.days.items()):
        details = ", ".join(
            f"{labels[s]} {summary.number_text(tally.by_status[s])}"
            for s in summary.present_statuses
            if tally.by_status.get(s)
        )
        messages = tally.messages
        if messages not in sentences:
            sentences[messages] = ngettext(
                "%(day)s: %(count)s message", "%(day)s: %(count)s messages", messages
            )
        tip = sentences[messages] % {
            "day": summary.day_text(day),
            "count": summary.number_text(messages),
        }
        if details:
            tip = f"{tip} ({details})"
        # Built as text: a year has a few thousand bars, and format_html per bar was most of
        # the page's time. Numbers and ISO dates need no escaping; the rest is escaped here.
        x = left + index * width
        centre = x + width / 2
        rects = [
            f'<rect class="tsms-hit" x="{_n(x)}" y="{above}"'
            f' width="{band}" height="{plot_height}" fill="transparent"/>'
        ]
        bottom = above + height  # frame.y(0)
        base = 0
        for status in summary.present_statuses:
            count = tally.by_status.get(status, 0)
            if not count:
                continue
            base += count
            upper = above + height * (1 - base / frame.top)  # frame.y(base)
            rects.append(
                f'<rect class="tsms-bar" data-status="{escaped[status]}"'
                f' x="{_n(centre - bar / 2)}" y="{_n(upper)}"'
                f' width="{bar_width}" height="{_n(bottom - upper)}"'
                f' fill="{colours[status]}"/>'
            )
            bottom = upper
        groups.append(
            f'<g class="tsms-day" data-day="{day.isoformat()}"'
            f' data-messages="{int(messages)}">'
            f"<title>{escape(tip)}</title>{''.join(rects)}</g>"
        )
    label = _("Messages per day by status, %(start)s to %(end)s; %(total)s in all.") % {
        **range_text(summary),
        "total": formats.localize(summary.total.messages),
    }
    bars = mark_safe("".join(groups))  # noqa: S308 - numbers, and text escaped above
    return _svg(frame, label, "tsms-volume", [frame.axes(_("Messages")), bars])


def fee_chart(summary: Summary) -> SafeString:
    """Fee (billed parts) per day as a line, with a point per day."""
    days = list(summary.days)
    top, step = nice_scale(max((t.fee for t in summary.days.values()), default=0))
    frame = _Frame(days, top, step, height=180)
    points = [(frame.centre(i), frame.y(t.fee)) for i, t in enumerate(summary.days.values())]
    radius = 2.5 if len(days) <= 92 else 1.5
    # As text, like the volume chart's bars: one sentence from the translations for every day.
    sentence = _("%(day)s: fee %(fee)s")
    colour = escape(FEE_COLOUR)
    dots = mark_safe(  # noqa: S308 - numbers and ISO dates, and text escaped here
        "".join(
            f'<g class="tsms-fee-day" data-day="{day.isoformat()}" data-fee="{int(tally.fee)}">'
            "<title>"
            + escape(
                sentence % {"day": summary.day_text(day), "fee": summary.number_text(tally.fee)}
            )
            + f'</title><circle cx="{_n(x)}" cy="{_n(y)}" r="{radius}" fill="{colour}"/></g>'
            for (day, tally), (x, y) in zip(summary.days.items(), points, strict=True)
        )
    )
    line = format_html(
        '<polyline class="tsms-fee-line" points="{}" fill="none" stroke="{}" stroke-width="2"'
        ' stroke-linejoin="round"/>',
        " ".join(f"{_n(x)},{_n(y)}" for x, y in points),
        FEE_COLOUR,
    )
    label = _("Fee per day in billed SMS parts, %(start)s to %(end)s; %(total)s in all.") % {
        **range_text(summary),
        "total": formats.localize(summary.total.fee),
    }
    return _svg(frame, label, "tsms-fee", [frame.axes(_("Fee")), line, dots])
