"""KPI definitions (DESIGN §8): each figure defined once, here, and printed by `kpi --explain`.

Figures come from raw counts (`db.kpi_queries`), one account and one period at a time in the account's
timezone; rows for a marketplace or the total merge those counts, never the rounded figures. A figure
the data cannot give is None (empty), never 0, and `notes` says why: an account whose marketplace
cannot give a figure is left out of the total's figure rather than pulling it down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mktcrm.core.periods import Period
from mktcrm.money import from_minor
from mktcrm.timeutil import iso

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.config import Account


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str  # count | money | pct | h | rating
    better: int  # +1 higher is better, -1 lower is better, 0 neither (for --compare colours)
    definition: str
    label: str = ""


_EXCLUDED = "Cancelled and refused orders are not sales; refunded ones are sales but not revenue"
FIGURES: tuple[Figure, ...] = (
    Figure("satisfaction_pct", "pct", 1, "reviews rated 4 or 5 / rated reviews created in the period", "satisf%"),
    Figure(
        "median_resolution_h", "h", -1, "median hours opened → resolved, disputes resolved in the period", "resol_h"
    ),
    Figure(
        "repurchase_rate_pct",
        "pct",
        1,
        "the period's buyers with 2+ orders on the account up to the period's end / the period's buyers",
        "repurch%",
    ),
    Figure("orders", "count", 1, f"sales volume: orders created in the period. {_EXCLUDED}"),
    Figure("revenue", "money", 1, "sum of the period's order totals, refunded orders excluded; per currency"),
    Figure("aov", "money", 1, "revenue / orders that make it (not refunded)"),
    Figure("reviews", "count", 0, "reviews (seller feedback and product reviews) created in the period"),
    Figure("avg_rating", "rating", 1, "mean rating of the period's rated reviews, 1-5", "rating"),
    Figure(
        "reply_rate_pct", "pct", 1, "the period's reviews with a reply (public, sent, or task done) / reviews", "reply%"
    ),
    Figure("tickets", "count", -1, "buyer messages and threads (kind inquiry) opened in the period: not disputes"),
    Figure("disputes", "count", -1, "incidents, returns, claims, cases, payment disputes opened in the period"),
    Figure(
        "dispute_rate_pct",
        "pct",
        -1,
        "the period's orders with a dispute (opened at any time) / the period's orders: 0-100 %",
        "dispute%",
    ),
    Figure(
        "csat_pct",
        "pct",
        1,
        "the period's orders whose seller feedback is 4 or 5 stars / the period's orders with seller feedback",
        "csat%",
    ),
    Figure("median_reply_h", "h", -1, "median hours review → reply, the period's replied reviews", "reply_h"),
    Figure(
        "median_first_response_h",
        "h",
        -1,
        "median hours a ticket opened in the period waited for the seller's first message (answered ones)",
        "first_h",
    ),
    Figure(
        "retention_pct",
        "pct",
        1,
        "buyers of the previous period of the same length who bought again in this one / those buyers",
        "retain%",
    ),
    Figure(
        "repeat_buyer_pct", "pct", 1, "the period's buyers with 2+ orders within the period / its buyers", "repeat%"
    ),
    Figure(
        "cltv", "money", 1, "mean revenue per buyer over their whole history up to the period's end (period buyers)"
    ),
    Figure("cltv_12m", "money", 1, "mean revenue per buyer over the 12 months up to the period's end (period buyers)"),
    Figure("cancel_rate_pct", "pct", -1, "cancelled or refused orders / orders placed in the period", "cancel%"),
    Figure("buyers", "count", 1, "distinct buyers with an order in the period"),
    Figure("open_tasks", "count", -1, "manual tasks still open, now (whatever the period)"),
    Figure("overdue", "count", -1, "open tasks and unresolved disputes past their deadline, now (whatever the period)"),
)
BY_NAME = {f.name: f for f in FIGURES}
SNAPSHOT = ("open_tasks", "overdue")  # "now" figures: not repeated for a previous period
# Inputs each figure reads: an account whose marketplace cannot give the figure drops them from merges.
INPUTS: dict[str, tuple[str, ...]] = {
    "satisfaction_pct": ("rated", "positive"),
    "avg_rating": ("rated", "rating_sum"),
    "csat_pct": ("rated_orders", "happy_orders"),
    "tickets": ("tickets",),
    "median_first_response_h": ("first_response_hours",),
    "disputes": ("disputes",),
    "dispute_rate_pct": ("disputed_orders", "dispute_cohort"),
    "median_resolution_h": ("resolution_hours",),
    "reply_rate_pct": ("replied", "reply_cohort"),
    "median_reply_h": ("reply_hours",),
}
DISPUTE_FIGURES = ("tickets", "median_first_response_h", "disputes", "dispute_rate_pct", "median_resolution_h")


def gaps(connector: Any) -> dict[str, str]:
    """Figures this marketplace cannot give, and why (declared by its connector)."""
    out = {}
    if connector.capabilities.get("sync_disputes", "none") != "api":
        why = connector.instead.get("sync_disputes", "this marketplace has no dispute API")
        out = {name: f"disputes are not synced: {why}" for name in DISPUTE_FIGURES}
    return {**out, **connector.kpi_gaps}


def account_inputs(
    db: sqlite3.Connection, account: Account, periods: Sequence[tuple[Period, Period | None]]
) -> list[dict[str, Any]]:
    """Raw counts of one account per (period, the period before it for retention — default: the same length
    just before)."""
    from mktcrm.db.kpi_queries import period_inputs

    windows = []
    for period, before in periods:
        start, end = iso(period.start), iso(period.end)
        prev = iso(before.start if before else period.start - (period.end - period.start))
        assert start and end and prev
        windows.append((start, end, prev))
    out = period_inputs(db, account.name, windows)
    for s, (start, end, _prev) in zip(out, windows, strict=True):
        s["dispute_cohort"] = s.get("orders", 0)
        s["period"] = (start, end)
        s["account"] = account.name
    return out


def merge(parts: Sequence[tuple[dict[str, Any], dict[str, str]]]) -> dict[str, Any]:
    """Sum the raw counts of several accounts; inputs of a figure an account cannot give are left out."""
    total: dict[str, Any] = {"by_currency": {}}
    for s, missing in parts:
        dropped = {key for name in missing for key in INPUTS.get(name, ())}
        for key, value in s.items():
            if key in dropped or key in ("period", "account"):
                continue
            if key == "by_currency":
                for cur, (n, rev) in value.items():
                    n0, r0 = total["by_currency"].get(cur, (0, 0))
                    total["by_currency"][cur] = [n0 + n, r0 + rev]
            elif key == "buyer_currency":
                prior = total.get(key)
                total[key] = value if prior is None or value in (None, prior) else "mixed"
                total[key] = total[key] or prior
            elif isinstance(value, list):
                total.setdefault(key, []).extend(value)
            elif value is None or (key in total and total[key] is None):
                total[key] = None  # unknown in one part (money in several currencies): unknown in the sum
            else:
                total[key] = total.get(key, 0) + value
    return total


def figures(s: dict[str, Any], missing: dict[str, str]) -> dict[str, Any]:
    """The figures of one row from its raw counts; a figure in `missing` is None whatever the counts."""
    by_cur = s.get("by_currency", {})
    currency = next(iter(by_cur)) if len(by_cur) == 1 else ("mixed" if by_cur else None)
    paid, revenue = by_cur.get(currency, (0, None))
    orders = s.get("orders", 0)
    buyers = s.get("buyers", 0)
    buyer_cur = s.get("buyer_currency")
    row: dict[str, Any] = {
        "orders": orders,
        "revenue": from_minor(revenue, currency),
        "currency": currency,
        "revenue_by_currency": {c: from_minor(r, c) for c, (_n, r) in sorted(by_cur.items())} if by_cur else None,
        "aov": from_minor(round(revenue / paid), currency) if revenue is not None and paid else None,
        "reviews": s.get("reviews", 0),
        "avg_rating": round(s["rating_sum"] / s["rated"], 2) if s.get("rated") else None,
        "satisfaction_pct": _pct(s.get("positive"), s.get("rated")),
        "csat_pct": _pct(s.get("happy_orders"), s.get("rated_orders")),
        "reply_rate_pct": _pct(s.get("replied"), s.get("reply_cohort")),
        "median_reply_h": _median(s.get("reply_hours")),
        "tickets": s.get("tickets"),
        "median_first_response_h": _median(s.get("first_response_hours")),
        "disputes": s.get("disputes"),
        "dispute_rate_pct": _pct(s.get("disputed_orders"), s.get("dispute_cohort")),
        "median_resolution_h": _median(s.get("resolution_hours")),
        "buyers": buyers,
        "repurchase_rate_pct": _pct(s.get("repeat_buyers"), buyers),
        "repeat_buyer_pct": _pct(s.get("repeat_in_period"), buyers),
        "retention_pct": _pct(s.get("retained"), s.get("prev_buyers")),
        "cltv": _per_buyer(s.get("history_revenue"), buyers, buyer_cur),
        "cltv_12m": _per_buyer(s.get("year_revenue"), buyers, buyer_cur),
        "cancel_rate_pct": _pct(s.get("not_sold"), s.get("placed")),
        "open_tasks": s.get("open_tasks"),
        "overdue": s.get("overdue"),
    }
    for name in missing:
        if name in row:
            row[name] = None
    return row


def change(name: str, now: Any, before: Any) -> float | None:
    """Rates change in points; counts, money and hours in % of the previous value (None from 0 or empty)."""
    if now is None or before is None:
        return None
    a, b = Decimal(str(now)), Decimal(str(before))
    if BY_NAME[name].unit == "pct":
        return float(round(a - b, 1))
    return float(round(100 * (a - b) / b, 1)) if b else None


def notes(missing: dict[str, str], left_out: dict[str, list[str]], row: dict[str, Any]) -> list[str]:
    """Why cells are empty, and what a merged row leaves out."""
    out = [f"{name}: {why}" for name, why in missing.items() if name in BY_NAME]
    out += [f"{name}: leaves out {', '.join(names)}" for name, names in sorted(left_out.items()) if names]
    if row.get("currency") == "mixed":
        out.append("revenue: several currencies, not added together (see revenue_by_currency)")
    return out


def _pct(part: float | None, whole: float | None) -> float | None:
    return round(100 * part / whole, 1) if whole and part is not None else None


def _median(values: list[float] | None) -> float | None:
    if not values:
        return None
    import statistics  # imports random and hashlib: only when there is a delay to take the median of

    return round(statistics.median(values), 1)


def _per_buyer(revenue: int | None, buyers: int, currency: str | None) -> str | None:
    if revenue is None or not buyers or currency in (None, "mixed"):
        return None
    return from_minor(round(revenue / buyers), currency)
