"""The SQL behind `buyers` and `segments`: reads of the per-buyer rollups (`buyer_stats`, db/buyer_rollup.py).

Segment predicates come from `core.segments` as SQL over the alias `b` with named parameters; here they
are combined into one bitmask per buyer, so each predicate is evaluated once per row and a summary is one
grouped pass over the account's buyers (one row each), whatever the number of orders behind them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mktcrm.db.dialect import flag

if TYPE_CHECKING:
    import sqlite3

SORTS = {
    "revenue": "b.revenue_minor DESC NULLS LAST, b.orders DESC",
    "orders": "b.orders DESC, b.revenue_minor DESC NULLS LAST",
    "last_order": "b.last_order_at DESC NULLS LAST",
}


def _mask(predicates: Sequence[str]) -> str:
    return " | ".join(f"(CASE WHEN {p} THEN {1 << i} ELSE 0 END)" for i, p in enumerate(predicates)) or "0"


def _in(column: str, values: Sequence[str], params: dict[str, Any], prefix: str) -> str:
    names = []
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
        names.append(f":{prefix}{i}")
    return f"{column} IN ({', '.join(names)})"


def high_value_floor(db: sqlite3.Connection, account: str, share_pct: float) -> int | None:
    """The revenue of the last buyer in the account's top `share_pct` % (by revenue); None without buyers."""
    n = db.execute(
        "SELECT count(*) FROM buyer_stats WHERE account = ? AND orders > 0 AND revenue_minor IS NOT NULL", (account,)
    ).fetchone()[0]
    if not n:
        return None
    rank = max(1, -(-n * share_pct // 100))  # ceil without floats drifting at exact shares
    row = db.execute(
        "SELECT revenue_minor FROM buyer_stats WHERE account = ? AND orders > 0 AND revenue_minor IS NOT NULL"
        " ORDER BY revenue_minor DESC LIMIT 1 OFFSET ?",
        (account, int(rank) - 1),
    ).fetchone()
    return int(row[0]) if row else None


def buyers(
    db: sqlite3.Connection,
    accounts: Sequence[str],
    predicates: Sequence[str],
    params: Mapping[str, Any],
    *,
    only: str | None = None,
    sort: str = "revenue",
    buyer_key: str | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Buyers of these accounts with their figures and `mask` (bit i: predicate i holds), optionally only
    those matching the predicate `only`, sorted by `sort`."""
    p = dict(params)
    where = [_in("b.account", accounts, p, "acc")] if accounts else []
    if only:
        where.append(f"({only})")
    if buyer_key:
        where.append("b.buyer_key = :buyer_key")
        p["buyer_key"] = buyer_key
    sql = (
        f"SELECT b.*, n.display_name, n.marketplace, {_mask(predicates)} AS mask FROM buyer_stats b"
        " LEFT JOIN buyers n ON n.account = b.account AND n.buyer_key = b.buyer_key"
        f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY {SORTS[sort]}, b.account, b.buyer_key"
        f"{' LIMIT :limit' if limit else ''}"
    )
    if limit:
        p["limit"] = limit
    for row in db.execute(sql, p):
        yield dict(row)


def summary(
    db: sqlite3.Connection, account: str, predicates: Sequence[str], params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """One row per (segment bitmask, currency) of an account: buyers, revenue, repeat buyers, ratings, disputed."""
    p = {**params, "account": account}
    sql = (
        f"SELECT mask, currency, count(*) AS buyers, sum({flag(db, 'orders > 0')}) AS ordering,"
        f" sum(revenue_minor) AS revenue, sum({flag(db, 'orders >= 2')}) AS repurchasers,"
        f" sum(rating_sum) AS rating_sum, sum(rated) AS rated, sum({flag(db, 'disputes > 0')}) AS disputed FROM ("
        f" SELECT {_mask(predicates)} AS mask, b.currency, b.orders, b.revenue_minor, b.rating_sum, b.rated,"
        " b.disputes FROM buyer_stats b WHERE b.account = :account) AS m GROUP BY mask, currency"
    )
    return [dict(row) for row in db.execute(sql, p)]


def accounts_with_buyers(db: sqlite3.Connection) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT account FROM buyer_stats ORDER BY account")]


def timeline(db: sqlite3.Connection, account: str, buyer_key: str) -> list[dict[str, Any]]:
    """The buyer's orders, reviews, disputes and dispute messages, oldest first (a buyer has a few of each)."""
    sql = (
        "SELECT created_at AS at, 'order' AS kind, id AS ref, coalesce(state, status) AS what, total_minor,"
        " currency FROM orders WHERE account = :a AND buyer_key = :k"
        " UNION ALL SELECT created_at, 'review', id, kind || CASE WHEN rating IS NULL THEN '' ELSE ' '"
        " || rating || '/5' END, NULL, NULL FROM reviews WHERE account = :a AND buyer_key = :k"
        " UNION ALL SELECT d.opened_at, 'dispute', d.id, d.kind || ' ' || d.status, d.amount_minor, d.currency"
        " FROM orders o CROSS JOIN disputes d ON d.account = o.account AND d.order_id = o.id"
        " WHERE o.account = :a AND o.buyer_key = :k"
        " UNION ALL SELECT e.at, 'message', e.dispute_id, coalesce(e.author, '') || ' ' || e.kind, NULL, NULL"
        " FROM orders o CROSS JOIN disputes d ON d.account = o.account AND d.order_id = o.id"
        " CROSS JOIN dispute_events e ON e.account = d.account AND e.dispute_id = d.id"
        " WHERE o.account = :a AND o.buyer_key = :k AND e.kind = 'message'"
        " ORDER BY 1, 2, 3"
    )
    return [dict(r) for r in db.execute(sql, {"a": account, "k": buyer_key})]


def open_items(db: sqlite3.Connection, account: str, buyer_key: str) -> dict[str, int]:
    """What still waits on the seller for this buyer: disputes not closed, reviews without an answer."""
    from mktcrm.db.disputes import STATUS_SQL
    from mktcrm.db.queries import _LOCAL_REPLY

    disputes = db.execute(
        "SELECT count(*) FROM disputes WHERE account = ? AND order_id IN (SELECT o.id FROM orders o"
        f" WHERE o.account = ? AND o.buyer_key = ?) AND {STATUS_SQL} NOT IN ('resolved', 'closed')",
        (account, account, buyer_key),
    ).fetchone()[0]
    reviews = db.execute(
        "SELECT count(*) FROM reviews WHERE account = ? AND buyer_key = ? AND replied_at IS NULL"
        f" AND reply_body IS NULL AND NOT EXISTS ({_LOCAL_REPLY})",
        (account, buyer_key),
    ).fetchone()[0]
    return {"open_disputes": disputes, "unanswered_reviews": reviews}


def revenue_by_currency(db: sqlite3.Connection, account: str, buyer_key: str) -> dict[str, int]:
    rows = db.execute(
        "SELECT coalesce(currency, '?'), sum(paid_minor) FROM kpi_sales WHERE account = ? AND buyer_key = ?"
        " GROUP BY 1 ORDER BY 1",
        (account, buyer_key),
    )
    return {cur: total for cur, total in rows if total is not None}


def find_accounts(db: sqlite3.Connection, buyer_key: str) -> list[str]:
    return [r[0] for r in db.execute("SELECT account FROM buyer_stats WHERE buyer_key = ?", (buyer_key,))]


def review_buyer(db: sqlite3.Connection, account: str, review_id: str) -> str | None:
    """A review's buyer: its own key, or its order's buyer."""
    row = db.execute(
        "SELECT coalesce(r.buyer_key, (SELECT o.buyer_key FROM orders o WHERE o.account = r.account"
        " AND o.id = r.order_id)) FROM reviews r WHERE r.account = ? AND r.id = ?",
        (account, review_id),
    ).fetchone()
    return row[0] if row else None


def order_buyer(db: sqlite3.Connection, account: str, order_id: str) -> str | None:
    row = db.execute("SELECT buyer_key FROM orders WHERE account = ? AND id = ?", (account, order_id)).fetchone()
    return row[0] if row else None
