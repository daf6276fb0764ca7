"""Marketplace limits next to the KPI rows: a status per account, and how far each figure is from its limit.

Limits come from each connector's `kpi_limits` (with their source); an account's `kpi_limits` in config
replaces a limit's value (Mirakl operators each set their own). A limit on a figure mktcrm cannot
compute reads "no data" with where to see it, never "ok".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from mktcrm.connectors.kpi_limit import KpiLimit

# Rate figure -> (its numerator, its denominator, what one more numerator item is called).
_COUNTS = {
    "dispute_rate_pct": ("disputed_orders", "dispute_cohort", "disputed order"),
    "cancel_rate_pct": ("not_sold", "placed", "cancelled order"),
}
_RANK = {"breach": 3, "warn": 2, "ok": 1, "no data": 0}


def check(
    row: Mapping[str, Any], limits: Sequence[KpiLimit], overrides: Mapping[str, float], counts: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One line per limit: value, limit, status and the distance in words."""
    out = []
    for lim in limits:
        limit = float(overrides.get(lim.field, lim.limit))
        warn = lim.warn if lim.field not in overrides else None  # an operator's own limit has no default alert
        value = row.get(lim.field)
        item = {
            "account": row.get("account"),
            "marketplace": row.get("marketplace"),
            "field": lim.field,
            "name": lim.name,
            "value": value,
            "bound": lim.bound,
            "limit": limit,
            "status": "no data",
            "distance": lim.note or "no data in the period",
            "source": lim.source,
            "checked": lim.checked.isoformat() if lim.checked else None,
        }
        if value is not None:
            over = value > limit if lim.bound == "max" else value < limit
            near = warn is not None and (value > warn if lim.bound == "max" else value < warn)
            item["status"] = "breach" if over else ("warn" if near else "ok")
            item["distance"] = _distance(lim, limit, float(value), counts)
        out.append(item)
    return out


def worst(items: Sequence[Mapping[str, Any]]) -> str | None:
    """The row's status column: its worst limit ("no data" only when no limit could be checked)."""
    return max((i["status"] for i in items), key=_RANK.__getitem__, default=None)


def _distance(lim: KpiLimit, limit: float, value: float, counts: Mapping[str, Any]) -> str:
    unit = " h" if lim.field.endswith("_h") else (" %" if lim.field.endswith("_pct") else "")
    if lim.field in _COUNTS:
        part_key, whole_key, noun = _COUNTS[lim.field]
        part, whole = counts.get(part_key) or 0, counts.get(whole_key) or 0
        if whole:
            # Items the rate may hold at most while staying at or under the limit, same number of orders.
            allowed = math.floor(limit * whole / 100 + 1e-9)
            if part <= allowed:
                more = allowed - part + 1
                return f"{more} more {noun}{'s' if more > 1 else ''} in this period crosses {limit:g}{unit}"
            fewer = part - allowed
            return f"{fewer} {noun}{'s' if fewer > 1 else ''} over the limit of {limit:g}{unit}"
    gap = round(limit - value if lim.bound == "max" else value - limit, 2)
    if gap >= 0:
        return f"{gap:g}{unit} of margin before {limit:g}{unit}"
    return f"{-gap:g}{unit} past the limit of {limit:g}{unit}"
