"""Friction points (`mktcrm insights`): why buyers are unhappy, per account, marketplace and product.

Negative reviews (rated ≤ 2) and disputes/returns of the period are sorted into themes (core/themes.py):
a review by its words, a dispute by its reason through its connector's `reason_themes`, then the lexicon.
One item may touch several themes, so a theme's count is "items that mention it" and the shares of one
account may add up to more than 100 %. Each count is set against the previous period of the same length.

Worst SKUs: per SKU, the orders of the period holding it and the share of those that got a dispute or a
negative review. A SKU with fewer than `min_orders` orders is left out (one dispute in 4 orders is 25 %,
noise rather than a pattern). A rate the data cannot give is empty, never 0: no dispute sync on the
marketplace, or no review of the account linked to an order yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mktcrm.core import themes as th
from mktcrm.core.periods import Period, Spec, parse_period
from mktcrm.db import insights as q
from mktcrm.errors import UsageError
from mktcrm.output import Field
from mktcrm.text import one_line
from mktcrm.timeutil import iso

if TYPE_CHECKING:
    import sqlite3

    from mktcrm.config import Account
    from mktcrm.connectors.base import Connector

MIN_ORDERS = 10
EXAMPLE_MAX = 140
BY = ("account", "marketplace", "sku")
SORTS = ("dispute_rate", "negative_rate", "orders")

THEME_FIELDS = (
    Field("account", "id"),
    Field("marketplace", label="market"),
    Field("theme", "id"),
    Field("label", default=False),
    Field("items", "int"),
    Field("reviews", "int"),
    Field("disputes", "int"),
    Field("share_pct", "num", label="share%"),
    Field("previous", "int", label="prev"),
    Field("change", "text", label="±"),
    Field("top_sku", "text"),
    Field("example", "text", max_width=60),
    Field("period_start", "time", default=False),
    Field("period_end", "time", default=False),
)
SKU_FIELDS = (
    Field("account", "id"),
    Field("marketplace", label="market"),
    Field("sku", "id"),
    Field("title", max_width=30),
    Field("orders", "int"),
    Field("disputed_orders", "int", label="disputed"),
    Field("dispute_rate_pct", "num", label="disp%"),
    Field("negative_orders", "int", label="negative"),
    Field("negative_rate_pct", "num", label="neg%"),
    Field("top_theme", "id"),
    Field("themes", default=False),
    Field("notes", default=False),
)


@dataclass
class Item:
    """A negative review or a dispute, with the themes it touches and the SKUs it concerns."""

    kind: str  # review | dispute
    id: str
    at: str
    themes: list[str]
    skus: dict[str, str | None] = field(default_factory=dict)
    text: str = ""
    evidence: dict[str, str] = field(default_factory=dict)  # theme -> the sentence showing it


def lexicon_for(account: Account) -> th.Lexicon:
    return th.lexicon(account.themes, where=f"account {account.name!r}: themes")


def review_themes(account: Account, text: str | None) -> list[str]:
    """The themes of a review's text under the account's lexicon (for rules and templates)."""
    return lexicon_for(account).themes_of(text)


def items(db: sqlite3.Connection, account: Account, connector: type[Connector], period: Period) -> list[Item]:
    """Every negative review and dispute of the account in the period, themed, newest first."""
    lex = lexicon_for(account)
    start, end = iso(period.start) or "", iso(period.end) or ""
    out: list[Item] = []
    for r in q.negative_reviews(db, account.name, start, end):
        text = " ".join(x for x in (r["title"], r["body"]) if x)
        shown = lex.evidence(text)
        out.append(Item("review", r["id"], r["created_at"], list(shown), r["skus"], text, shown))
    for d in q.disputes(db, account.name, start, end):
        found = th.reason_themes(connector.reason_themes, d["reason_code"], d["reason"], lex)
        if found is not None:
            text = d["reason"] or d["reason_code"] or ""
            out.append(Item("dispute", d["id"], d["opened_at"], found, d["skus"], text))
    out.sort(key=lambda i: i.at, reverse=True)
    return out


def theme_rows(
    db: sqlite3.Connection,
    accounts: Sequence[Account],
    connector_of: Callable[[Account], type[Connector]],
    spec: Spec,
    now: datetime,
    by: str = "account",
) -> list[dict[str, Any]]:
    """One row per (account or marketplace, theme) seen in the period or the one before, most items first."""
    groups: dict[tuple[str, str], tuple[list[Item], list[Item] | None, Period]] = {}
    for account in accounts:
        period, before = spec.resolve(now, account.timezone), spec.previous(now, account.timezone)
        connector = connector_of(account)
        now_items = items(db, account, connector, period)
        prev_items = items(db, account, connector, before) if before else None
        key = (account.name if by == "account" else "", account.marketplace)
        cur, prev, _p = groups.get(key, ([], [] if before else None, period))
        cur += now_items
        if prev is not None and prev_items is not None:
            prev += prev_items
        groups[key] = (cur, prev, period)
    rows: list[dict[str, Any]] = []
    for (name, market), (cur, prev, period) in groups.items():
        cur.sort(key=lambda i: i.at, reverse=True)
        rows += _theme_group(name, market, cur, prev, period, by)
    return rows


def _theme_group(
    name: str, market: str, cur: list[Item], prev: list[Item] | None, period: Period, by: str
) -> list[dict[str, Any]]:
    counts = Counter(t for i in cur for t in i.themes)
    before = Counter(t for i in prev for t in i.themes) if prev is not None else None
    rows = []
    for theme_id, label in th.THEMES.items():
        n = counts.get(theme_id, 0)
        p = before.get(theme_id, 0) if before is not None else None
        if not n and not p:
            continue
        mine = [i for i in cur if theme_id in i.themes]
        skus = Counter(s for i in mine for s in i.skus)
        top = min(skus.items(), key=lambda kv: (-kv[1], kv[0])) if skus else None
        texts = [i.evidence.get(theme_id) or i.text for i in mine if i.kind == "review"]
        texts += [i.text for i in mine if i.kind == "dispute"]
        example = next((t for t in texts if t.strip()), None)
        row: dict[str, Any] = {"account": name} if by == "account" else {}
        row |= {
            "marketplace": market,
            "theme": theme_id,
            "label": label,
            "items": n,
            "reviews": sum(1 for i in mine if i.kind == "review"),
            "disputes": sum(1 for i in mine if i.kind == "dispute"),
            "share_pct": round(100 * n / len(cur), 1) if cur else None,
            "previous": p,
            "change": None if p is None else f"{n - p:+d}",
            "top_sku": f"{top[0]} ({top[1]})" if top else None,
            "example": _short(example),
            "period_start": iso(period.start),
            "period_end": iso(period.end),
        }
        rows.append(row)
    rows.sort(key=lambda r: (r.get("account", ""), r["marketplace"], -r["items"], list(th.THEMES).index(r["theme"])))
    return rows


def sku_rows(
    db: sqlite3.Connection,
    accounts: Sequence[Account],
    connector_of: Callable[[Account], type[Connector]],
    spec: Spec,
    now: datetime,
    *,
    min_orders: int = MIN_ORDERS,
    sort: str = "dispute_rate",
) -> tuple[list[dict[str, Any]], int]:
    """The SKUs with at least `min_orders` orders in the period, worst first; and how many were left out."""
    if sort not in SORTS:
        raise UsageError(f"cannot sort by {sort!r}", hint=f"use one of: {', '.join(SORTS)}")
    rows: list[dict[str, Any]] = []
    left_out = 0
    for account in accounts:
        period = spec.resolve(now, account.timezone)
        connector = connector_of(account)
        start, end = iso(period.start) or "", iso(period.end) or ""
        themed = items(db, account, connector, period)
        disputes_known = connector.capabilities.get("sync_disputes") == "api"
        reviews_known = q.reviews_linked(db, account.name)
        per_sku: dict[str, Counter[str]] = {}
        for item in themed:
            for sku in item.skus:
                per_sku.setdefault(sku, Counter()).update(item.themes)
        for c in q.sku_cohorts(db, account.name, start, end):
            if c["orders"] < min_orders:
                left_out += 1
                continue
            counts = per_sku.get(c["sku"], Counter())
            notes = []
            if not disputes_known:
                notes.append(f"dispute_rate_pct: {account.marketplace} disputes are not synced")
            if not reviews_known:
                notes.append("negative_rate_pct: no review of this account is linked to an order yet")
            rows.append(
                {
                    "account": account.name,
                    "marketplace": account.marketplace,
                    "sku": c["sku"],
                    "title": c["title"],
                    "orders": c["orders"],
                    "disputed_orders": c["disputed_orders"] if disputes_known else None,
                    "dispute_rate_pct": _pct(c["disputed_orders"], c["orders"]) if disputes_known else None,
                    "negative_orders": c["negative_orders"] if reviews_known else None,
                    "negative_rate_pct": _pct(c["negative_orders"], c["orders"]) if reviews_known else None,
                    "top_theme": min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else None,
                    "themes": dict(sorted(counts.items())),
                    "notes": notes,
                }
            )
    key = {"dispute_rate": "dispute_rate_pct", "negative_rate": "negative_rate_pct", "orders": "orders"}[sort]
    rows.sort(key=lambda r: (r[key] is None, -(r[key] or 0), r["account"], r["sku"]))
    return rows, left_out


def run(
    db: sqlite3.Connection,
    accounts: Sequence[Account],
    connector_of: Callable[[Account], type[Connector]],
    period: str,
    now: datetime,
    *,
    by: str = "account",
    min_orders: int = MIN_ORDERS,
    sort: str = "dispute_rate",
) -> tuple[list[dict[str, Any]], str, int]:
    """Rows for `--by`, a title naming the period, and the number of SKUs left out for too few orders."""
    if by not in BY:
        raise UsageError(f"cannot group by {by!r}", hint=f"use one of: {', '.join(BY)}")
    spec = parse_period(period)
    label = spec.resolve(now, accounts[0].timezone).label if accounts else period
    if by == "sku":
        rows, left_out = sku_rows(db, accounts, connector_of, spec, now, min_orders=min_orders, sort=sort)
        return rows, f"Worst SKUs, {label} (at least {min_orders} orders)", left_out
    rows = theme_rows(db, accounts, connector_of, spec, now, by=by)
    against = "" if spec.kind == "all" else " (prev: the period before)"
    return rows, f"Friction points, {label}{against}", 0


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _short(text: str | None) -> str | None:
    if not text:
        return None
    line = one_line(text)
    return line if len(line) <= EXAMPLE_MAX else line[: EXAMPLE_MAX - 1] + "…"
