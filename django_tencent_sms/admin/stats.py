"""The numbers behind the fee and volume dashboard.

One aggregate query grouped by local day, template and status (:func:`aggregate`), folded in
Python into per-day, per-template and per-status tallies (:func:`summarize`); and the date range
a person asked for (:func:`parse_range`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from datetime import timezone as dt_timezone
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import dateformat, formats, timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from django_tencent_sms.models import SmsLog, SmsTemplate

__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "Summary", "Tally", "aggregate", "parse_range", "summarize"]

#: The default range: this many days ending today.
DEFAULT_DAYS = 30
#: The longest range the page accepts, in days (both ends included).
MAX_DAYS = 366
#: Quick links above the form, in days ending today.
PRESETS = (7, 30, 90, 365)

#: Order of the statuses in the charts and tables: good outcomes at the bottom of a bar.
STATUS_ORDER = [
    SmsLog.Status.DELIVERED,
    SmsLog.Status.SENT,
    SmsLog.Status.PENDING,
    SmsLog.Status.UNKNOWN,
    SmsLog.Status.UNDELIVERED,
    SmsLog.Status.FAILED,
]
# Okabe-Ito colours: told apart with the common colour-vision deficiencies, and readable on
# both the light and the dark admin theme.
STATUS_COLOURS: dict[str, str] = {
    SmsLog.Status.DELIVERED: "#009e73",
    SmsLog.Status.SENT: "#0072b2",
    SmsLog.Status.PENDING: "#56b4e9",
    SmsLog.Status.UNKNOWN: "#999999",
    SmsLog.Status.UNDELIVERED: "#e69f00",
    SmsLog.Status.FAILED: "#d55e00",
}
#: For status values the model does not (or no longer) declare.
EXTRA_COLOURS = ["#cc79a7", "#f0e442", "#882255", "#44aa99"]
FEE_COLOUR = "#cc79a7"


# -- Range ------------------------------------------------------------------------------------


def local_today() -> date:
    return timezone.localdate() if settings.USE_TZ else date.today()


def default_range(today: date) -> tuple[date, date]:
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def day_bounds(start: date, end: date, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
    """The instants where local day ``start`` begins and local day ``end`` ends (exclusive)."""
    low = datetime.combine(start, time.min)
    high = datetime.combine(end + timedelta(days=1), time.min)
    if settings.USE_TZ:
        tz = tz or timezone.get_current_timezone()
        low, high = timezone.make_aware(low, tz), timezone.make_aware(high, tz)
        # Fail here, not in the database adapter, for dates at the edges of the calendar.
        low.astimezone(dt_timezone.utc), high.astimezone(dt_timezone.utc)
    return low, high


def read_date(params: Mapping[str, str], name: str, errors: list[str]) -> date | None:
    """GET parameter ``name`` (``start`` or ``end``) as a date; None when it is missing, or
    when it is not an ISO date (then ``errors`` says so)."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        if name == "start":
            message = _("The start date “%(value)s” is not a valid date; use YYYY-MM-DD.")
        else:
            message = _("The end date “%(value)s” is not a valid date; use YYYY-MM-DD.")
        errors.append(message % {"value": raw})
        return None


def range_problems(start: date, end: date) -> list[str]:
    """Why ``start``–``end`` cannot be shown: backwards, or longer than :data:`MAX_DAYS`."""
    if start > end:
        return [
            _("The start date (%(start)s) is after the end date (%(end)s).")
            % {"start": formats.date_format(start), "end": formats.date_format(end)}
        ]
    if (end - start).days + 1 > MAX_DAYS:
        return [
            ngettext(
                "The range is longer than %(max)d day.",
                "The range is longer than %(max)d days.",
                MAX_DAYS,
            )
            % {"max": MAX_DAYS}
        ]
    return []


def parse_range(
    params: Mapping[str, str], today: date, tz: tzinfo | None = None
) -> tuple[date, date, list[str]]:
    """``(start, end, errors)`` from GET parameters ``start`` and ``end`` (ISO dates).

    A missing ``end`` is today; a missing ``start`` is :data:`DEFAULT_DAYS` days before ``end``.
    Any error gives the default range with the messages that explain why.
    """
    errors: list[str] = []
    start = read_date(params, "start", errors)
    end = read_date(params, "end", errors)
    if errors:
        return (*default_range(today), errors)
    try:
        end = end or today
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
        day_bounds(start, end, tz)
    except OverflowError:
        return (*default_range(today), [_("The dates are out of range.")])
    errors = range_problems(start, end)
    if errors:
        return (*default_range(today), errors)
    return start, end, errors


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# -- Data -------------------------------------------------------------------------------------


