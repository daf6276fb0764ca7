"""Copy a SQLite cache into a shared PostgreSQL database (`mktcrm db migrate --to`).

Streamed: each table is read in primary-key order, a batch at a time, and each batch is written in one
transaction with `ON CONFLICT DO NOTHING`, so memory stays flat and a run that stopped (Ctrl-C, a lost
connection) is resumed by running it again: rows already there are skipped, none doubled. The KPI
rollups are not copied: PostgreSQL's triggers build them from the rows as they arrive. The buyer-key
salt travels with the data, so buyer keys stay joinable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mktcrm.db import rollups
from mktcrm.errors import MktcrmError

BATCH = 2000
DERIVED = ("kpi_feedback", "kpi_sales", *rollups.ROLLUPS)
IDENTITY = ("replies", "dispute_messages", "tasks", "sync_runs")  # INTEGER PRIMARY KEY AUTOINCREMENT tables


def tables(source: Any) -> list[str]:
    """The source's tables to copy, base tables only, `meta` first (the salt), in a stable order."""
    names = [
        r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ]
    base = sorted(n for n in names if n not in DERIVED and n not in ("_migrations", "meta"))
    return ["meta", *base]


def _columns(source: Any, table: str) -> tuple[list[str], list[str]]:
    info = list(source.execute(f"PRAGMA table_info({table})"))
    cols = [r[1] for r in info]
    pk = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]]
    return cols, pk


def check_salt(source: Any, target: Any) -> None:
    """Refuse to mix two caches: a target holding orders under another salt would split every buyer in two."""
    mine = source.execute("SELECT value FROM meta WHERE key = 'buyer_salt'").fetchone()[0]
    theirs = target.execute("SELECT value FROM meta WHERE key = 'buyer_salt'").fetchone()
    has_rows = target.execute("SELECT 1 FROM orders LIMIT 1").fetchone() is not None
    if has_rows and theirs is not None and theirs[0] != mine:
        raise MktcrmError(
            "the target database already holds another cache's data (its buyer keys use another salt)",
            hint="migrate into an empty database; see docs/team.md",
        )


def copy_table(source: Any, target: Any, table: str, progress: Callable[[str, int], None]) -> None:
    """Stream one table in key order; each batch is one transaction on the target."""
    cols, pk = _columns(source, table)
    names = ", ".join(cols)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(cols))})"
    insert += (
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value" if table == "meta" else " ON CONFLICT DO NOTHING"
    )
    cursor = source.execute(f"SELECT {names} FROM {table} ORDER BY {', '.join(pk) or 'rowid'}")
    done = 0
    while batch := cursor.fetchmany(BATCH):
        target.execute("BEGIN")
        try:
            target.executemany(insert, [tuple(r) for r in batch])
        except BaseException:
            if target.in_transaction:
                target.execute("ROLLBACK")
            raise
        target.execute("COMMIT")
        done += len(batch)
        progress(table, done)
    if table in IDENTITY:  # new rows written on PostgreSQL must not reuse a copied id
        target.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 0) + 1,"
            " false)"
        )


def counts(source: Any, target: Any, names: list[str]) -> list[dict[str, Any]]:
    """Rows per table on both sides (copied tables and the rollups PostgreSQL built): the end-of-run check."""
    out = []
    for table in [*names, *DERIVED]:
        a = source.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        b = target.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        out.append({"table": table, "source": a, "target": b, "status": "ok" if a == b else "differs"})
    return out
