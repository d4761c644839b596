"""Which bucket a log row counts in, and what it adds there: computed in Python from its values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings

__all__ = ["FIELDS", "NAIVE", "Key", "Tally", "key_of", "rollup_zone", "tally"]

#: The log fields a bucket depends on; a write that touches none of them leaves the rollup be.
FIELDS = ("created_at", "template", "tpl_id", "status", "fee")
#: The columns read from the log to find a row's bucket (``FIELDS`` as stored).
COLUMNS = ("pk", "created_at", "template_id", "tpl_id", "status", "fee")
#: The state's zone name when ``USE_TZ`` is off: days are the naive datetimes' dates.
NAIVE = "(naive)"


class Key(NamedTuple):
    day: date
    template_pk: int
    tpl_id: int
    status: str


#: Bucket -> [messages, fee], as added (or, negative, taken away).
Tally = dict[Key, list[int]]


def rollup_zone() -> str:
    """The zone the rollup's days are in: ``settings.TIME_ZONE``, or :data:`NAIVE`."""
    return str(settings.TIME_ZONE or "UTC") if settings.USE_TZ else NAIVE


#: The last moment ``local_date`` turned into a day (the very object), its zone and the day: a
#: batch's rows share one ``created_at``, and the zone conversion is the dear part.
_last: tuple[datetime, str, date] | None = None


def local_date(moment: datetime) -> date:
    global _last
    if moment.tzinfo is None or not settings.USE_TZ:
        return moment.date()
    zone = rollup_zone()
    last = _last
    if last is not None and last[0] is moment and last[1] == zone:
        return last[2]
    day = moment.astimezone(ZoneInfo(zone)).date()
    _last = (moment, zone, day)
    return day


def key_of(created_at: datetime, template_pk: int | None, tpl_id: int, status: str) -> Key:
    return Key(local_date(created_at), int(template_pk or 0), int(tpl_id), str(status))


def tally(rows: Iterable[tuple[Any, ...]], sign: int = 1, into: Tally | None = None) -> Tally:
    """Add ``rows`` (tuples of :data:`COLUMNS`) to ``into``, ``sign`` times each."""
    into = {} if into is None else into
    # The rows of a batch mostly share their bucket: its key is worked out once for a run of
    # rows with the same values (the local day is the dear part).
    last: tuple[Any, ...] | None = None
    entry = [0, 0]
    for _pk, created_at, template_pk, tpl_id, status, fee in rows:
        # The zone too: two moments can be equal and fall on different days where
        # USE_TZ is off and each keeps its own.
        values = (created_at, getattr(created_at, "tzinfo", None), template_pk, tpl_id, status)
        if values != last:
            entry = into.setdefault(key_of(created_at, template_pk, tpl_id, status), [0, 0])
            last = values
        entry[0] += sign
        entry[1] += sign * int(fee or 0)
    return into


#: The attribute of a log instance holding its row's bucket values as last written here
#: (``single_row``).
BELIEVED = "_tencent_sms_rollup_row"


def believe(objs: Iterable[Any]) -> None:
    """Remember the bucket values of ``objs`` just written."""
    for obj in objs:
        setattr(obj, BELIEVED, row_of(obj))


def row_of(obj: Any) -> tuple[Any, ...]:
    """A log instance's values as :data:`COLUMNS`."""
    return (obj.pk, obj.created_at, obj.template_id, obj.tpl_id, obj.status, obj.fee)
