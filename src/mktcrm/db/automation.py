"""Automation's reads and its log: the items a rule may act on, and what each rule already did.

The log (m010) is also what makes a rule act once per item: an entry in a final state means "done by this
rule", whatever happens to the item afterwards. Refusals and failures are not final: the next run tries again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mktcrm.db import placeholders
from mktcrm.db.disputes import LIST_COLUMNS, STATUS_SQL
from mktcrm.money import from_minor

if TYPE_CHECKING:
    import sqlite3

# A rule never acts twice on an item it left in one of these states.
FINAL_STATES = ("sent", "task", "notified", "skipped", "solicited")
LOG_COLUMNS = (
    "id, rule, trigger_kind, account, ref_id, action, state, detail, text, outbox_table, outbox_id, task_id, at"
)


def _range(clauses: list[str], params: list[Any], column: str, since: str | None, until: str | None) -> None:
    if since:
        clauses.append(f"{column} >= ?")
        params.append(since)
    if until:
        clauses.append(f"{column} < ?")
        params.append(until)


def _accounts(clauses: list[str], params: list[Any], accounts: Sequence[str]) -> None:
    clauses.append(f"account IN ({placeholders(accounts)})")
    params.extend(accounts)


def disputes(
    db: sqlite3.Connection,
    *,
    accounts: Sequence[str],
    statuses: Sequence[str],
    since: str | None,
    until: str | None,
    due_before: str | None,
) -> list[dict[str, Any]]:
    """Disputes in these statuses, deadline first; `since`/`until` bound when they were opened."""
    clauses: list[str] = [f"{STATUS_SQL} IN ({placeholders(statuses)})"]
    params: list[Any] = [*statuses]
    _accounts(clauses, params, accounts)
    _range(clauses, params, "opened_at", since, until)
    if due_before:
        clauses.append("respond_by IS NOT NULL AND respond_by <= ?")
        params.append(due_before)
    sql = (
        f"SELECT {LIST_COLUMNS} FROM disputes WHERE {' AND '.join(clauses)}"
        " ORDER BY respond_by IS NULL, respond_by, opened_at, id"
    )
    return [dict(r) for r in db.execute(sql, params)]


def pending_messages(db: sqlite3.Connection, account: str, dispute_id: str) -> bool:
    """A message of ours on its way: queued, sending, or waiting in an open task."""
    sql = (
        "SELECT 1 FROM dispute_messages m LEFT JOIN tasks t ON t.id = m.task_id"
        " WHERE m.account = ? AND m.dispute_id = ? AND m.state IN ('queued', 'sending')"
        " AND (m.task_id IS NULL OR t.state = 'open') LIMIT 1"
    )
    return db.execute(sql, (account, dispute_id)).fetchone() is not None


def orders(
    db: sqlite3.Connection, *, accounts: Sequence[str], since: str | None, until: str | None
) -> list[dict[str, Any]]:
    """Orders, oldest first; `since`/`until` bound when they were placed."""
    clauses: list[str] = []
    params: list[Any] = []
    _accounts(clauses, params, accounts)
    _range(clauses, params, "created_at", since, until)
    sql = (
        "SELECT account, marketplace, id, status, created_at, total_minor, currency, buyer_key FROM orders"
        f" WHERE {' AND '.join(clauses)} ORDER BY created_at, id"
    )
    rows = []
    for r in db.execute(sql, params):
        item = dict(r)
        item["total"] = from_minor(item.pop("total_minor"), item["currency"])
        rows.append(item)
    return rows


def open_tasks(
    db: sqlite3.Connection,
    *,
    accounts: Sequence[str],
    since: str | None,
    until: str | None,
    due_before: str | None,
) -> list[dict[str, Any]]:
    """Open tasks, deadline first; `since`/`until` bound when they were created."""
    clauses: list[str] = ["state = 'open'"]
    params: list[Any] = []
    _accounts(clauses, params, accounts)
    _range(clauses, params, "created_at", since, until)
    if due_before:
        clauses.append("due_at IS NOT NULL AND due_at <= ?")
        params.append(due_before)
    sql = f"SELECT * FROM tasks WHERE {' AND '.join(clauses)} ORDER BY due_at IS NULL, due_at, created_at, id"
    return [dict(r) for r in db.execute(sql, params)]


def done_refs(db: sqlite3.Connection, rule: str) -> set[tuple[str, str]]:
    """(account, ref_id) of every item this rule has finished with."""
    finals = placeholders(FINAL_STATES)
    sql = f"SELECT DISTINCT account, ref_id FROM automation_log WHERE rule = ? AND state IN ({finals})"
    return {(r[0], r[1]) for r in db.execute(sql, (rule, *FINAL_STATES))}


def last_entry(db: sqlite3.Connection, rule: str, account: str, ref_id: str) -> dict[str, Any] | None:
    sql = (
        f"SELECT {LOG_COLUMNS} FROM automation_log WHERE rule = ? AND account = ? AND ref_id = ?"
        " ORDER BY id DESC LIMIT 1"
    )
    row = db.execute(sql, (rule, account, ref_id)).fetchone()
    return dict(row) if row else None


def add(db: sqlite3.Connection, entry: dict[str, Any]) -> int:
    """One log line; `entry` holds every LOG_COLUMNS name but `id`."""
    names = [c.strip() for c in LOG_COLUMNS.split(",") if c.strip() != "id"]
    cur = db.execute(
        f"INSERT INTO automation_log ({', '.join(names)}) VALUES ({placeholders(names)}) RETURNING id",
        [entry.get(n) for n in names],
    )
    return int(cur.fetchone()[0])


def entries(db: sqlite3.Connection, rules: Sequence[str], limit: int | None) -> list[dict[str, Any]]:
    """The log, newest first; only these rules when given."""
    sql = f"SELECT {LOG_COLUMNS} FROM automation_log"
    params: list[Any] = []
    if rules:
        sql += f" WHERE rule IN ({placeholders(rules)})"
        params.extend(rules)
    sql += " ORDER BY id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [dict(r) for r in db.execute(sql, params)]
