"""The reads behind `mktcrm insights`: negative reviews, disputes and per-SKU order cohorts of one period.

Plain joins and `count(DISTINCT …)` only (no group_concat), so the same SQL runs on PostgreSQL. A review
reaches a SKU through its order's lines; a dispute through its order line when it names one, else every
line of its order. Tickets (questions, `kpi_queries.TICKET_KINDS`) are not disputes here, as in `kpi`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mktcrm.db.kpi_queries import TICKET_KINDS
from mktcrm.db.rollups import NOT_SOLD

if TYPE_CHECKING:
    import sqlite3

NEGATIVE_MAX = 2  # a negative review is rated 1 or 2 stars (eBay's "negative" is stored as 1)
_NOT_TICKET = f"d.kind NOT IN ({', '.join(repr(k) for k in TICKET_KINDS)})"
_SOLD = f"lower(coalesce(o.status, '')) NOT IN ({', '.join(repr(s) for s in NOT_SOLD)})"


def negative_reviews(db: sqlite3.Connection, account: str, start: str, end: str) -> list[dict[str, Any]]:
    """Reviews rated ≤ 2 created in [start, end), newest first, each with the SKUs of its order (maybe none)."""
    rows = db.execute(
        "SELECT r.id, r.created_at, r.rating, r.title, r.body, r.order_id, l.sku, l.title FROM reviews r"
        " LEFT JOIN order_lines l ON l.account = r.account AND l.order_id = r.order_id AND l.sku IS NOT NULL"
        " WHERE r.account = ? AND r.created_at >= ? AND r.created_at < ? AND r.rating <= ?"
        " ORDER BY r.created_at DESC, r.id",
        (account, start, end, NEGATIVE_MAX),
    )
    return list(_grouped(rows, ("id", "created_at", "rating", "title", "body", "order_id")))


def disputes(db: sqlite3.Connection, account: str, start: str, end: str) -> list[dict[str, Any]]:
    """Disputes and returns opened in [start, end), newest first, each with the SKUs it concerns."""
    rows = db.execute(
        "SELECT d.id, d.opened_at, d.kind, d.reason, d.reason_code, d.order_id, l.sku, l.title FROM disputes d"
        " LEFT JOIN order_lines l ON l.account = d.account AND l.order_id = d.order_id AND l.sku IS NOT NULL"
        " AND (d.order_line_id IS NULL OR l.id = d.order_line_id)"
        f" WHERE d.account = ? AND d.opened_at >= ? AND d.opened_at < ? AND {_NOT_TICKET}"
        " ORDER BY d.opened_at DESC, d.id",
        (account, start, end),
    )
    return list(_grouped(rows, ("id", "opened_at", "kind", "reason", "reason_code", "order_id")))


def sku_cohorts(db: sqlite3.Connection, account: str, start: str, end: str) -> list[dict[str, Any]]:
    """Per SKU: orders sold in [start, end) holding it, and how many of those got a dispute or a negative review
    (at any time: an order of the period disputed later still counts against its SKU)."""
    rows = db.execute(
        "SELECT l.sku, max(l.title), count(DISTINCT o.id),"
        " count(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM disputes d WHERE d.account = o.account"
        f"  AND d.order_id = o.id AND {_NOT_TICKET} AND (d.order_line_id IS NULL OR d.order_line_id = l.id))"
        "  THEN o.id END),"
        " count(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM reviews r WHERE r.account = o.account"
        "  AND r.order_id = o.id AND r.rating <= ?) THEN o.id END)"
        " FROM orders o JOIN order_lines l ON l.account = o.account AND l.order_id = o.id"
        f" WHERE o.account = ? AND o.created_at >= ? AND o.created_at < ? AND {_SOLD} AND l.sku IS NOT NULL"
        " GROUP BY l.sku",
        (NEGATIVE_MAX, account, start, end),
    )
    keys = ("sku", "title", "orders", "disputed_orders", "negative_orders")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def reviews_linked(db: sqlite3.Connection, account: str) -> bool:
    """Whether any review of the account reaches an order in the cache (else a negative-review rate is unknown)."""
    row = db.execute(
        "SELECT 1 FROM reviews r WHERE r.account = ? AND EXISTS (SELECT 1 FROM orders o WHERE o.account = r.account"
        " AND o.id = r.order_id) LIMIT 1",
        (account,),
    ).fetchone()
    return row is not None


def _grouped(rows: Any, keys: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Rows joined to order lines (one per SKU) folded back to one dict per item with `skus` {sku: title}."""
    current: dict[str, Any] | None = None
    for row in rows:
        if current is None or current["id"] != row[0]:
            if current is not None:
                yield current
            current = {**dict(zip(keys, row[: len(keys)], strict=True)), "skus": {}}
        if row[-2] is not None:
            current["skus"].setdefault(row[-2], row[-1])
    if current is not None:
        yield current
