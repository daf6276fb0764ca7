"""Writes to the cache: upserts of synced rows, cursors, run records, buyer keys.

Parameterised SQL only. Upserts use `INSERT … ON CONFLICT DO UPDATE` on the synced columns
and skip rows whose payload did not change, so re-reading a page costs little and columns a
sync does not own are never touched.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mktcrm.db import dialect

# Table -> (primary key, synced columns). Schema extras as data, as github-to-sqlite does.
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "listings": (
        ("account", "id"),
        (
            "marketplace",
            "sku",
            "title",
            "price_minor",
            "currency",
            "quantity",
            "state",
            "url",
            "updated_at",
            "raw",
        ),
    ),
    "orders": (
        ("account", "id"),
        ("marketplace", "status", "state", "created_at", "updated_at", "total_minor", "currency", "buyer_key", "raw"),
    ),
    "order_lines": (
        ("account", "order_id", "id"),
        ("sku", "title", "quantity", "price_minor", "currency", "status"),
    ),
    "buyers": (("account", "buyer_key"), ("marketplace", "display_name", "first_order_at")),
    "reviews": (
        ("account", "id"),
        (
            "marketplace",
            "kind",
            "order_id",
            "buyer_key",
            "buyer_name",
            "rating",
            "rating_raw",
            "title",
            "body",
            "created_at",
            "updated_at",
            "visible",
            "reply_body",
            "replied_at",
            "raw",
            "order_line_id",
            "sku",
        ),
    ),
    "disputes": (
        ("account", "id"),
        (
            "marketplace",
            "kind",
            "order_id",
            "order_line_id",
            "status",
            "reason",
            "amount_minor",
            "currency",
            "opened_at",
            "updated_at",
            "resolved_at",
            "respond_by",
            "raw",
            "remote_status",
            "reason_code",
            "next_actor",
            "thread_id",
        ),
    ),
    "dispute_events": (("account", "dispute_id", "event_id"), ("at", "kind", "author", "body", "raw")),
}
# Columns that keep the earliest value seen (a buyer's first order, when a dispute was first seen open).
KEEP_MIN = {"buyers": ("first_order_at",), "disputes": ("opened_at",)}
# Columns a later page may not know any more (eBay hides buyer names after 90 days): keep what we had.
KEEP_IF_NULL = {
    "buyers": ("display_name",),
    "disputes": ("respond_by", "thread_id"),
    "listings": ("title",),
    "reviews": ("order_id", "sku"),  # linked from the order lines after the write (sync/tables.py)
}


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _upsert_sql(table: str, d: str = dialect.SQLITE) -> str:
    pk, cols = TABLES[table]
    allcols = pk + cols
    updates = []
    for c in cols:
        if c in KEEP_MIN.get(table, ()):
            old, new = f"coalesce({table}.{c}, excluded.{c})", f"coalesce(excluded.{c}, {table}.{c})"
            updates.append(f"{c} = {dialect.least(d, old, new)}")
        elif c in KEEP_IF_NULL.get(table, ()):
            updates.append(f"{c} = coalesce(excluded.{c}, {table}.{c})")
        else:
            updates.append(f"{c} = excluded.{c}")
    guard = ""
    if "raw" in cols:  # a raw record blanked (`[cache] keep_raw`, a purge) on either side: compare the mapped columns
        kept = KEEP_MIN.get(table, ()) + KEEP_IF_NULL.get(table, ())
        mapped = " OR ".join(f"{table}.{c} {dialect.distinct(d)} excluded.{c}" for c in cols if c not in (*kept, "raw"))
        guard = (
            f" WHERE CASE WHEN {table}.raw = '{{}}' OR excluded.raw = '{{}}' THEN ({mapped})"
            f" ELSE {table}.raw {dialect.distinct(d)} excluded.raw END"
        )
    return (
        f"INSERT INTO {table} ({', '.join(allcols)}) VALUES ({', '.join('?' * len(allcols))}) "
        f"ON CONFLICT ({', '.join(pk)}) DO UPDATE SET {', '.join(updates)}{guard}"
    )


_SQL = {(d, table): _upsert_sql(table, d) for table in TABLES for d in (dialect.SQLITE, dialect.POSTGRESQL)}
_COLUMNS = {table: frozenset(pk + cols) for table, (pk, cols) in TABLES.items()}


@dataclass
class SyncState:
    cursor: str | None
    resume: dict[str, Any] | None


class Store:
    """The write side of the cache, around one connection in autocommit mode."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.dialect = dialect.of(db)
        self._salt: bytes | None = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit: everything inside commits together or not at all (Ctrl-C included)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.db.in_transaction:  # SQLite has already rolled back after a full disk or an I/O error
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def upsert(self, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert or update rows; how many were new or changed (an unchanged payload is skipped). A key
        that is not a column is refused, never silently dropped."""
        pk, cols = TABLES[table]
        allcols = pk + cols
        known = _COLUMNS[table]
        params = []
        for row in rows:
            if not row.keys() <= known:
                bad = ", ".join(sorted(set(row) - known))
                raise ValueError(f"{table}: no column {bad}; columns: {', '.join(allcols)}")
            params.append(tuple(row.get(c) for c in allcols))
        if not params:
            return 0
        # The rows written by this statement; the triggers' own writes are not counted.
        return max(self.db.executemany(_SQL[(self.dialect, table)], params).rowcount, 0)

    def count_existing(self, table: str, account: str, ids: list[str]) -> int:
        """How many of `ids` this account already has in `table` (before an upsert: the rest are new)."""
        found = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            found += self.db.execute(
                f"SELECT count(*) FROM {table} WHERE account = ? AND id IN ({marks})", (account, *chunk)
            ).fetchone()[0]
        return int(found)

    def buyer_key(self, marketplace: str, customer_id: str) -> str:
        """HMAC of the marketplace's customer id with this install's salt: joinable, not reversible."""
        if self._salt is None:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'buyer_salt'").fetchone()
            self._salt = bytes.fromhex(row[0])
        message = f"{marketplace}:{customer_id.strip().lower()}".encode()
        return hmac.new(self._salt, message, hashlib.sha256).hexdigest()[:32]

    # ---- sync bookkeeping --------------------------------------------------------------
    def get_state(self, account: str, stream: str) -> SyncState:
        row = self.db.execute(
            "SELECT cursor, resume FROM sync_state WHERE account = ? AND stream = ?", (account, stream)
        ).fetchone()
        if row is None:
            return SyncState(None, None)
        return SyncState(row["cursor"], json.loads(row["resume"]) if row["resume"] else None)

    def set_state(self, account: str, stream: str, cursor: str | None, resume: dict[str, Any] | None) -> None:
        self.db.execute(
            "INSERT INTO sync_state (account, stream, cursor, resume, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (account, stream) DO UPDATE SET cursor = excluded.cursor, resume = excluded.resume, "
            "updated_at = excluded.updated_at",
            (account, stream, cursor, json.dumps(resume) if resume else None, now_iso()),
        )

    def start_run(self, accounts: list[str]) -> int:
        """A new `running` row. Called under the sync lock(s): a `running` row whose accounts we all hold is a
        killed run's (on PostgreSQL another person's run of other accounts may be running right now)."""
        mine = set(accounts)
        dead = [
            row[0]
            for row in self.db.execute("SELECT id, accounts FROM sync_runs WHERE status = 'running'")
            if self.dialect == dialect.SQLITE or set(json.loads(row[1])) <= mine
        ]
        self.db.executemany(
            "UPDATE sync_runs SET status = 'killed', finished_at = ?, error = 'the process ended without finishing'"
            " WHERE id = ? AND status = 'running'",
            [(now_iso(), run_id) for run_id in dead],
        )
        cur = self.db.execute(
            "INSERT INTO sync_runs (started_at, status, accounts) VALUES (?, 'running', ?) RETURNING id",
            (now_iso(), json.dumps(accounts)),
        )
        return int(cur.fetchone()[0])

    def finish_run(self, run_id: int, status: str, report: Any, error: str | None = None) -> None:
        self.db.execute(
            "UPDATE sync_runs SET finished_at = ?, status = ?, report = ?, error = ? WHERE id = ?",
            (now_iso(), status, json.dumps(report, ensure_ascii=False), error, run_id),
        )

    def trim_raw(self, before: str) -> int:
        """Blank the raw record of orders created before `before` (`[cache] keep_raw`); the mapped columns
        stay, so every list, KPI and segment keeps its figures. Reads only rows that still hold one (m018)."""
        cur = self.db.execute("UPDATE orders SET raw = '{}' WHERE raw <> '{}' AND created_at < ?", (before,))
        return max(cur.rowcount, 0)

    def reset_seen(self) -> None:
        """Start a snapshot's list of seen ids: a temporary table, so memory stays flat whatever its size."""
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS _seen (id TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM _seen")

    def note_seen(self, ids: Iterable[str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO _seen (id) VALUES (?)", [(i,) for i in ids])

    def mark_missing(
        self,
        table: str,
        account: str,
        values: Mapping[str, Any],
        only_when: Mapping[str, Any],
    ) -> int:
        """Set `values` on this account's rows of `table` whose id the snapshot did not see (`note_seen`)."""
        _pk, cols = TABLES[table]
        for name in (*values, *only_when):
            if name not in cols:
                raise ValueError(f"{table}.{name} is not a synced column")
        sets = ", ".join(f"{c} = ?" for c in values)
        conds = "".join(f" AND {c} = ?" for c in only_when)
        cur = self.db.execute(
            f"UPDATE {table} SET {sets} WHERE account = ? AND id NOT IN (SELECT id FROM _seen){conds}"
            f" AND NOT ({' AND '.join(f'{c} {dialect.same(self.dialect)} ?' for c in values)})",
            (*values.values(), account, *only_when.values(), *values.values()),
        )
        return cur.rowcount