def local_day(name: str, low: datetime, high: datetime, tz: tzinfo) -> TruncDate:
    """The day in ``tz`` of the aware datetime field ``name``, for values from ``low`` to
    ``high``, worked out without the database's time zone data.

    ``TruncDate(name, tzinfo=tz)`` has the database convert to the named zone, which MySQL and
    MariaDB do only once their time zone tables are loaded: without them ``CONVERT_TZ`` gives
    NULL and every message falls on no day. Here Python finds where ``tz`` changes its UTC
    offset within the range (never for Asia/Shanghai, twice a year with summer time), and each
    stretch of the range is shifted by its own offset and truncated in UTC, which every
    database does on its own.
    """
    utc = dt_timezone.utc

    def offset(second: int) -> timedelta:
        return datetime.fromtimestamp(second, tz).utcoffset() or timedelta(0)

    # Each stretch of one offset that ends in the range: (its end, its offset). Probed a day
    # apart (zones change their offset months apart), each change found to the second, as
    # the time zone database states it.
    stretches: list[tuple[datetime, timedelta]] = []
    first, last = int(low.timestamp()), int(high.timestamp())
    current, probe = offset(first), first
    while probe < last:
        step = min(probe + 86_400, last)
        if offset(step) != current:
            before, after = probe, step  # the first second of the new offset is in (before, after]
            while after - before > 1:
                middle = (before + after) // 2
                if offset(middle) == current:
                    before = middle
                else:
                    after = middle
            stretches.append((datetime.fromtimestamp(after, utc), current))
            current = offset(after)
        probe = step

    def shifted(by: timedelta) -> ExpressionWrapper:
        return ExpressionWrapper(F(name) + Value(by), output_field=DateTimeField())

    day: ExpressionWrapper | Case = shifted(current)
    if stretches:
        day = Case(
            *(When(**{f"{name}__lt": end}, then=shifted(by)) for end, by in stretches),
            default=day,
            output_field=DateTimeField(),
        )
    return TruncDate(day, tzinfo=utc)


def aggregate(
    queryset: QuerySet[SmsLog], start: date, end: date, tz: tzinfo | None = None
) -> list[Mapping[str, Any]]:
    """One query: messages and fee grouped by local day, template name, tpl_id and status.

    ``template_name`` is the log's template, else the name of a template with the log's
    ``tpl_id`` (an active one first), else ``None``. A NULL fee counts as 0. Days are told
    by :func:`local_day`, so MySQL and MariaDB need no time zone tables for them.
    """
    tz = tz or timezone.get_current_timezone()
    low, high = day_bounds(start, end, tz)
    same_tpl_id = (
        SmsTemplate.objects.filter(tpl_id=OuterRef("tpl_id"))
        .order_by("-is_active", "name")
        .values("name")[:1]
    )
    return list(
        queryset.filter(created_at__gte=low, created_at__lt=high)
        .annotate(
            day=(
                local_day("created_at", low, high, tz)
                if settings.USE_TZ
                else TruncDate("created_at")
            ),
            template_name=Coalesce("template__name", Subquery(same_tpl_id)),
        )
        .order_by()
        .values("day", "template_name", "tpl_id", "status")
        .annotate(messages=Count("pk"), fee=Coalesce(Sum("fee"), 0))
    )


@dataclass
class Tally:
    messages: int = 0
    fee: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def add(self, status: str, messages: int, fee: int) -> None:
        self.messages += messages
        self.fee += fee
        self.by_status[status] = self.by_status.get(status, 0) + messages

    def counts(self, statuses: Iterable[str]) -> list[int]:
        return [self.by_status.get(status, 0) for status in statuses]


@dataclass
class Row:
    """A table row: a label, its tally, and the counts for the table's status columns."""

    label: str
    tally: Tally
    counts: list[int]
    key: object = None
    colour: str = ""

    @property
    def key_text(self) -> str:
        """The key as the page's ``data-`` attributes carry it: a day in ISO form."""
        return self.key.isoformat() if isinstance(self.key, date) else str(self.key)


