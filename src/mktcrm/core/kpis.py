"""KPI definitions (DESIGN §8): each figure defined once, here, and printed by `kpi --explain`."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mktcrm.errors import UsageError
from mktcrm.timeutil import from_minor, iso, parse_time

if TYPE_CHECKING:
    import sqlite3

DEFINITIONS: dict[str, str] = {
    "orders": "orders created in the period, not cancelled or refused",
    "revenue": "sum of those orders' totals (decimal string; null when accounts mix currencies)",
    "aov": "average order value: revenue / orders",
    "reviews": "reviews (seller feedback and product reviews) created in the period",
    "avg_rating": "mean rating of those reviews, 1-5",
    "satisfaction_pct": "reviews rated 4 or 5 / reviews, in % (Amazon's positive-feedback rule)",
    "reply_rate_pct": "reviews with a public reply / reviews, in %",
    "median_reply_h": "median hours from review to reply, replied reviews only",
    "disputes": "disputes (incidents, returns, claims…) opened in the period",
    "dispute_rate_pct": "orders with a dispute opened in the period / orders, in %",
    "median_resolution_h": "median hours from opened to resolved, disputes resolved in the period",
    "repurchase_rate_pct": "buyers with 2+ orders on the account up to the period's end / buyers who ordered"
    " in the period, in %",
}


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    label: str


def parse_period(text: str, now: datetime) -> Period:
    """`30d`, `90d`, `365d`, `all`, or `YYYY-MM-DD..YYYY-MM-DD` (end day included)."""
    if text == "all":
        return Period(datetime(1970, 1, 1, tzinfo=now.tzinfo), now, "all time")
    if text.endswith("d") and text[:-1].isdigit() and 0 < int(text[:-1]) <= 36500:
        return Period(now - timedelta(days=int(text[:-1])), now, f"last {text[:-1]} days")
    if ".." in text:
        first, _, last = text.partition("..")
        try:
            start, end = parse_time(first), parse_time(last)
        except ValueError:
            start = end = None
        if start and end and start <= end and end.year < 9999:  # the end day is included: end + 1 day must exist
            return Period(start, end + timedelta(days=1), f"{first} to {last}")
    raise UsageError(f"cannot read the period {text!r}", hint="use 30d, 90d, 365d, all, or 2026-01-01..2026-03-31")


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _figures(account: str, s: dict[str, Any]) -> dict[str, Any]:
    currencies = s["currencies"]
    currency = next(iter(currencies)) if len(currencies) == 1 else (None if not currencies else "mixed")
    revenue = s["revenue_minor"] if currency != "mixed" else None
    return {
        "account": account,
        "marketplace": s["marketplace"],
        "orders": s["orders"],
        "revenue": from_minor(revenue) if revenue is not None else None,
        "currency": currency,
        "aov": from_minor(round(revenue / s["orders"])) if revenue is not None and s["orders"] else None,
        "reviews": s["reviews"],
        "avg_rating": round(s["rating_sum"] / s["reviews"], 2) if s["reviews"] else None,
        "satisfaction_pct": _pct(s["positive"], s["reviews"]),
        "reply_rate_pct": _pct(s["replied"], s["reviews"]),
        "median_reply_h": _median(s["reply_hours"]),
        "disputes": s["disputes"],
        "dispute_rate_pct": _pct(s["disputed_orders"], s["orders"]),
        "median_resolution_h": _median(s["resolution_hours"]),
        "repurchase_rate_pct": _pct(s["repeat_buyers"], s["buyers"]),
    }


def compute(
    db: sqlite3.Connection, period: Period, accounts: Sequence[str], marketplaces: dict[str, str]
) -> list[dict[str, Any]]:
    """One row per account (configured accounts with no data included) and a `total` row."""
    from mktcrm.db.queries import empty_kpi_inputs, kpi_inputs

    start, end = iso(period.start), iso(period.end)
    assert start and end
    data = kpi_inputs(db, start, end, accounts)
    for name, market in marketplaces.items():
        if (not accounts or name in accounts) and name not in data:
            data[name] = empty_kpi_inputs(market)
    rows = [_figures(name, data[name]) for name in sorted(data)]
    total = empty_kpi_inputs("all")
    for s in data.values():
        for key, value in s.items():
            if key == "marketplace":
                continue
            if isinstance(value, set):
                total[key].update(value)
            elif isinstance(value, list):
                total[key].extend(value)
            else:
                total[key] += value
    rows.append(_figures("total", total))
    return rows
