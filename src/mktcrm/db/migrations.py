"""Numbered schema migrations, applied in order on every open (sqlite-utils / llm style).

Each migration runs in one transaction together with its row in `_migrations`, so a crash
leaves the cache at a known version. Never edit a migration that has shipped: add one.
Synced tables are upserted column by column (never replaced), so local state kept in its own
tables or columns survives every sync (DESIGN §2, §4).
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

Migration = Callable[[sqlite3.Connection], None]
MIGRATION_LOCK = 0x6D6B7463  # "mktc": the PostgreSQL advisory lock held while migrating
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run DDL statements one by one: `executescript` would COMMIT our migration transaction early."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


@migration
def m001_catalog_and_orders(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE listings (
            account TEXT NOT NULL, id TEXT NOT NULL, marketplace TEXT NOT NULL,
            sku TEXT, title TEXT, price_minor INTEGER, currency TEXT, quantity INTEGER,
            state TEXT, url TEXT, updated_at TEXT, raw TEXT NOT NULL,
            PRIMARY KEY (account, id)
        );
        CREATE TABLE buyers (
            account TEXT NOT NULL, buyer_key TEXT NOT NULL, marketplace TEXT NOT NULL,
            display_name TEXT, first_order_at TEXT,
            PRIMARY KEY (account, buyer_key)
        );
        CREATE TABLE orders (
            account TEXT NOT NULL, id TEXT NOT NULL, marketplace TEXT NOT NULL,
            status TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            total_minor INTEGER, currency TEXT, buyer_key TEXT, raw TEXT NOT NULL,
            PRIMARY KEY (account, id)
        );
        CREATE TABLE order_lines (
            account TEXT NOT NULL, order_id TEXT NOT NULL, id TEXT NOT NULL,
            sku TEXT, title TEXT, quantity INTEGER, price_minor INTEGER, currency TEXT, status TEXT,
            PRIMARY KEY (account, order_id, id)
        );
        """,
    )
    db.execute("INSERT INTO meta (key, value) VALUES ('buyer_salt', ?)", (secrets.token_hex(32),))


@migration
def m002_reviews_and_disputes(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE reviews (
            account TEXT NOT NULL, id TEXT NOT NULL, marketplace TEXT NOT NULL,
            kind TEXT NOT NULL, order_id TEXT, buyer_key TEXT, buyer_name TEXT,
            rating INTEGER, rating_raw TEXT, title TEXT, body TEXT,
            created_at TEXT NOT NULL, updated_at TEXT, visible INTEGER,
            reply_body TEXT, replied_at TEXT, raw TEXT NOT NULL,
            PRIMARY KEY (account, id)
        );
        CREATE TABLE disputes (
            account TEXT NOT NULL, id TEXT NOT NULL, marketplace TEXT NOT NULL,
            kind TEXT NOT NULL, order_id TEXT, order_line_id TEXT, status TEXT NOT NULL,
            reason TEXT, amount_minor INTEGER, currency TEXT,
            opened_at TEXT, updated_at TEXT, resolved_at TEXT, respond_by TEXT, raw TEXT NOT NULL,
            PRIMARY KEY (account, id)
        );
        """,
    )


@migration
def m003_sync_bookkeeping_and_indexes(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE sync_state (
            account TEXT NOT NULL, stream TEXT NOT NULL,
            cursor TEXT, resume TEXT, updated_at TEXT NOT NULL,
            PRIMARY KEY (account, stream)
        );
        CREATE TABLE sync_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL,
            accounts TEXT NOT NULL, report TEXT, error TEXT
        );
        CREATE INDEX orders_account_created ON orders (account, created_at);
        CREATE INDEX orders_account_buyer ON orders (account, buyer_key);
        CREATE INDEX reviews_account_created ON reviews (account, created_at);
        CREATE INDEX disputes_account_opened ON disputes (account, opened_at);
        """,
    )