@dataclass
class Summary:
    start: date
    end: date
    days: dict[date, Tally]
    templates: dict[str, Tally]
    statuses: dict[str, Tally]
    total: Tally
    #: Statuses with at least one message in the range, in display order.
    present_statuses: list[str]
    #: Every status to list: the model's, then any other value found.
    all_statuses: list[str]
    _day_texts: dict[date, str] = field(default_factory=dict, repr=False, compare=False)
    _number_texts: dict[int, str] = field(default_factory=dict, repr=False, compare=False)

    def day_text(self, day: date) -> str:
        """``day`` in the locale's date format, worked out once per day of the page (the
        tables and both charts show each day)."""
        try:
            return self._day_texts[day]
        except KeyError:
            text = self._day_texts[day] = _date_text(
                day, get_language(), formats.get_format("DATE_FORMAT")
            )
            return text

    def number_text(self, value: int) -> str:
        """``value`` localized, once per distinct value of the page."""
        try:
            return self._number_texts[value]
        except KeyError:
            text = self._number_texts[value] = str(formats.localize(value))
            return text

    def colour(self, status: str) -> str:
        if status in STATUS_COLOURS:
            return STATUS_COLOURS[status]
        extras = [s for s in self.all_statuses if s not in STATUS_COLOURS]
        return EXTRA_COLOURS[extras.index(status) % len(EXTRA_COLOURS)]

    def day_rows(self) -> list[Row]:
        return [
            Row(self.day_text(day), tally, tally.counts(self.present_statuses), key=day)
            for day, tally in self.days.items()
        ]

    def template_rows(self) -> list[Row]:
        ordered = sorted(self.templates.items(), key=lambda item: (-item[1].messages, item[0]))
        return [
            Row(label, tally, tally.counts(self.present_statuses), key=label)
            for label, tally in ordered
        ]

    def status_rows(self) -> list[Row]:
        return [
            Row(
                status_label(status),
                self.statuses.get(status, Tally()),
                [],
                key=status,
                colour=self.colour(status),
            )
            for status in self.all_statuses
        ]

    def status_columns(self) -> list[Row]:
        """Headers for the per-status columns of the day and template tables."""
        return [
            Row(status_label(s), self.statuses[s], [], key=s, colour=self.colour(s))
            for s in self.present_statuses
        ]


@lru_cache(maxsize=4096)
def _date_text(day: date, language: str | None, date_format: str) -> str:
    """``day`` in ``date_format``, kept across pages: a year's page shows 365 days."""
    return dateformat.format(day, date_format)


def status_label(status: str) -> str:
    try:
        return str(SmsLog.Status(status).label)
    except ValueError:
        return status


def template_label(name: str | None, tpl_id: int) -> str:
    return name or f"#{tpl_id}"


def summarize(rows: Iterable[Mapping[str, Any]], start: date, end: date) -> Summary:
    """Fold :func:`aggregate`'s rows into tallies; every day of the range is present."""
    days = {day: Tally() for day in days_between(start, end)}
    templates: dict[str, Tally] = {}
    labels: dict[tuple[str | None, int], str] = {}
    # Per status: [messages, fee]; the status tallies and the total are made from these.
    per_status: dict[str, list[int]] = {}
    for row in rows:
        tally = days.get(row["day"])
        if tally is None:  # a DST gap at midnight can move a row just outside
            continue
        status, messages, fee = row["status"], row["messages"], row["fee"] or 0
        tally.add(status, messages, fee)
        key = (row["template_name"], row["tpl_id"])
        label = labels.get(key)
        if label is None:
            label = labels[key] = template_label(*key)
        templates.setdefault(label, Tally()).add(status, messages, fee)
        sums = per_status.setdefault(status, [0, 0])
        sums[0] += messages
        sums[1] += fee
    statuses = {s: Tally(m, f, {s: m}) for s, (m, f) in per_status.items()}
    total = Tally()
    for status, (messages, fee) in per_status.items():
        total.add(status, messages, fee)
    extras = sorted(set(statuses) - set(STATUS_ORDER))
    all_statuses = [str(s) for s in STATUS_ORDER] + extras
    present = [s for s in all_statuses if statuses.get(s, Tally()).messages]
    return Summary(start, end, days, templates, statuses, total, present, all_statuses)


def range_text(summary: Summary) -> dict[str, str]:
    return {
        "start": formats.date_format(summary.start),
        "end": formats.date_format(summary.end),
    }
