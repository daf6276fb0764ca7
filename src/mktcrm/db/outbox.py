"""The reply outbox and the task list: local state, each state change committed on its own.

A reply row is created with its idempotency key before any network call, and every transition
(`queued → sending → sent | failed`, or `queued → manual_done` through a task) is one committed
UPDATE guarded by the state it leaves, so a crash leaves a row in a state the next run can read.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from mktcrm.db import placeholders
from mktcrm.db.store import now_iso

TRANSITIONS = {
    "draft": {"queued"},
    "queued": {"sending", "manual_done", "failed"},
    "sending": {"sent", "failed", "queued"},
    "failed": {"sending", "queued"},
    "sent": set(),
    "manual_done": set(),
}


def reply_for(db: sqlite3.Connection, account: str, review_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM replies WHERE account = ? AND review_id = ?", (account, review_id)).fetchone()
    return dict(row) if row else None


OUTBOXES = ("replies", "dispute_messages")  # same columns and state machine; review replies vs dispute messages


def get_reply(db: sqlite3.Connection, reply_id: int, table: str = "replies") -> dict[str, Any] | None:
    assert table in OUTBOXES
    row = db.execute(f"SELECT * FROM {table} WHERE id = ?", (reply_id,)).fetchone()
    return dict(row) if row else None


def create_reply(
    db: sqlite3.Connection,
    *,
    account: str,
    review_id: str,
    marketplace: str,
    body: str,
    template: str | None,
    findings: list[dict[str, Any]],
) -> int:
    """A queued reply with its idempotency key; UNIQUE(account, review_id) makes a second one impossible."""
    return _enqueue(db, "replies", "review_id", account, review_id, marketplace, body, template, findings)


def _enqueue(
    db: sqlite3.Connection,
    table: str,
    ref_column: str,
    account: str,
    ref: str,
    marketplace: str,
    body: str,
    template: str | None,
    findings: list[dict[str, Any]],
) -> int:
    """Insert a queued outbox row; the idempotency key exists before any network call."""
    assert table in OUTBOXES and ref_column in ("review_id", "dispute_id")
    now = now_iso()
    cur = db.execute(
        f"INSERT INTO {table} (account, {ref_column}, marketplace, body, template, findings, state, idempotency_key,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
        (account, ref, marketplace, body, template, json.dumps(findings), uuid.uuid4().hex, now, now),
    )
    return int(cur.lastrowid or 0)


def move(
    db: sqlite3.Connection,
    reply_id: int,
    to: str,
    *,
    error: str | None = None,
    remote_id: str | None = None,
    table: str = "replies",
) -> None:
    """One committed transition; refuses any the state machine does not allow (a concurrent run moved it)."""
    row = get_reply(db, reply_id, table)
    if row is None or to not in TRANSITIONS[row["state"]]:
        current = row["state"] if row else "missing"
        raise RuntimeError(f"reply {reply_id}: cannot go from {current} to {to}")
    now = now_iso()
    cur = db.execute(
        f"UPDATE {table} SET state = ?, error = ?, remote_id = coalesce(?, remote_id), updated_at = ?,"
        " attempts = attempts + (? = 'sending'),"
        " sent_at = CASE WHEN ? IN ('sent', 'manual_done') THEN ? ELSE sent_at END"
        " WHERE id = ? AND state = ?",
        (to, error, remote_id, now, to, to, now, reply_id, row["state"]),
    )
    if cur.rowcount != 1:  # another run moved it between our read and our write
        from mktcrm.errors import TemporaryError

        raise TemporaryError(f"{table} {reply_id} is being sent by another run", hint="let it finish, then check")


def rewrite(
    db: sqlite3.Connection, reply_id: int, body: str, template: str | None, findings: list[dict[str, Any]]
) -> None:
    """A reply not yet sent takes the newly checked text: never send a text other than the one last shown."""
    db.execute(
        "UPDATE replies SET body = ?, template = ?, findings = ?, updated_at = ? WHERE id = ? AND state IN"
        " ('queued', 'failed') AND task_id IS NULL",
        (body, template, json.dumps(findings), now_iso(), reply_id),
    )


def replies(db: sqlite3.Connection, states: list[str], accounts: list[str]) -> list[dict[str, Any]]:
    sql = (
        "SELECT r.id, r.account, r.marketplace, r.review_id, r.state, r.template, r.body, r.error, r.attempts,"
        " r.task_id, r.created_at, r.updated_at, r.sent_at, v.rating FROM replies r"
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
    due_at: str | None = None,
) -> int:
    cur = db.execute(
        "INSERT INTO tasks (account, marketplace, kind, ref_id, title, body, instructions, state, created_at, due_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)"
        " ON CONFLICT (account, kind, ref_id) DO UPDATE SET body = excluded.body RETURNING id",
        (account, marketplace, kind, ref_id, title, body, instructions, now_iso(), due_at),
    )
    return int(cur.fetchone()[0])


def tasks(db: sqlite3.Connection, states: list[str], accounts: list[str]) -> list[dict[str, Any]]:
    where, params = _state_and_account("", states, accounts)
    sql = f"SELECT * FROM tasks WHERE 1 = 1{where} ORDER BY coalesce(due_at, created_at), id"
    return [dict(r) for r in db.execute(sql, params)]


def get_task(db: sqlite3.Connection, task_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    return dict(row) if row else None


def finish_task(db: sqlite3.Connection, task_id: int) -> None:
    db.execute("UPDATE tasks SET state = 'done', done_at = ? WHERE id = ? AND state = 'open'", (now_iso(), task_id))


def link_task(db: sqlite3.Connection, reply_id: int, task_id: int, table: str = "replies") -> None:
    assert table in OUTBOXES
    db.execute(f"UPDATE {table} SET task_id = ? WHERE id = ?", (task_id, reply_id))


def create_message(
    db: sqlite3.Connection,
    *,
    account: str,
    dispute_id: str,
    marketplace: str,
    body: str,
    template: str | None,
    findings: list[dict[str, Any]],
) -> int:
    """A queued dispute message with its idempotency key (a dispute may have many messages)."""
    return _enqueue(db, "dispute_messages", "dispute_id", account, dispute_id, marketplace, body, template, findings)


def unfinished_messages(db: sqlite3.Connection, account: str, dispute_id: str) -> list[dict[str, Any]]:
    sql = "SELECT * FROM dispute_messages WHERE account = ? AND dispute_id = ? AND state = 'sending' ORDER BY id"
    return [dict(r) for r in db.execute(sql, (account, dispute_id))]


def answered_review_ids(db: sqlite3.Connection) -> set[tuple[str, str]]:
    """Reviews with any outbox row: never queue a second reply for them."""
    return {(r[0], r[1]) for r in db.execute("SELECT account, review_id FROM replies")}
