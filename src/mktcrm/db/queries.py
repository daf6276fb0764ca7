"""Reads from the cache for list/show commands: parameterised SQL, rows in their JSON shape."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mktcrm.db import placeholders
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
    sku: str | None = None


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
        where += (" AND " if where else " WHERE ") + "o.state = ?"
        params.append(f.status)
    sql = (
        "SELECT o.account, o.marketplace, o.id AS order_id, o.state, o.status, o.created_at, o.updated_at,"
        " o.total_minor, o.currency, o.buyer_key, (SELECT count(*) FROM order_lines l WHERE l.account = o.account"
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
    "account, marketplace, id, order_id, sku, kind, rating, rating_raw, title, body, buyer_name, created_at,"
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
    if f.sku is not None:
        extra.append("sku = ?")
        params.append(f.sku)
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


def last_sync_run(db: sqlite3.Connection) -> dict[str, Any] | None:
    """The latest `sync` run that finished (or was killed), with its report decoded."""
    import json

    row = db.execute(
        "SELECT id, started_at, finished_at, status, accounts, report, error FROM sync_runs"
        " WHERE status <> 'running' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    run = dict(row)
    run["accounts"] = json.loads(run["accounts"] or "[]")
    run["report"] = json.loads(run["report"]) if run["report"] else None
    return run
