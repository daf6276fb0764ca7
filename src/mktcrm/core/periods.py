"""KPI periods in an account's own timezone: what "this month" means in Paris is not what it means in UTC.

A period is read once (`parse_period`) and resolved per timezone (`Spec.resolve`): each account gets its
own UTC bounds, the previous period of the same length (for `--compare`) and its month or week buckets
(for `--by month|week`). Arithmetic is done on the local wall clock, so a period across a DST change
starts and ends at local midnight and may last 23 or 25 hours more or less than N × 24 h.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mktcrm.errors import UsageError

HINT = (
    "use 7d, 30d, 90d, 365d, this-month, last-month, this-quarter, last-quarter, 2026-03, all,"
    " or 2026-01-01..2026-03-31"
)
_DAYS = re.compile(r"^([1-9][0-9]{0,4})d$")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


@dataclass(frozen=True)
class Period:
    """[start, end) as aware UTC datetimes, and how to name it."""

    start: datetime
    end: datetime
    label: str


@dataclass(frozen=True)
class Spec:
    """A period as the seller typed it, not yet placed in a timezone."""

    text: str
    kind: str  # days | month | quarter | range | all
    days: int = 0
    first: date | None = None  # range: first day; month/quarter: first day of the unit
    last: date | None = None  # range: last day (included)
    to_date: bool = False  # this-month / this-quarter: up to now, compared with the same span before
    back: int = 0  # last-month / last-quarter: units back from the one holding now

    def resolve(self, now: datetime, tz: str) -> Period:
        zone = ZoneInfo(tz)
        local_now = now.astimezone(zone)
        if self.kind == "all":
            return Period(datetime(1970, 1, 1, tzinfo=UTC), now.astimezone(UTC), "all time")
        if self.kind == "days":
            return _period(local_now - timedelta(days=self.days), local_now, f"last {self.days} days")
        if self.kind == "range":
            assert self.first and self.last
            return _period(_midnight(self.first, zone), _midnight(self.last + timedelta(days=1), zone), self.text)
        months = 1 if self.kind == "month" else 3
        first = self.first or _add_months(_unit_start(local_now.date(), self.kind), -months * self.back)
        end = _midnight(_add_months(first, months), zone)
        label = f"{first:%Y-%m}" if self.kind == "month" else f"{first.year}-Q{(first.month - 1) // 3 + 1}"
        if self.to_date:
            end, label = min(end, local_now), f"{label} to date"
        return _period(_midnight(first, zone), end, label)

    def previous(self, now: datetime, tz: str) -> Period | None:
        """The period of the same length just before (the same days of the previous month for month-to-date)."""
        if self.kind == "all":
            return None
        zone = ZoneInfo(tz)
        current = self.resolve(now, tz)
        start, end = current.start.astimezone(zone), current.end.astimezone(zone)
        if self.kind == "days":
            return _period(start - timedelta(days=self.days), start, f"previous {self.days} days")
        if self.kind == "range":
            assert self.first and self.last
            span = (self.last - self.first).days + 1
            first = self.first - timedelta(days=span)
            return _period(_midnight(first, zone), start, f"{first}..{self.first - timedelta(days=1)}")
        months = 1 if self.kind == "month" else 3
        first = _add_months(start.date(), -months)
        prev_start = _midnight(first, zone)
        # Month-to-date: the same wall-clock span from the previous unit's start, never past its end.
        elapsed = end.replace(tzinfo=None) - start.replace(tzinfo=None)
        prev_end = (
            min((prev_start.replace(tzinfo=None) + elapsed).replace(tzinfo=zone), start) if self.to_date else start
        )
        label = f"{first:%Y-%m}" if self.kind == "month" else f"{first.year}-Q{(first.month - 1) // 3 + 1}"
        return _period(prev_start, prev_end, label + (" same days" if self.to_date else ""))

    def buckets(self, now: datetime, tz: str, by: str) -> list[Period]:
        """The period cut at local month or ISO-week starts (the first and last buckets may be partial)."""
        zone = ZoneInfo(tz)
        whole = self.resolve(now, tz)
        start, end = whole.start.astimezone(zone), whole.end.astimezone(zone)
        if self.kind == "all":
            start = start.replace(year=max(start.year, 2000))
        out: list[Period] = []
        cursor = start
        while cursor < end:
            day = cursor.date()
            if by == "month":
                nxt = _add_months(day.replace(day=1), 1)
                label = f"{day:%Y-%m}"
            else:
                nxt = day - timedelta(days=day.weekday()) + timedelta(days=7)
                iso_year, week, _ = day.isocalendar()
                label = f"{iso_year}-W{week:02d}"
            stop = min(_midnight(nxt, zone), end)
            out.append(_period(cursor, stop, label))
            cursor = stop.astimezone(zone)
        return out


def parse_period(text: str) -> Spec:
    """`7d`…`36500d`, `this-month`, `last-month`, `this-quarter`, `last-quarter`, `YYYY-MM`, `all`, `A..B`."""
    text = text.strip()
    if text == "all":
        return Spec(text, "all")
    if (m := _DAYS.match(text)) and int(m[1]) <= 36500:
        return Spec(text, "days", days=int(m[1]))
    if text in ("this-month", "this-quarter"):
        return Spec(text, text.removeprefix("this-"), to_date=True)
    if text in ("last-month", "last-quarter"):
        return Spec(text, text.removeprefix("last-"), back=1)
    if (m := _MONTH.match(text)) and 1 <= int(m[2]) <= 12 and 1970 <= int(m[1]) < 9999:
        return Spec(text, "month", first=date(int(m[1]), int(m[2]), 1))
    if ".." in text:
        first, _, last = text.partition("..")
        try:
            a, b = date.fromisoformat(first), date.fromisoformat(last)
        except ValueError:
            a = b = None
        if a and b and a <= b and b.year < 9999 and a.year >= 1970:
            return Spec(text, "range", first=a, last=b)
    raise UsageError(f"cannot read the period {text!r}", hint=HINT)


def _unit_start(day: date, kind: str) -> date:
    month = day.month if kind == "month" else 3 * ((day.month - 1) // 3) + 1
    return date(day.year, month, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _period(start: datetime, end: datetime, label: str) -> Period:
    return Period(start.astimezone(UTC), end.astimezone(UTC), label)
