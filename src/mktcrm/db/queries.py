"""Reads from the cache for list/show commands: parameterised SQL, rows in their JSON shape."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mktcrm.db import placeholders
from mktcrm.db.disputes import RESOLVED_SQL
from mktcrm.money import from_minor

if TYPE_CHECKING:
    import sqlite3


@dataclass
class Filters:
    """What list commands may filter on; None means "any"."""

    accounts: Sequence[str] = ()
    since: str | None = None
    until: str | None = None
    limit: int | None = None
    status: str | None = None
    rating_min: int | None = None
    rating_max: int | None = None
    unanswered: bool = False


def _where(f: Filters, time_col: str, prefix: str = "") -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if f.accounts:
        clauses.append(f"{prefix}account IN ({placeholders(f.accounts)})")
        params.extend(f.accounts)
    if f.since:
        clauses.append(f"{prefix}{time_col} >= ?")
        params.append(f.since)
    if f.until:
        clauses.append(f"{prefix}{time_col} < ?")
        params.append(f.until)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _limit(f: Filters) -> str:
    return f" LIMIT {int(f.limit)}" if f.limit else ""


def listings(db: sqlite3.Connection, f: Filters) -> Iterator[dict[str, Any]]:
    where, params = _where(f, "updated_at")
    if f.status:
        where += (" AND " if where else " WHERE ") + "state = ?"
        params.append(f.status)
    sql = (
        "SELECT account, marketplace, id, sku, title, price_minor, currency, quantity, state, url FROM listings"
        f"{where} ORDER BY account, title{_limit(f)}"
    )
    for row in db.execute(sql, params):
        item = dict(row)
        item["price"] = from_minor(item.pop("price_minor"), item["currency"])
        yield item


def orders(db: sqlite3.Connection, f: Filters) -> Iterator[dict[str, Any]]:
    where, params = _where(f, "created_at", "o.")
    if f.status:
        where += (" AND " if where else " WHERE ") + "o.status = ?"
        params.append(f.status)
    sql = (
        "SELECT o.account, o.marketplace, o.id AS order_id, o.status, o.created_at, o.updated_at, o.total_minor,"
        " o.currency, o.buyer_key, (SELECT count(*) FROM order_lines l WHERE l.account = o.account"
        f" AND l.order_id = o.id) AS lines FROM orders o{where} ORDER BY o.created_at DESC, o.id{_limit(f)}"
    )
    for row in db.execute(sql, params):
        item = dict(row)
        item["total"] = from_minor(item.pop("total_minor"), item["currency"])
        yield item


# A reply we sent, or one the seller pasted by hand (task done), counts as an answer.
_LOCAL_REPLY = (
    "SELECT 1 FROM replies r WHERE r.account = reviews.account AND r.review_id = reviews.id"
    " AND r.state IN ('sent', 'manual_done')"
)
REVIEW_COLUMNS = (
    "account, marketplace, id, order_id, kind, rating, rating_raw, title, body, buyer_name, created_at,"
    " updated_at, coalesce(reply_body, (SELECT r.body FROM replies r WHERE r.account = reviews.account"
    " AND r.review_id = reviews.id AND r.state IN ('sent', 'manual_done'))) AS reply_body,"
    " coalesce(replied_at, (SELECT r.sent_at FROM replies r WHERE r.account = reviews.account"
    " AND r.review_id = reviews.id AND r.state IN ('sent', 'manual_done'))) AS replied_at, visible, raw"
)


def reviews(db: sqlite3.Connection, f: Filters) -> Iterator[dict[str, Any]]:
    where, params = _where(f, "created_at")
    extra: list[str] = []
    if f.rating_min is not None:
        extra.append("rating >= ?")
        params.append(f.rating_min)
    if f.rating_max is not None:
        extra.append("rating <= ?")
        params.append(f.rating_max)
    if f.unanswered:
        extra.append(f"replied_at IS NULL AND reply_body IS NULL AND NOT EXISTS ({_LOCAL_REPLY})")
    if extra:
        where += (" AND " if where else " WHERE ") + " AND ".join(extra)
    sql = f"SELECT {REVIEW_COLUMNS} FROM reviews{where} ORDER BY created_at DESC, account, id{_limit(f)}"
    for row in db.execute(sql, params):
        yield _review(row)


def review(db: sqlite3.Connection, review_id: str, account: str | None = None) -> list[dict[str, Any]]:
    """Every review with this id (ids are unique per account; several accounts may share one)."""
    sql = f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE id = ?"
    params: list[Any] = [review_id]
    if account:
        sql += " AND account = ?"
        params.append(account)
    return [_review(row) for row in db.execute(sql, params)]


def _review(row: sqlite3.Row) -> dict[str, Any]:
    item = dict(row)
    item["visible"] = None if item["visible"] is None else bool(item["visible"])
    item["answered"] = bool(item["replied_at"] or item["reply_body"])
    return item


# Not a sale: cancelled, refused, or refunded in full (Etsy's `fully refunded` receipts are not revenue).
_LIVE = "lower(coalesce(status, '')) NOT IN ('canceled', 'cancelled', 'refused', 'fully refunded')"


def kpi_inputs(db: sqlite3.Connection, start: str, end: str, accounts: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per-account aggregates for the KPI definitions in `core.kpis` (one pass per table)."""
    acc_sql = f" AND account IN ({placeholders(accounts)})" if accounts else ""
    acc = list(accounts)
    out: dict[str, dict[str, Any]] = {}

    def slot(account: str, marketplace: str | None = None) -> dict[str, Any]:
        item = out.setdefault(account, empty_kpi_inputs(marketplace))
        if marketplace and not item["marketplace"]:
            item["marketplace"] = marketplace
        return item

    for r in db.execute(
        "SELECT account, marketplace, count(*), coalesce(sum(total_minor), 0), group_concat(DISTINCT currency)"
        f" FROM orders WHERE created_at >= ? AND created_at < ? AND {_LIVE}{acc_sql} GROUP BY account, marketplace",
        [start, end, *acc],
    ):
        s = slot(r[0], r[1])
        s["orders"], s["revenue_minor"] = r[2], r[3]
        s["currencies"].update(c for c in (r[4] or "").split(",") if c)
    for r in db.execute(
        "SELECT account, marketplace, rating, created_at, coalesce(replied_at, (SELECT r.sent_at FROM replies r"
        " WHERE r.account = reviews.account AND r.review_id = reviews.id AND r.state IN ('sent', 'manual_done'))),"
        f" reply_body IS NOT NULL FROM reviews WHERE created_at >= ? AND created_at < ?{acc_sql}",
        [start, end, *acc],
    ):
        s = slot(r[0], r[1])
        s["reviews"] += 1
        if r[2] is not None:
            s["rating_sum"] += r[2]
            s["positive"] += r[2] >= 4
        if r[4] or r[5]:  # some marketplaces give the reply text without its date (eBay)
            s["replied"] += 1
        if r[4]:
            s["reply_hours"].append(_hours(r[3], r[4]))
    for r in db.execute(
        "SELECT account, marketplace, count(*), count(DISTINCT order_id) FROM disputes"
        f" WHERE opened_at >= ? AND opened_at < ?{acc_sql} GROUP BY account, marketplace",
        [start, end, *acc],
    ):
        s = slot(r[0], r[1])
        s["disputes"], s["disputed_orders"] = r[2], r[3]
    for r in db.execute(
        f"SELECT account, marketplace, opened_at, {RESOLVED_SQL} AS done FROM disputes"
        f" WHERE {RESOLVED_SQL} >= ? AND {RESOLVED_SQL} < ? AND opened_at IS NOT NULL{acc_sql}",
        [start, end, *acc],
    ):
        slot(r[0], r[1])["resolution_hours"].append(_hours(r[2], r[3]))
    for r in db.execute(
        "SELECT account, marketplace, count(*), sum(n >= 2) FROM ("
        "  SELECT account, marketplace, buyer_key, count(*) AS n, max(created_at >= ?) AS in_period FROM orders"
        f"  WHERE created_at < ? AND buyer_key IS NOT NULL AND {_LIVE}{acc_sql}"
        "  GROUP BY account, marketplace, buyer_key) WHERE in_period GROUP BY account, marketplace",
        [start, end, *acc],
    ):
        s = slot(r[0], r[1])
        s["buyers"], s["repeat_buyers"] = r[2], r[3] or 0
    return out


