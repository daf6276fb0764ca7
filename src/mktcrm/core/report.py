"""What `mktcrm report` puts in one file: KPIs against the period before, monthly trends per account, what is
due, the friction points, and any extra section a module provides (segments).

The figures come from the same functions as `mktcrm kpi`, `due` and `insights`, so the report cannot
disagree with them (tests/test_report.py checks the KPI table against `mktcrm kpi --json`). Rendering to
HTML or Markdown is report_html.py's job; this module only gathers plain data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mktcrm.core import due, insights, kpi_view, kpis, segments
from mktcrm.core.periods import parse_period

if TYPE_CHECKING:
    from mktcrm.config import Account
    from mktcrm.connectors.base import Connector
    from mktcrm.core.deps import Services

TREND_FIELDS = ("orders", "revenue", "satisfaction_pct")
TREND_PERIOD = "365d"  # twelve months of bars, whatever the report's own period
WORST_SKUS = 10


@dataclass
class Section:
    """A table the report shows as it is: a title, (field, header) columns, and rows of plain values."""

    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    note: str = ""


@dataclass
class Report:
    title: str
    period: str
    generated_at: str
    compare: bool
    kpi_columns: list[tuple[str, str, str]]  # field, header, unit
    kpi_rows: list[dict[str, Any]]
    trends: dict[str, dict[str, list[tuple[str, float | None]]]]  # account -> field -> (month, value)
    trend_units: dict[str, str]
    sections: list[Section] = field(default_factory=list)


def build(
    app: Services,
    accounts: Sequence[Account],
    connector_of: Callable[[Account], type[Connector]],
    period: str,
    now: datetime,
    *,
    within: timedelta = timedelta(days=7),
) -> Report:
    """Everything the report shows, computed once."""
    spec = parse_period(period)
    compare = spec.kind != "all"
    rows, _checks, title = kpi_view.run(app.db, accounts, connector_of, period, now, compare=compare)
    columns = [(name, kpis.BY_NAME[name].label or name, kpis.BY_NAME[name].unit) for name in kpi_view.DEFAULT]
    monthly, _c, _t = kpi_view.run(app.db, accounts, connector_of, TREND_PERIOD, now, by="month")
    trends: dict[str, dict[str, list[tuple[str, float | None]]]] = {}
    for row in monthly:
        series = trends.setdefault(row["account"], {f: [] for f in TREND_FIELDS})
        for name in TREND_FIELDS:
            value = row.get(name)
            series[name].append((row["month"], None if value is None else float(value)))
    units = {name: {"pct": " %", "money": ""}.get(kpis.BY_NAME[name].unit, "") for name in TREND_FIELDS}
    names = [a.name for a in accounts]
    sections = [
        _due(app, names, now, within),
        _friction(app, accounts, connector_of, spec, now),
        _worst_skus(app, accounts, connector_of, spec, now),
        _segments(app, accounts),
    ]
    label = title.removeprefix("KPIs, ").removesuffix(" (± against the period before)")
    return Report(
        title=f"Customer report, {label}",
        period=label,
        generated_at=now.strftime("%Y-%m-%d %H:%M UTC"),
        compare=compare,
        kpi_columns=columns,
        kpi_rows=rows,
        trends=trends,
        trend_units=units,
        sections=sections,
    )


def _due(app: Services, names: list[str], now: datetime, within: timedelta) -> Section:
    rows = due.items(app, names, now + within)
    columns = [("due_at", "due"), ("time_left", "time left"), ("what", "what"), ("account", "account"),
               ("id", "id"), ("detail", "detail")]  # fmt: skip
    days = within.total_seconds() / 86400
    return Section(f"Due within {days:g} days (overdue first)", columns, rows, "" if rows else "Nothing due.")


def _friction(
    app: Services,
    accounts: Sequence[Account],
    connector_of: Callable[[Account], type[Connector]],
    spec: Any,
    now: datetime,
) -> Section:
    rows = insights.theme_rows(app.db, accounts, connector_of, spec, now)
    columns = [("account", "account"), ("theme", "theme"), ("items", "items"), ("reviews", "reviews"),
               ("disputes", "disputes"), ("share_pct", "share %"), ("previous", "previous"), ("change", "±"),
               ("top_sku", "top SKU"), ("example", "example")]  # fmt: skip
    note = "Negative reviews (1-2★) and disputes by theme; an item touching two themes counts in both."
    return Section("Friction points", columns, rows, note if rows else "No negative review or dispute.")


def _worst_skus(
    app: Services,
    accounts: Sequence[Account],
    connector_of: Callable[[Account], type[Connector]],
    spec: Any,
    now: datetime,
) -> Section:
    rows, left_out = insights.sku_rows(app.db, accounts, connector_of, spec, now)
    columns = [("account", "account"), ("sku", "SKU"), ("title", "title"), ("orders", "orders"),
               ("dispute_rate_pct", "dispute %"), ("negative_rate_pct", "negative review %"),
               ("top_theme", "top theme")]  # fmt: skip
    note = f"SKUs with at least {insights.MIN_ORDERS} orders in the period"
    note += f"; {left_out} with fewer left out." if left_out else "."
    return Section("Worst SKUs by dispute rate", columns, rows[:WORST_SKUS], note)


def _segments(app: Services, accounts: Sequence[Account]) -> Section:
    """Who the buyers are (docs/segments.md): the same rows as `mktcrm segments`."""
    rows = segments.summary(app, [a.name for a in accounts])
    columns = [("account", "account"), ("segment", "segment"), ("buyers", "buyers"), ("buyers_pct", "buyers %"),
               ("revenue_share_pct", "revenue %"), ("repurchase_rate_pct", "repurchase %"),
               ("avg_rating", "avg rating"), ("dispute_rate_pct", "dispute %")]  # fmt: skip
    note = "Segments overlap: a buyer can be in several. For analysis and in-platform replies only."
    return Section("Segments", columns, rows, note if rows else "No buyer in the cache.")
