"""Dispute deadlines (DESIGN §7): the cited rules connectors declare, and the date arithmetic they mean.

Marketplaces count differently: elapsed hours (Amazon), local calendar days (eBay payment disputes,
Etsy, Mirakl incidents) or business days with national holidays (eBay returns). The figures and their
sources come from `shared/research/peer-features.md` §2/§6; an account's `deadlines` setting replaces
a figure (operators differ, policies change) without a release.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mktcrm import connectors
from mktcrm.connectors.deadline_rule import DeadlineRule, Unit
from mktcrm.errors import ConfigError
from mktcrm.timeutil import DEADLINE_SPAN_HINT, parse_deadline_span


def rules() -> list[DeadlineRule]:
    """Every marketplace's rules, as its connector declares them.

    `local` disputes (the seller's own notes) have no marketplace deadline: no row, unless an account sets one.
    """
    return [rule for name in connectors.names() for rule in connectors.get(name).deadline_rules]


def _declared(marketplace: str, kind: str) -> DeadlineRule | None:
    if marketplace not in connectors.names():
        return None
    return next((r for r in connectors.get(marketplace).deadline_rules if r.kind == kind), None)


def parse_override(text: str) -> tuple[int, Unit]:
    """An account's deadline text (`24h`, `4d`, `3bd`), or a ConfigError saying how to write it."""
    try:
        return parse_deadline_span(text)
    except ValueError as exc:
        raise ConfigError(str(exc), hint=DEADLINE_SPAN_HINT) from None


def rule_for(marketplace: str, kind: str, overrides: Mapping[str, str] | None = None) -> DeadlineRule | None:
    """The rule for a dispute, the account's override winning over the table (source "config")."""
    market, kind = marketplace.lower(), kind.lower()
    base = _declared(market, kind)
    text = {k.lower(): v for k, v in (overrides or {}).items()}.get(kind)
    if text is None:
        return base
    amount, unit = parse_override(text)
    if base is None:
        return DeadlineRule(market, kind, amount, unit, "opened_at", "config", None)
    return replace(base, amount=amount, unit=unit, source="config", checked=None, note="")


def respond_by(
    marketplace: str,
    kind: str,
    start: datetime,
    *,
    timezone: str = "Europe/Paris",
    country: str = "FR",
    overrides: Mapping[str, str] | None = None,
) -> datetime | None:
    """When the seller must have acted (aware UTC), or None when no rule applies to this dispute."""
    rule = rule_for(marketplace, kind, overrides)
    if rule is None:
        return None
    return deadline(rule, start, timezone=timezone, country=country)


def deadline(rule: DeadlineRule, start: datetime, *, timezone: str = "Europe/Paris", country: str = "FR") -> datetime:
    """Apply one rule to its start time; days are counted on the account's local clock."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)  # the cache stores UTC
    if rule.unit == "hours":
        return start.astimezone(UTC) + timedelta(hours=rule.amount)
    local = start.astimezone(_zone(timezone))
    if rule.unit == "calendar_days":
        # Aware + timedelta is wall-clock arithmetic: 10:00 stays 10:00 across a DST change.
        return (local + timedelta(days=rule.amount)).astimezone(UTC)
    return _add_business_days(local, rule.amount, country).astimezone(UTC)


def _add_business_days(local: datetime, amount: int, country: str) -> datetime:
    """N business days later at the same local time; a start on a day off counts from the next business day.

    Opened on a Saturday, 3 business days are Monday, Tuesday, Wednesday: due at Wednesday's end
    (Thursday 00:00), so the seller gets whole working days and never lands on a day off.
    """
    day = local.date()
    if not is_business_day(day, country):
        while not is_business_day(day, country):
            day += timedelta(days=1)
        for _ in range(amount - 1):
            day = _next_business_day(day, country)
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=local.tzinfo)
    for _ in range(amount):
        day = _next_business_day(day, country)
    return datetime.combine(day, local.time(), tzinfo=local.tzinfo)


def _next_business_day(day: date, country: str) -> date:
    day += timedelta(days=1)
    while not is_business_day(day, country):
        day += timedelta(days=1)
    return day


def is_business_day(day: date, country: str = "FR") -> bool:
    """Monday to Friday, and not one of the country's national public holidays."""
    return day.weekday() < 5 and day not in _holidays(country.upper(), day.year)


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    import holidays  # loaded only when a business-day deadline is computed (CLI start-up cost)

    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:
        raise ConfigError(
            f"no public-holiday calendar for country {country!r}",
            hint="set the account's country to an ISO 3166 code such as FR, DE, ES, IT or GB",
        ) from None


@lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown timezone {name!r}", hint="use an IANA name such as Europe/Paris") from None


def time_left(respond_by: datetime, now: datetime) -> str:
    """`3 h left`, `overdue by 2 d`, `due now`: whole units only, rounded down (never promise spare time).

    Under a minute either way is `due now`; minutes under 1 h, hours under 48 h, days beyond.
    """
    seconds = int((respond_by - now).total_seconds())
    span = abs(seconds)
    if span < 60:
        return "due now"
    if span < 3600:
        words = f"{span // 60} min"
    elif span < 48 * 3600:
        words = f"{span // 3600} h"
    else:
        words = f"{span // 86400} d"
    return f"{words} left" if seconds > 0 else f"overdue by {words}"


_START_WORDS = {"opened_at": "opening", "updated_at": "the latest message"}


def describe(rule: DeadlineRule, *, country: str = "FR") -> str:
    """One line for `disputes show`: the figure, how it is counted, and why we believe it."""
    if rule.unit == "hours":
        span = f"{rule.amount} h"
    elif rule.unit == "calendar_days":
        span = f"{rule.amount} calendar day{'s' if rule.amount != 1 else ''}"
    else:
        span = f"{rule.amount} business day{'s' if rule.amount != 1 else ''}"
    how = f" ({country.upper()} holidays)" if rule.unit == "business_days" else ""
    if rule.source == "config":
        cited = "source: account config (deadlines)"
    else:
        cited = f"source {rule.source}" + (f", checked {rule.checked.isoformat()}" if rule.checked else "")
    note = f"; {rule.note}" if rule.note else ""
    return f"{span} from {_START_WORDS[rule.start]}{how}, {cited}{note}"
