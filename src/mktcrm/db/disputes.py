"""Disputes in the cache: lookups, the timeline, deadlines, and the local moves a sync never makes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mktcrm.db import dialect, placeholders
from mktcrm.money import from_minor

if TYPE_CHECKING:
    import sqlite3

# The seller's local move wins until the marketplace shows newer activity on the dispute.
LOCAL_WINS = "(local_status IS NOT NULL AND (updated_at IS NULL OR updated_at <= local_at))"
STATUS_SQL = f"CASE WHEN {LOCAL_WINS} THEN local_status ELSE status END"
RESOLVED_SQL = (
    f"CASE WHEN {LOCAL_WINS} AND local_status IN ('resolved', 'closed') THEN coalesce(resolved_at, local_at)"
    " ELSE resolved_at END"
)
LIST_COLUMNS = (
    f"account, marketplace, id, kind, order_id, order_line_id, {STATUS_SQL} AS status, remote_status, reason,"
    " reason_code, next_actor, opened_at, updated_at, respond_by,"
    f" {RESOLVED_SQL} AS resolved_at, amount_minor, currency, thread_id, raw"
)


def _row(row: sqlite3.Row) -> dict[str, Any]:
    item = dict(row)
    item["amount"] = from_minor(item.pop("amount_minor"), item.get("currency"))
    return item


def get(db: sqlite3.Connection, dispute_id: str, account: str | None) -> list[dict[str, Any]]:
    sql = f"SELECT {LIST_COLUMNS} FROM disputes WHERE id = ?"
    params: list[Any] = [dispute_id]
    if account:
        sql += " AND account = ?"
        params.append(account)
    return [_row(r) for r in db.execute(sql, params)]


def _like_prefix(prefix: str) -> str:
    """`prefix` for `LIKE ? ESCAPE '\\'` with `%` and `_` in it matching themselves."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def ids_starting_with(db: sqlite3.Connection, prefix: str, account: str | None, limit: int = 10) -> list[str]:
    """Dispute ids that begin with `prefix` (like git's short hashes); `%` and `_` in it match themselves."""
    escaped = _like_prefix(prefix)
    sql = "SELECT DISTINCT id FROM disputes WHERE id LIKE ? ESCAPE '\\'"
    params: list[Any] = [escaped + "%"]
    if account:
        sql += " AND account = ?"
        params.append(account)
    return [r[0] for r in db.execute(sql + " ORDER BY id LIMIT ?", [*params, limit])]


def completion_candidates(db: sqlite3.Connection, prefix: str, account: str | None, limit: int) -> list[Any]:
    """Disputes whose id starts with `prefix`, open ones first (what a seller acts on), for shell completion."""
    escaped = _like_prefix(prefix)
    sql = "SELECT account, id, kind, status FROM disputes WHERE id LIKE ? ESCAPE '\\'"
    params: list[Any] = [escaped + "%"]
    if account:
        sql += " AND account = ?"
        params.append(account)
    order = " ORDER BY CASE WHEN status IN ('resolved', 'closed') THEN 1 ELSE 0 END, id LIMIT ?"
    return list(db.execute(sql + order, [*params, limit]))


def listing(
    db: sqlite3.Connection,
    *,
    accounts: Sequence[str] = (),
    statuses: Sequence[str] = (),
    kinds: Sequence[str] = (),
    due_before: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Sorted by the next deadline (none last), then by opening date."""
    clauses, params = [], []  # type: ignore[var-annotated]
    for column, values in (("account", accounts), (STATUS_SQL, statuses), ("kind", kinds)):
        if values:
            clauses.append(f"{column} IN ({placeholders(values)})")
            params.extend(values)
    if due_before:
        clauses.append("respond_by IS NOT NULL AND respond_by <= ?")
        params.append(due_before)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    sql = f"SELECT {LIST_COLUMNS} FROM disputes{where} ORDER BY respond_by IS NULL, respond_by, opened_at, id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [_row(r) for r in db.execute(sql, params)]


def order(db: sqlite3.Connection, account: str, order_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM orders WHERE account = ? AND id = ?", (account, order_id)).fetchone()
    if row is None:
        return None
    item = dict(row)
    item["lines"] = [
        dict(r)
        for r in db.execute(
            "SELECT * FROM order_lines WHERE account = ? AND order_id = ? ORDER BY id", (account, order_id)
        )
    ]
    return item


def add_event(
    db: sqlite3.Connection,
    account: str,
    dispute_id: str,
    at: str,
    kind: str,
    author: str,
    body: str,
    *,
    event_id: str | None = None,
    operator: str | None = None,
) -> None:
    db.execute(
        "INSERT INTO dispute_events (account, dispute_id, event_id, at, kind, author, body, raw, operator)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (account, dispute_id, event_id) DO NOTHING",
        (account, dispute_id, event_id or f"local-{uuid.uuid4().hex}", at, kind, author, body, operator),
    )


def events(db: sqlite3.Connection, account: str, dispute_id: str) -> list[dict[str, Any]]:
    sql = (
        "SELECT at, kind, author, body, event_id, operator FROM dispute_events WHERE account = ? AND dispute_id = ?"
        f" ORDER BY at, {dialect.insertion_order(db)}"
    )
    return [dict(r) for r in db.execute(sql, (account, dispute_id))]


def set_status(
    db: sqlite3.Connection,
    account: str,
    dispute_id: str,
    status: str,
    *,
    resolved_at: str | None,
    reason_code: str | None,
) -> None:
    """The seller's move, in local columns: a later sync cannot undo it, newer remote activity can."""
    db.execute(
        "UPDATE disputes SET local_status = ?, local_at = ?, reason_code = coalesce(?, reason_code)"
        " WHERE account = ? AND id = ?",
        (status, resolved_at, reason_code, account, dispute_id),
    )


def seller_answered(db: sqlite3.Connection, account: str, dispute_id: str, at: str) -> None:
    """After the seller's message the buyer has the ball: a local `awaiting_buyer` until newer remote activity.

    Only from a state where the seller was expected to act; an escalated case stays escalated.
    """
    db.execute(
        "UPDATE disputes SET local_status = 'awaiting_buyer', local_at = ?"
        f" WHERE account = ? AND id = ? AND {STATUS_SQL} IN ('open', 'awaiting_seller')",
        (at, account, dispute_id),
    )


def open_deadlines(db: sqlite3.Connection, statuses: Sequence[str]) -> list[dict[str, Any]]:
    sql = (
        "SELECT account, marketplace, id, kind, opened_at, updated_at, respond_by FROM disputes"
        f" WHERE {STATUS_SQL} IN ({placeholders(statuses)})"
    )
    return [dict(r) for r in db.execute(sql, list(statuses))]


def set_deadlines(db: sqlite3.Connection, updates: list[tuple[str | None, str, str]]) -> None:
    db.executemany("UPDATE disputes SET respond_by = ? WHERE account = ? AND id = ?", updates)


def order_accounts(db: sqlite3.Connection, order_id: str) -> list[str]:
    return [r[0] for r in db.execute("SELECT account FROM orders WHERE id = ?", (order_id,))]