def applied(db: sqlite3.Connection) -> list[str]:
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    return [row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY name")]


def migrate(db: sqlite3.Connection, upto: str | None = None) -> list[str]:
    """Apply every missing migration (or up to and including `upto`); returns the names applied."""
    from mktcrm.db import dialect

    if dialect.of(db) == dialect.POSTGRESQL:
        # Several team members may open a fresh database at once: one migrates, the others wait and see it done.
        db.execute("SELECT pg_advisory_lock(?)", (MIGRATION_LOCK,))
        try:
            return _migrate(db, upto)
        finally:
            db.execute("SELECT pg_advisory_unlock(?)", (MIGRATION_LOCK,))
    return _migrate(db, upto)


def _migrate(db: sqlite3.Connection, upto: str | None) -> list[str]:
    done = set(applied(db))
    ran: list[str] = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated between our read and our lock.
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone() is None:
                fn(db)
                db.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                    (name, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
                )
                ran.append(name)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite has already rolled back after a full disk or an I/O error
                db.execute("ROLLBACK")
            raise
        if name == upto:
            break
    return ran


@migration
def m004_reply_outbox_and_tasks(db: sqlite3.Connection) -> None:
    """Local state the sync never touches: the reply outbox and the seller's manual tasks."""
    _script(
        db,
        """
        CREATE TABLE replies (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL, review_id TEXT NOT NULL, marketplace TEXT NOT NULL,
            body TEXT NOT NULL, template TEXT, findings TEXT,
            state TEXT NOT NULL CHECK (state IN ('draft', 'queued', 'sending', 'sent', 'failed', 'manual_done')),
            idempotency_key TEXT NOT NULL UNIQUE, remote_id TEXT, error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0, task_id INTEGER,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, sent_at TEXT,
            UNIQUE (account, review_id)
        );
        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL, marketplace TEXT NOT NULL, kind TEXT NOT NULL, ref_id TEXT NOT NULL,
            title TEXT NOT NULL, body TEXT NOT NULL, instructions TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'done')),
            created_at TEXT NOT NULL, due_at TEXT, done_at TEXT,
            UNIQUE (account, kind, ref_id)
        );
        CREATE INDEX replies_state ON replies (state);
        CREATE INDEX tasks_state ON tasks (state, due_at)
        """,
    )


@migration
def m005_dispute_workflow(db: sqlite3.Connection) -> None:
    """Disputes get the marketplace's own status, who acts next, a thread, a timeline and a message outbox."""
    _script(
        db,
        """
        ALTER TABLE disputes ADD COLUMN remote_status TEXT;
        ALTER TABLE disputes ADD COLUMN reason_code TEXT;
        ALTER TABLE disputes ADD COLUMN next_actor TEXT;
        ALTER TABLE disputes ADD COLUMN thread_id TEXT;
        CREATE TABLE dispute_events (
            account TEXT NOT NULL, dispute_id TEXT NOT NULL, event_id TEXT NOT NULL,
            at TEXT NOT NULL, kind TEXT NOT NULL, author TEXT, body TEXT, raw TEXT,
            PRIMARY KEY (account, dispute_id, event_id)
        );
        CREATE TABLE dispute_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL, dispute_id TEXT NOT NULL, marketplace TEXT NOT NULL,
            body TEXT NOT NULL, template TEXT, findings TEXT,
            state TEXT NOT NULL CHECK (state IN ('draft', 'queued', 'sending', 'sent', 'failed', 'manual_done')),
            idempotency_key TEXT NOT NULL UNIQUE, remote_id TEXT, error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0, task_id INTEGER,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, sent_at TEXT
        );
        CREATE INDEX disputes_respond_by ON disputes (status, respond_by);
        CREATE INDEX dispute_events_at ON dispute_events (account, dispute_id, at)
        """,
    )


@migration
def m006_local_dispute_status(db: sqlite3.Connection) -> None:
    """The seller's own resolution, kept apart from synced columns so a sync cannot undo it."""
    _script(
        db,
        """
        ALTER TABLE disputes ADD COLUMN local_status TEXT;
        ALTER TABLE disputes ADD COLUMN local_at TEXT
        """,
    )


@migration
def m007_kpi_indexes(db: sqlite3.Connection) -> None:
    """KPI reads: a dispute by its order (dispute rate), a buyer's history (repurchase, CLTV), events by author."""
    _script(
        db,
        """
        CREATE INDEX disputes_account_order ON disputes (account, order_id, kind);
        CREATE INDEX orders_account_buyer_kpi ON orders (account, buyer_key, created_at, status, total_minor, currency);
        CREATE INDEX orders_account_created_kpi ON orders (account, created_at, status, currency, total_minor)
        """,
    )


@migration
def m008_kpi_rollups(db: sqlite3.Connection) -> None:
    """Per-day KPI rollups kept by triggers (db/rollups.py), filled from what the cache already holds."""
    from mktcrm.db import rollups

    rollups.create(db)
    rollups.rebuild(db)


@migration
def m009_solicitations(db: sqlite3.Connection) -> None:
    """Review requests (Amazon Solicitations) in the one outbox's shape: one row per order, ever."""
    _script(
        db,
        """
        CREATE TABLE solicitations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL, order_id TEXT NOT NULL, marketplace TEXT NOT NULL,
            body TEXT NOT NULL, template TEXT, findings TEXT,
            state TEXT NOT NULL CHECK (state IN ('draft', 'queued', 'sending', 'sent', 'failed', 'manual_done')),
            idempotency_key TEXT NOT NULL UNIQUE, remote_id TEXT, error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0, task_id INTEGER,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL, sent_at TEXT,
            UNIQUE (account, order_id)
        );
        CREATE INDEX solicitations_state ON solicitations (state)
        """,
    )


@migration
def m010_automation_log(db: sqlite3.Connection) -> None:
    """What each automation rule did, when, to what (`mktcrm automate log`); also what makes a rule run once."""
    _script(
        db,
        """
        CREATE TABLE automation_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            rule TEXT NOT NULL, trigger_kind TEXT NOT NULL, account TEXT NOT NULL, ref_id TEXT NOT NULL,
            action TEXT NOT NULL, state TEXT NOT NULL, detail TEXT, text TEXT,
            outbox_table TEXT, outbox_id INTEGER, task_id INTEGER, at TEXT NOT NULL
        );
        CREATE INDEX automation_log_item ON automation_log (rule, account, ref_id, state);
        CREATE INDEX automation_log_at ON automation_log (at)
        """,
    )


@migration
def m013_order_state_and_buyer_rollups(db: sqlite3.Connection) -> None:
    """Orders get mktcrm's normal status beside the raw one (mapped by each plug-in, backfilled here), and
    per-buyer rollups kept by triggers (db/buyer_rollup.py), filled from what the cache already holds."""
    from importlib import import_module

    from mktcrm.db import buyer_rollup

    db.execute("ALTER TABLE orders ADD COLUMN state TEXT")
    # The plug-in registry is a higher layer, reached by name like every plug-in; a marketplace no longer
    # installed keeps NULL states until its plug-in is back and its orders sync again.
    states = import_module("mktcrm.sync.tables").order_states
    for (marketplace,) in db.execute("SELECT DISTINCT marketplace FROM orders").fetchall():
        for raw, state in states(marketplace).items():
            db.execute(
                "UPDATE orders SET state = ? WHERE marketplace = ? AND lower(status) = ?", (state, marketplace, raw)
            )
    db.execute("CREATE INDEX orders_account_state ON orders (account, state, created_at)")
    buyer_rollup.create(db)
    buyer_rollup.rebuild(db)


@migration
def m016_operator(db: sqlite3.Connection) -> None:
    """Who did what in a team: the operator on each reply, dispute message, task and local dispute event."""
    _script(
        db,
        """
        ALTER TABLE replies ADD COLUMN operator TEXT;
        ALTER TABLE dispute_messages ADD COLUMN operator TEXT;
        ALTER TABLE tasks ADD COLUMN operator TEXT;
        ALTER TABLE dispute_events ADD COLUMN operator TEXT
        """,
    )


@migration
def m017_solicitation_operator(db: sqlite3.Connection) -> None:
    """Review requests go through the one outbox, which records the operator on every row it queues (m016
    gave the other outbox tables the column, not this one: `solicit` failed on every store)."""
    db.execute("ALTER TABLE solicitations ADD COLUMN operator TEXT")
