"""SQL for looking after the cache itself: integrity, schema, runs, backups, and purging personal data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mktcrm.db.migrations import MIGRATIONS, applied


def integrity_problems(db: sqlite3.Connection, limit: int = 5) -> list[str]:
    """SQLite's own page-by-page check; [] when the file is sound."""
    rows = [str(r[0]) for r in db.execute(f"PRAGMA integrity_check({int(limit)})")]
    return [] if rows == ["ok"] else rows


def schema_state(db: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """(migrations this version knows but the file lacks, migrations the file has that this version does not)."""
    known = [name for name, _ in MIGRATIONS]
    done = applied(db)
    return [m for m in known if m not in done], [m for m in done if m not in known]


def running_runs(db: sqlite3.Connection) -> list[int]:
    return [int(r[0]) for r in db.execute("SELECT id FROM sync_runs WHERE status = 'running' ORDER BY id")]


def backup(db: sqlite3.Connection, target: Path) -> int:
    """SQLite's online backup into `target` (readers and a running sync may go on); returns pages copied."""
    dest = sqlite3.connect(target)
    try:
        db.backup(dest)
        return int(dest.execute("PRAGMA page_count").fetchone()[0])
    finally:
        dest.close()


_FINISHED = "state IN ('sent', 'manual_done') AND body != '[purged]'"
# Per table: the personal data to blank for rows tied to orders created before the cut-off. Counts, ratings,
# amounts, dates and statuses stay, so every KPI over the purged period keeps its value.
PURGES: tuple[tuple[str, str, str], ...] = (
    ("orders", "raw = '{}'", "created_at < :before AND raw != '{}'"),
    (
        "reviews",
        "buyer_name = NULL, body = NULL, title = NULL, raw = '{}'",
        "coalesce((SELECT o.created_at FROM orders o WHERE o.account = reviews.account AND o.id = reviews.order_id),"
        " reviews.created_at) < :before AND (buyer_name IS NOT NULL OR body IS NOT NULL OR raw != '{}')",
    ),
    (
        "disputes",
        "raw = '{}'",
        "coalesce((SELECT o.created_at FROM orders o WHERE o.account = disputes.account AND o.id = disputes.order_id),"
        " disputes.opened_at) < :before AND raw != '{}'",
    ),
    (
        "dispute_events",
        "body = NULL, raw = NULL",
        "at < :before AND (body IS NOT NULL OR raw IS NOT NULL)",
    ),
    # What the seller sent (it greets buyers by name): the text of finished deliveries only.
    ("replies", "body = '[purged]'", f"created_at < :before AND {_FINISHED}"),
    ("dispute_messages", "body = '[purged]'", f"created_at < :before AND {_FINISHED}"),
    ("tasks", "body = '[purged]'", "created_at < :before AND state = 'done' AND body != '[purged]'"),
    (
        "buyers",
        "display_name = NULL",
        "display_name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.account = buyers.account"
        " AND o.buyer_key = buyers.buyer_key AND o.created_at >= :before)",
    ),
)


def purge_personal_data(db: sqlite3.Connection, before: str) -> dict[str, int]:
    """Blank names and texts of what is older than `before` (UTC ISO); rows changed per table."""
    return {
        table: db.execute(f"UPDATE {table} SET {sets} WHERE {where}", {"before": before}).rowcount
        for table, sets, where in PURGES
    }


def table_sizes(db: sqlite3.Connection) -> tuple[list[dict[str, object]], int, bool]:
    """Rows and bytes on disk per table (its indexes counted apart), the file's bytes, and whether the bytes are
    exact: from SQLite's `dbstat` table when the build has it, else None per table (the file size stays exact).

    `dbstat` reads every page, so this takes about as long as a scan of the whole cache.
    """
    tables = [
        str(r[0])
        for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ]
    owner = {str(name): str(table) for name, table in db.execute("SELECT name, tbl_name FROM sqlite_master")}
    page_size = int(db.execute("PRAGMA page_size").fetchone()[0])
    file_bytes = int(db.execute("PRAGMA page_count").fetchone()[0]) * page_size
    data: dict[str, int] = {}
    index: dict[str, int] = {}
    try:
        for name, size in db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(str(name), str(name))
            bucket = data if table == name else index
            bucket[table] = bucket.get(table, 0) + int(size)
        exact = True
    except sqlite3.OperationalError:  # SQLite built without SQLITE_ENABLE_DBSTAT_VTAB
        exact = False
    rows = []
    for table in sorted(tables):
        count = int(db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # names from sqlite_master
        rows.append(
            {
                "table": table,
                "rows": count,
                "bytes": data.get(table, 0) if exact else None,
                "index_bytes": index.get(table, 0) if exact else None,
            }
        )
    return rows, file_bytes, exact
