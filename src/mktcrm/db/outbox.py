"""The outbox tables and the task list: local state, each state change committed on its own.

Every outbox table (`replies`: review replies, `dispute_messages`: messages on disputes,
`solicitations`: review requests on orders) has the
same columns and state machine, so one set of functions serves them all, the table named by the
caller. A row is created with its idempotency key before any network call, and every transition
(`queued → sending → sent | failed`, or `queued → manual_done` through a task) is one UPDATE
guarded by the state it leaves, so a crash leaves a row in a state the next run can read.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from mktcrm.db import placeholders
from mktcrm.errors import TemporaryError

if TYPE_CHECKING:
    import sqlite3  # annotations only: listing commands' `--help` must not load it

TRANSITIONS = {
    "draft": {"queued"},
    "queued": {"sending", "manual_done", "failed"},
    "sending": {"sent", "failed", "queued"},
    "failed": {"sending", "queued"},
    "sent": set(),
    "manual_done": set(),
}
# Each outbox table and the column naming what its rows answer (a review, a dispute).
OUTBOXES = {"replies": "review_id", "dispute_messages": "dispute_id", "solicitations": "order_id"}


def _ref_column(table: str) -> str:
    if table not in OUTBOXES:
        raise ValueError(f"no outbox table {table!r}")
    return OUTBOXES[table]


def get(db: sqlite3.Connection, table: str, row_id: int) -> dict[str, Any] | None:
    _ref_column(table)
    row = db.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
    return dict(row) if row else None


def rows_for(
    db: sqlite3.Connection, table: str, account: str, ref: str, states: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The rows answering one review or dispute, oldest first; only those in `states` when given."""
    sql = f"SELECT * FROM {table} WHERE account = ? AND {_ref_column(table)} = ?"
    params: list[Any] = [account, ref]
    if states:
        sql += f" AND state IN ({placeholders(states)})"
        params += states
    return [dict(r) for r in db.execute(sql + " ORDER BY id", params)]


def row_for_task(db: sqlite3.Connection, table: str, task_id: int) -> dict[str, Any] | None:
    _ref_column(table)
    row = db.execute(f"SELECT * FROM {table} WHERE task_id = ? ORDER BY id", (task_id,)).fetchone()
    return dict(row) if row else None


def enqueue(
    db: sqlite3.Connection,
    table: str,
    *,
    account: str,
    ref: str,
    marketplace: str,
    body: str,
    template: str | None,
    findings: list[dict[str, Any]],
    at: str,
    operator: str | None = None,
) -> int:
    """Insert a queued row; its idempotency key exists before any network call. A review has one reply ever
    (UNIQUE): when another run inserted it first, nothing is inserted and 0 is returned."""
    cur = db.execute(
        f"INSERT INTO {table} (account, {_ref_column(table)}, marketplace, body, template, findings, state,"
        " idempotency_key, created_at, updated_at, operator) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING id",
        (account, ref, marketplace, body, template, json.dumps(findings), uuid.uuid4().hex, at, at, operator),
    )
    row = cur.fetchone()
    return int(row[0]) if row else 0  # 0: a teammate queued this review's reply a moment before us


def move(
    db: sqlite3.Connection,
    table: str,
    row_id: int,
    to: str,
    *,
    at: str,
    error: str | None = None,
    remote_id: str | None = None,
) -> None:
    """One transition; refuses any the state machine does not allow (a concurrent run moved it)."""
    row = get(db, table, row_id)
    if row is None or to not in TRANSITIONS[row["state"]]:
        current = row["state"] if row else "missing"
        raise RuntimeError(f"{table} {row_id}: cannot go from {current} to {to}")
    cur = db.execute(
        f"UPDATE {table} SET state = ?, error = ?, remote_id = coalesce(?, remote_id), updated_at = ?,"
        " attempts = attempts + CASE WHEN ? = 'sending' THEN 1 ELSE 0 END,"
        " sent_at = CASE WHEN ? IN ('sent', 'manual_done') THEN ? ELSE sent_at END"
        " WHERE id = ? AND state = ?",
        (to, error, remote_id, at, to, to, at, row_id, row["state"]),
    )
    if cur.rowcount != 1:  # another run moved it between our read and our write
        raise TemporaryError(f"{table} {row_id} is being sent by another run", hint="let it finish, then check")


