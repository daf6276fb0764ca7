"""Per-buyer rollups (`buyer_stats`) kept by triggers, so segments read one row per buyer, not every order.

One row per (account, buyer): sold orders, revenue (paid, one currency; NULL when the buyer paid in several),
first and last order, reviews with their rating sum and the last low rating, disputes (not tickets) on the
buyer's orders and the last one opened. A buyer with none of these has no row.

Minimums and maximums cannot be subtracted, so a trigger recomputes the one buyer a row touches from the
narrow indexed rows of that buyer (`kpi_sales`, reviews by buyer, disputes through the buyer's orders) —
a few index reads per write, inside the statement that writes the base row, so in the same transaction
as each stored page. `kpi_sales` is itself kept by m008's triggers on orders, so an order's status,
total or buyer change reaches this table through it. `rebuild` recomputes every row from scratch
(`mktcrm db rebuild` compares the two).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mktcrm.db.dialect import SQLITE, distinct, of, same, trigger

if TYPE_CHECKING:
    import sqlite3

# One currency or none: `min IS max`, as count(DISTINCT …) opens a temporary b-tree each time a trigger fires
# (measured: the write path 2.7x slower). Buyer messages and threads are tickets, not disputes (the KPI
# definition, db.kpi_queries.TICKET_KINDS).
TICKET = "'inquiry'"
LOW_RATING = 2  # at most this many stars is a low rating (the "unhappy" segment)
COLUMNS = (
    "orders",
    "revenue_minor",
    "currency",
    "first_order_at",
    "last_order_at",
    "reviews",
    "rated",
    "rating_sum",
    "low_rating_at",
    "disputes",
    "last_dispute_at",
)
SAYS = "orders > 0 OR reviews > 0 OR disputes > 0"


def _revenue(d: str, s: str = "") -> str:
    """What a buyer paid when all their sales are in one currency (or none), else NULL; `s` a table prefix."""
    return f"CASE WHEN min({s}currency) {same(d)} max({s}currency) THEN coalesce(sum({s}paid_minor), 0) END"


def _sales(where: str, d: str) -> str:
    return (
        f"SELECT count(*) AS n, {_revenue(d, 's.')}"
        " AS rev, CASE WHEN min(s.currency) = max(s.currency) THEN min(s.currency) END AS cur,"
        f" min(s.created_at) AS first, max(s.created_at) AS last FROM kpi_sales s WHERE {where}"
    )


def _reviews(where: str) -> str:
    return (
        "SELECT count(*) AS n, count(r.rating) AS rated, coalesce(sum(r.rating), 0) AS total,"
        f" max(CASE WHEN r.rating <= {LOW_RATING} THEN r.created_at END) AS low FROM reviews r WHERE {where}"
    )


def _disputes(where: str) -> str:
    return (
        "SELECT count(*) AS n, max(d.opened_at) AS last FROM orders o CROSS JOIN disputes d"
        f" ON d.account = o.account AND d.order_id = o.id WHERE d.kind != {TICKET} AND {where}"
    )


SELECT = "s.n, s.rev, s.cur, s.first, s.last, r.n, r.rated, r.total, r.low, d.n, d.last"
INSERT = f"INSERT INTO buyer_stats (account, buyer_key, {', '.join(COLUMNS)})"
UPSERT = f" ON CONFLICT (account, buyer_key) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS)};"


def _refresh(d: str, a: str, k: str, *, drop: bool = True) -> str:
    """Recompute buyer (`a`, `k`) from its own rows (three indexed reads) and drop it when nothing is left
    (`drop=False` after adding a sale or a review: something is left)."""
    gone = f" DELETE FROM buyer_stats WHERE account = {a} AND buyer_key = {k} AND NOT ({SAYS});" if drop else ""
    return (
        f"{INSERT} SELECT {a}, {k}, {SELECT} FROM ({_sales(f's.account = {a} AND s.buyer_key = {k}', d)}) s,"
        f" ({_reviews(f'r.account = {a} AND r.buyer_key = {k}')}) r,"
        f" ({_disputes(f'o.account = {a} AND o.buyer_key = {k}')}) d WHERE {k} IS NOT NULL{UPSERT}{gone}"
    )


def _dispute_buyer(d: str, r: str) -> str:
    """Refresh the buyer of dispute row `r`'s order (when the order is cached and has a buyer)."""
    k = f"(SELECT o.buyer_key FROM orders o WHERE o.account = {r}.account AND o.id = {r}.order_id)"
    return _refresh(d, f"{r}.account", k)