def empty_kpi_inputs(marketplace: str | None) -> dict[str, Any]:
    """The aggregates of an account with no rows in the period."""
    return {
        "marketplace": marketplace,
        "orders": 0,
        "revenue_minor": 0,
        "currencies": set(),
        "reviews": 0,
        "rating_sum": 0,
        "positive": 0,
        "replied": 0,
        "reply_hours": [],
        "disputes": 0,
        "disputed_orders": 0,
        "resolution_hours": [],
        "buyers": 0,
        "repeat_buyers": 0,
    }


def _hours(start: str, end: str) -> float:
    from mktcrm.timeutil import parse_time

    a, b = parse_time(start), parse_time(end)
    if a is None or b is None:
        return 0.0
    return max(0.0, (b - a).total_seconds() / 3600)


def first_line_title(db: sqlite3.Connection, account: str, order_id: str | None) -> str | None:
    """The title of an order's first line: what the buyer bought, for reply templates."""
    if not order_id:
        return None
    row = db.execute(
        "SELECT title FROM order_lines WHERE account = ? AND order_id = ? ORDER BY id LIMIT 1", (account, order_id)
    ).fetchone()
    return row[0] if row else None


def known_values(db: sqlite3.Connection, table: str, column: str) -> list[str]:
    """The distinct values a column holds (to tell a typo from an empty result)."""
    assert (table, column) in {("orders", "status"), ("listings", "state")}
    return [r[0] for r in db.execute(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY 1")]