def rewrite(
    db: sqlite3.Connection,
    table: str,
    row_id: int,
    *,
    body: str,
    template: str | None,
    findings: list[dict[str, Any]],
    at: str,
) -> None:
    """A row not yet sent takes the newly checked text: never send a text other than the one last shown."""
    _ref_column(table)
    db.execute(
        f"UPDATE {table} SET body = ?, template = ?, findings = ?, updated_at = ? WHERE id = ? AND state IN"
        " ('queued', 'failed') AND task_id IS NULL",
        (body, template, json.dumps(findings), at, row_id),
    )


def link_task(db: sqlite3.Connection, table: str, row_id: int, task_id: int) -> None:
    _ref_column(table)
    db.execute(f"UPDATE {table} SET task_id = ? WHERE id = ?", (task_id, row_id))


def replies(db: sqlite3.Connection, states: list[str], accounts: list[str]) -> list[dict[str, Any]]:
    """`replies list`: the review-reply outbox with each review's rating."""
    sql = (
        "SELECT r.id, r.account, r.marketplace, r.review_id, r.state, r.template, r.body, r.error, r.attempts,"
        " r.task_id, r.created_at, r.updated_at, r.sent_at, r.operator, v.rating FROM replies r"
        " LEFT JOIN reviews v ON v.account = r.account AND v.id = r.review_id WHERE 1 = 1"
    )
    where, params = _state_and_account("r.", states, accounts)
    return [dict(r) for r in db.execute(sql + where + " ORDER BY r.id", params)]


def _state_and_account(prefix: str, states: list[str], accounts: list[str]) -> tuple[str, list[Any]]:
    """` AND state IN (…) AND account IN (…)` for the filters given, with their parameters."""
    sql, params = "", []
    for column, values in (("state", states), ("account", accounts)):
        if values:
            sql += f" AND {prefix}{column} IN ({placeholders(values)})"
            params += values
    return sql, params


# ---- tasks ---------------------------------------------------------------------------------
def create_task(
    db: sqlite3.Connection,
    *,
    account: str,
    marketplace: str,
    kind: str,
    ref_id: str,
    title: str,
    body: str,
    instructions: str,
    at: str,
    due_at: str | None = None,
    operator: str | None = None,
) -> int:
    cur = db.execute(
        "INSERT INTO tasks (account, marketplace, kind, ref_id, title, body, instructions, state, created_at, due_at,"
        " operator) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)"
        " ON CONFLICT (account, kind, ref_id) DO UPDATE SET body = excluded.body RETURNING id",
        (account, marketplace, kind, ref_id, title, body, instructions, at, due_at, operator),
    )
    return int(cur.fetchone()[0])


def tasks(db: sqlite3.Connection, states: list[str], accounts: list[str]) -> list[dict[str, Any]]:
    where, params = _state_and_account("", states, accounts)
    sql = f"SELECT * FROM tasks WHERE 1 = 1{where} ORDER BY coalesce(due_at, created_at), id"
    return [dict(r) for r in db.execute(sql, params)]


def get_task(db: sqlite3.Connection, task_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    return dict(row) if row else None


def finish_task(db: sqlite3.Connection, task_id: int, at: str) -> None:
    db.execute("UPDATE tasks SET state = 'done', done_at = ? WHERE id = ? AND state = 'open'", (at, task_id))


# The tables a task's ref_id points into, each with an order_id column.
_ORDER_TABLES = ("reviews", "disputes")


def order_of(db: sqlite3.Connection, table: str, account: str, ref_id: str) -> str | None:
    """The order a review or dispute belongs to (None: unknown or no longer in the cache)."""
    if table not in _ORDER_TABLES:
        raise ValueError(f"no order column in {table!r}")
    row = db.execute(f"SELECT order_id FROM {table} WHERE account = ? AND id = ?", (account, ref_id)).fetchone()
    return str(row[0]) if row and row[0] else None