def _triggers(d: str = SQLITE) -> list[str]:
    """Each trigger written once; `dialect.trigger` makes it a SQLite trigger or a PL/pgSQL function and trigger."""
    old, new = _refresh(d, "OLD.account", "OLD.buyer_key"), _refresh(d, "NEW.account", "NEW.buyer_key")
    added = _refresh(d, "NEW.account", "NEW.buyer_key", drop=False)
    moved = f"{_dispute_buyer(d, 'OLD')} {_dispute_buyer(d, 'NEW')}"
    specs = [  # (name, event, table, body, WHEN condition)
        ("buyer_stats_sale_ins", "INSERT", "kpi_sales", added, None),
        ("buyer_stats_sale_del", "DELETE", "kpi_sales", old, None),
        ("buyer_stats_review_ins", "INSERT", "reviews", added, "NEW.buyer_key IS NOT NULL"),
        ("buyer_stats_review_upd", "UPDATE OF buyer_key, rating, created_at", "reviews", f"{old} {new}", None),
        ("buyer_stats_review_del", "DELETE", "reviews", old, "OLD.buyer_key IS NOT NULL"),
        ("buyer_stats_dispute_ins", "INSERT", "disputes", _dispute_buyer(d, "NEW"), None),
        ("buyer_stats_dispute_upd", "UPDATE OF order_id, kind, opened_at", "disputes", moved, None),
        ("buyer_stats_dispute_del", "DELETE", "disputes", _dispute_buyer(d, "OLD"), None),
        # An order's buyer change moves its disputes to the new buyer (its sales move through kpi_sales).
        (
            "buyer_stats_order_buyer",
            "UPDATE OF buyer_key",
            "orders",
            f"{old} {new}",
            f"OLD.buyer_key {distinct(d)} NEW.buyer_key",
        ),
    ]
    return [sql for name, event, table, body, when in specs for sql in trigger(d, name, event, table, body, when)]


def create(db: sqlite3.Connection) -> None:
    """The table, the indexes the review refresh and the high-value floor read, and the triggers."""
    db.execute(
        "CREATE TABLE buyer_stats (account TEXT NOT NULL, buyer_key TEXT NOT NULL, orders INTEGER NOT NULL,"
        " revenue_minor INTEGER, currency TEXT, first_order_at TEXT, last_order_at TEXT, reviews INTEGER NOT NULL,"
        " rated INTEGER NOT NULL, rating_sum INTEGER NOT NULL, low_rating_at TEXT, disputes INTEGER NOT NULL,"
        " last_dispute_at TEXT, PRIMARY KEY (account, buyer_key)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX reviews_account_buyer ON reviews (account, buyer_key, rating, created_at)")
    # The high-value floor: the revenue at rank N of an account, read from the index instead of a sort.
    db.execute("CREATE INDEX buyer_stats_revenue ON buyer_stats (account, revenue_minor, orders)")
    for sql in _triggers(of(db)):
        db.execute(sql)


def rebuild(db: sqlite3.Connection) -> int:
    """Recompute every buyer from the base tables (inside the caller's transaction); rows written."""
    db.execute("DELETE FROM buyer_stats")
    per = "GROUP BY account, buyer_key"
    db.execute(
        f"CREATE TEMP TABLE _bs AS SELECT account, buyer_key, count(*) AS n, {_revenue(of(db))} AS rev,"
        " CASE WHEN min(currency) = max(currency) THEN min(currency) END"
        f" AS cur, min(created_at) AS first, max(created_at) AS last FROM kpi_sales {per}"
    )
    db.execute(
        "CREATE TEMP TABLE _br AS SELECT account, buyer_key, count(*) AS n, count(rating) AS rated,"
        f" coalesce(sum(rating), 0) AS total, max(CASE WHEN rating <= {LOW_RATING} THEN created_at END) AS low"
        f" FROM reviews WHERE buyer_key IS NOT NULL {per}"
    )
    db.execute(
        "CREATE TEMP TABLE _bd AS SELECT o.account, o.buyer_key, count(*) AS n, max(d.opened_at) AS last"
        " FROM disputes d CROSS JOIN orders o ON o.account = d.account AND o.id = d.order_id"
        f" WHERE o.buyer_key IS NOT NULL AND d.kind != {TICKET} GROUP BY o.account, o.buyer_key"
    )
    db.execute(
        f"{INSERT} SELECT k.account, k.buyer_key, coalesce(s.n, 0), coalesce(s.rev, CASE WHEN s.n IS NULL THEN 0 END),"
        " s.cur, s.first, s.last, coalesce(r.n, 0), coalesce(r.rated, 0), coalesce(r.total, 0), r.low,"
        " coalesce(d.n, 0), d.last FROM (SELECT account, buyer_key FROM temp._bs UNION SELECT account, buyer_key"
        " FROM temp._br UNION SELECT account, buyer_key FROM temp._bd) k"
        " LEFT JOIN temp._bs s ON s.account = k.account AND s.buyer_key = k.buyer_key"
        " LEFT JOIN temp._br r ON r.account = k.account AND r.buyer_key = k.buyer_key"
        " LEFT JOIN temp._bd d ON d.account = k.account AND d.buyer_key = k.buyer_key"
    )
    for t in ("_bs", "_br", "_bd"):
        db.execute(f"DROP TABLE temp.{t}")
    return int(db.execute("SELECT count(*) FROM buyer_stats").fetchone()[0])
