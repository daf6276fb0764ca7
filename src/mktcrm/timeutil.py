"""Times and money in the cache's one format: UTC ISO-8601 with `Z`, integer minor units."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal


def parse_time(value: str | None) -> datetime | None:
    """An ISO-8601 string from any marketplace (`Z`, offsets, fractions) as an aware UTC datetime."""
    if not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """`2026-11-24T13:05:00Z`: sortable as text, which the cache relies on."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def norm_time(value: str | None) -> str | None:
    return iso(parse_time(value))


def to_minor(value: Any, exponent: int = 2) -> int | None:
    """12.5 → 1250. Through Decimal so 0.1 + 0.2 style float noise never reaches the cache."""
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return int((amount * (10**exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(value: int | None, exponent: int = 2) -> str | None:
    """1250 → "12.50": money leaves the tool as a decimal string (DESIGN §9)."""
    if value is None:
        return None
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**exponent)
    return f"{sign}{whole}.{frac:0{exponent}d}" if exponent else f"{sign}{whole}"


def parse_since(text: str, now: datetime) -> datetime:
    """`--since`: a date, a date-time, or a span back from now such as 7d, 12h, 2w."""
    units = {"h": "hours", "d": "days", "w": "weeks"}
    if text and text[-1] in units and text[:-1].isdigit():
        try:
            return now - timedelta(**{units[text[-1]]: int(text[:-1])})
        except OverflowError:
            from mktcrm.errors import UsageError

            raise UsageError(f"{text!r} goes back too far", hint="use a span under a few thousand days") from None
    try:
        if len(text) == 10:
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        parsed = parse_time(text)
    except ValueError:
        parsed = None
    if parsed is None:
        from mktcrm.errors import UsageError

        raise UsageError(f"cannot read the date {text!r}", hint="use YYYY-MM-DD, an ISO date-time, or 7d / 12h / 2w")
    return parsed


DeadlineUnit = Literal["hours", "calendar_days", "business_days"]
_SPAN_RE = re.compile(r"^\s*(\d+)\s*(bd|d|h)\s*$", re.IGNORECASE)
_SPAN_UNITS: dict[str, DeadlineUnit] = {"h": "hours", "d": "calendar_days", "bd": "business_days"}
DEADLINE_SPAN_HINT = "use a whole number followed by h (hours), d (calendar days) or bd (business days): 24h, 4d, 3bd"


def parse_deadline_span(text: str) -> tuple[int, DeadlineUnit]:
    """A deadline as sellers write it: `24h` elapsed hours, `4d` calendar days, `3bd` business days.

    Raises ValueError; config validation and the deadline rules each turn it into their own error.
    """
    match = _SPAN_RE.match(str(text))
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"invalid dispute deadline {text!r}")
    return int(match.group(1)), _SPAN_UNITS[match.group(2).lower()]
