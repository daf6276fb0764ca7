"""The rows `mktcrm kpi` prints: per account, marketplace, month or week, a total, and the period before.

Each account is measured over the period as it falls in the account's own timezone; merged rows add
raw counts (`kpis.merge`), so a total's median is the median of every account's durations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mktcrm.core import kpis
from mktcrm.core.periods import Spec
from mktcrm.timeutil import iso

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.config import Account

BY = ("account", "marketplace", "month", "week")
Inputs = tuple[dict[str, Any], dict[str, str]]  # raw counts of one account, figures it cannot give


def report(
    db: sqlite3.Connection,
    accounts: Sequence[Account],
    gaps_of: Callable[[Account], dict[str, str]],
    spec: Spec,
    now: datetime,
    *,
    by: str = "account",
    compare: bool = False,
) -> list[dict[str, Any]]:
    """One row per account (or marketplace, or account and month/week) and a total row per group."""
    from mktcrm.db.kpi_queries import snapshot_inputs

    stamp = iso(now) or ""
    missing = {a.name: gaps_of(a) for a in accounts}
    snapshot = {a.name: snapshot_inputs(db, a.name, stamp) for a in accounts}
    if by in ("month", "week"):
        rows: list[dict[str, Any]] = []
        for a in accounts:
            buckets = spec.buckets(now, a.timezone, by)
            for bucket, s in zip(buckets, kpis.account_inputs(db, a, [(b, None) for b in buckets]), strict=True):
                head = {"account": a.name, "marketplace": a.marketplace, by: bucket.label}
                rows.append(_row(head, [(s, missing[a.name])]))
        return rows

    current: dict[str, Inputs] = {}
    previous: dict[str, Inputs] = {}
    for a in accounts:
        period, before = spec.resolve(now, a.timezone), spec.previous(now, a.timezone)
        wanted = [(period, before)] + ([(before, None)] if compare and before is not None else [])
        found = kpis.account_inputs(db, a, wanted)
        current[a.name] = ({**found[0], **snapshot[a.name]}, missing[a.name])
        if len(found) > 1:
            previous[a.name] = ({**found[1], **snapshot[a.name]}, missing[a.name])
    groups: dict[str, list[Account]] = {}
    for a in accounts:
        groups.setdefault(a.name if by == "account" else a.marketplace, []).append(a)
    rows = []
    for key, members in sorted(groups.items()):
        head = {"account": key, "marketplace": members[0].marketplace} if by == "account" else {"marketplace": key}
        rows.append(_compared(head, members, current, previous, compare))
    if accounts:
        head = {"account": "total", "marketplace": "all"} if by == "account" else {"marketplace": "total"}
        rows.append(_compared(head, accounts, current, previous, compare))
    return rows


def _compared(
    head: dict[str, Any],
    members: Sequence[Account],
    current: dict[str, Inputs],
    previous: dict[str, Inputs],
    compare: bool,
) -> dict[str, Any]:
    row = _row(head, [current[a.name] for a in members])
    if compare:
        parts = [previous[a.name] for a in members if a.name in previous]
        before = _row(dict(head), parts) if parts else None
        row["previous"] = {f.name: before.get(f.name) if before else None for f in kpis.FIGURES}
        for name in kpis.SNAPSHOT:
            row["previous"][name] = None
        for edge in ("period_start", "period_end"):
            row["previous"][edge] = before[edge] if before else None
        row["change"] = {f.name: kpis.change(f.name, row[f.name], row["previous"][f.name]) for f in kpis.FIGURES}
    return row


def _row(head: dict[str, Any], parts: Sequence[Inputs]) -> dict[str, Any]:
    """Figures of several accounts together; a figure is empty only when no account can give it."""
    cannot: dict[str, str] = {}
    left_out: dict[str, list[str]] = {}
    for name in kpis.BY_NAME:
        without = [s["account"] for s, m in parts if name in m]
        if parts and len(without) == len(parts):
            cannot[name] = next(m[name] for _s, m in parts if name in m)
        elif without:
            left_out[name] = without
    merged = kpis.merge(parts)
    row = {**head, **kpis.figures(merged, cannot)}
    row["_counts"] = {k: merged.get(k) for k in ("disputed_orders", "dispute_cohort", "not_sold", "placed")}
    row["notes"] = kpis.notes(cannot, left_out, row)
    periods = [s["period"] for s, _m in parts if "period" in s]
    row["period_start"] = min(p[0] for p in periods) if periods else None
    row["period_end"] = max(p[1] for p in periods) if periods else None
    return row
