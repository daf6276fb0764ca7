"""What `mktcrm kpi` shows: its columns (the seeds' four first), the --compare changes, --explain, --chart.

The command parses options and calls `run`/`explain`/`chart`; everything a seller reads is decided here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mktcrm.core import kpi_limits, kpis
from mktcrm.core.kpi_report import BY, report
from mktcrm.core.periods import parse_period
from mktcrm.errors import ConfigError, UsageError
from mktcrm.output import Field

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.config import Account
    from mktcrm.connectors.base import Connector

_KIND = {"count": "int", "money": "money", "pct": "num", "h": "num", "rating": "num"}
# The seeds' table first (satisfaction, resolution delay, repurchase, sales volume), then what a seller scans.
DEFAULT = (
    "satisfaction_pct",
    "median_resolution_h",
    "repurchase_rate_pct",
    "orders",
    "revenue",
    "aov",
    "reviews",
    "avg_rating",
    "reply_rate_pct",
    "tickets",
    "disputes",
    "dispute_rate_pct",
)
EXPLAIN_FIELDS = (Field("field", "id"), Field("definition"), Field("note"))
LIMIT_FIELDS = tuple(
    Field(n, k)
    for n, k in (
        ("account", "id"),
        ("marketplace", "text"),
        ("field", "id"),
        ("value", "num"),
        ("bound", "text"),
        ("limit", "num"),
        ("status", "text"),
        ("distance", "text"),
        ("name", "text"),
        ("source", "text"),
        ("checked", "text"),
    )
)


def fields(by: str, compare: bool) -> list[Field]:
    """Columns for `--by`; with --compare each shown figure gets its change beside it, coloured on a TTY."""
    head = [Field("marketplace", label="market")] if by == "marketplace" else [Field("account", "id")]
    if by != "marketplace":
        head.append(Field("marketplace", label="market"))
    if by in ("month", "week"):
        head.append(Field(by, "id"))
    out = head
    for name in (*DEFAULT, *(f.name for f in kpis.FIGURES if f.name not in DEFAULT)):
        fig = kpis.BY_NAME[name]
        out.append(Field(name, _KIND[fig.unit], default=name in DEFAULT, label=fig.label or None))  # type: ignore[arg-type]
        if name == "revenue":
            out.append(Field("currency", label="cur"))
        if compare and name in DEFAULT:
            out.append(Field(f"{name}_change", "text", label="±", style=_style(fig.better)))
    out += [Field("status", "text"), Field("revenue_by_currency", default=False), Field("notes", default=False)]
    out += [Field("period_start", "time", default=False), Field("period_end", "time", default=False)]
    if compare:
        out += [Field("previous", default=False), Field("change", default=False)]
    return out


def run(
    db: sqlite3.Connection,
    accounts: Sequence[Account],
    connector_of: Callable[[Account], type[Connector]],
    period: str,
    now: datetime,
    *,
    by: str = "account",
    compare: bool = False,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """KPI rows, their limit checks, and a title naming the period."""
    if by not in BY:
        raise UsageError(f"cannot group by {by!r}", hint=f"use one of: {', '.join(BY)}")
    if compare and by in ("month", "week"):
        raise UsageError("--compare goes with --by account or marketplace", hint="--by month already shows the trend")
    spec = parse_period(period)
    if compare and spec.kind == "all":
        raise UsageError("--compare needs a period with one before it", hint="use 30d, this-month, 2026-03…")
    rows = report(db, accounts, lambda a: kpis.gaps(connector_of(a)), spec, now, by=by, compare=compare)
    checks: list[dict[str, Any]] = []
    by_name = {a.name: a for a in accounts}
    for row in rows:
        account = by_name.get(row.get("account") or "")
        row["status"] = None
        if account is not None and by == "account":
            lims = connector_of(account).kpi_limits
            unknown = sorted(set(account.kpi_limits) - {lim.field for lim in lims})
            if unknown:
                raise ConfigError(
                    f"account {account.name!r}: kpi_limits.{unknown[0]} is not a limit of {account.marketplace}",
                    hint=f"limits there: {', '.join(lim.field for lim in lims) or 'none'}",
                )
            items = kpi_limits.check(row, lims, account.kpi_limits, row.get("_counts", {}))
            row["status"] = kpi_limits.worst(items)
            checks += items
        for name, delta in (row.get("change") or {}).items():
            row[f"{name}_change"] = _signed(name, delta)
    first = accounts[0] if accounts else None
    label = spec.resolve(now, first.timezone).label if first else period
    return rows, checks, f"KPIs, {label}" + (" (± against the period before)" if compare else "")


def explain(rows: Sequence[dict[str, Any]], checks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every definition, why a cell is empty, and how far each account is from each limit."""
    out = [{"field": f.name, "definition": f.definition, "note": ""} for f in kpis.FIGURES]
    reasons: dict[str, list[str]] = {}
    for row in rows:
        for note in row.get("notes") or []:
            name, _, why = note.partition(": ")
            reasons.setdefault(name, []).append(f"{row.get('account') or row.get('marketplace')}: {why}")
    for item in out:
        item["note"] = "; ".join(reasons.get(item["field"], []))
    for c in checks:
        bound = "at most" if c["bound"] == "max" else "at least"
        out.append(
            {
                "field": f"{c['account']}: {c['field']}",
                "definition": f"{c['name']}: {bound} {c['limit']:g} ({c['source']}, checked {c['checked']})",
                "note": f"{c['status']}: {c['distance']}" if c["value"] is not None else f"no data: {c['distance']}",
            }
        )
    return out


def chart(rows: Sequence[dict[str, Any]], field: str, by: str, tty: bool) -> list[str]:
    """One line per account: a sparkline on a terminal; plain `account bucket value bar` lines when piped."""
    if field not in kpis.BY_NAME:
        raise UsageError(f"unknown field {field!r} for --chart", hint=f"use one of: {', '.join(kpis.BY_NAME)}")
    series: dict[str, list[tuple[str, Any]]] = {}
    for row in rows:
        series.setdefault(row["account"], []).append((row[by], row[field]))
    numbers = [float(v) for s in series.values() for _b, v in s if v is not None]
    top = max(numbers, default=0.0) or 1.0
    lines = []
    for account, points in series.items():
        if tty:
            ticks = "".join(
                " " if v is None else "▁▂▃▄▅▆▇█"[min(7, int(7 * max(float(v), 0) / top + 0.5))] for _b, v in points
            )
            shown = [v for _b, v in points if v is not None]
            last = f"last {shown[-1]}" if shown else "no data"
            lines.append(f"{account:<16} {points[0][0]}…{points[-1][0]} {ticks}  {last}")
        else:
            for bucket, v in points:
                bar = "" if v is None else "#" * round(40 * max(float(v), 0) / top)
                lines.append(f"{account}\t{bucket}\t{'' if v is None else v}\t{bar}")
    return lines


def _signed(name: str, delta: float | None) -> str | None:
    if delta is None:
        return None
    unit = " pt" if kpis.BY_NAME[name].unit == "pct" else " %"
    return f"{delta:+g}{unit}"


def _style(better: int) -> Callable[[str], str | None]:
    def style(text: str) -> str | None:
        if not better or not text or text[1:].startswith("0 "):
            return None
        up = text.startswith("+")
        return "green" if up == (better > 0) else "red"

    return style
