"""Looking after the cache: `db check`, `db backup`, `db rebuild`, `privacy purge`.

A seller keeps this file for years on a laptop: it must say when it is damaged or left behind by a killed
run, be copied safely while in use, and forget buyers' personal data once it is no longer needed, without
losing the figures computed from it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mktcrm.db import maintenance as sql
from mktcrm.errors import MktcrmError, UsageError
from mktcrm.timeutil import iso


@dataclass
class Check:
    check: str
    status: str  # ok | fail | warn
    detail: str


def schema_check(db: Any) -> Check:
    """Whether the cache's schema is this mktcrm's (either store: the migrations table reads the same)."""
    missing, unknown = sql.schema_state(db)
    if unknown:
        return Check("schema", "fail", f"written by a newer mktcrm ({', '.join(unknown)}): upgrade mktcrm")
    if missing:
        return Check("schema", "warn", f"{len(missing)} migrations to apply; any other command applies them")
    return Check("schema", "ok", f"up to date ({len(sql.MIGRATIONS)} migrations)")


def sync_running(db_path: Path) -> bool:
    """Whether a sync holds the cache's lock right now (tried without waiting)."""
    from filelock import FileLock, Timeout

    lock = FileLock(f"{db_path}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    lock.release()
    return False


def check(db_path: Path, *, sync_running: bool) -> list[Check]:
    """Integrity, schema version and stale runs. Opens the file read-only, so a damaged cache is reported, not
    made worse; `sync_running` says whether a sync holds the lock now (its `running` row is then not stale)."""
    if not db_path.exists():
        return [Check("file", "fail", f"no cache at {db_path}: run `mktcrm sync` first")]
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [Check("file", "fail", f"cannot open {db_path}: {exc}")]
    try:
        return _checks(db, sync_running)
    except sqlite3.DatabaseError as exc:
        return [Check("integrity", "fail", f"{exc}: restore a backup, or move the file away and sync again")]
    finally:
        db.close()


def _checks(db: sqlite3.Connection, sync_running: bool) -> list[Check]:
    out: list[Check] = []
    problems = sql.integrity_problems(db)
    out.append(Check("integrity", "fail" if problems else "ok", "; ".join(problems) or "every page reads back"))
    out.append(schema_check(db))
    running = sql.running_runs(db)
    stale = running if not sync_running else running[:-1]
    if stale:
        ids = ", ".join(map(str, stale))
        out.append(Check("runs", "warn", f"sync runs {ids} were killed mid-way; the next sync resumes and marks them"))
    else:
        out.append(Check("runs", "ok", "a sync is running now" if running and sync_running else "no stale run"))
    return out


def backup(db: sqlite3.Connection, target: Path, *, force: bool) -> int:
    """An online, consistent copy (mode 0600, written aside then renamed: never a half-written backup)."""
    if target.exists() and not force:
        raise UsageError(f"{target} exists", hint="choose another file, or add --force to replace it")
    if target.is_dir():
        raise UsageError(f"{target} is a folder", hint="give a file name, e.g. mktcrm-backup.db")
    tmp = target.with_name(f".{target.name}.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # `~/backups/…`: a folder only its owner reads
        tmp.unlink(missing_ok=True)
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        pages = sql.backup(db, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise MktcrmError(f"cannot write {target}: {exc.strerror}", hint="check the folder and free space") from None
    return pages


def rebuild(db: sqlite3.Connection) -> list[dict[str, object]]:
    """Recompute the derived tables (KPI rollups) from the base tables, in one transaction.

    For after a restore, an import or a change of definition; triggers keep them current otherwise. Each
    table's row says how many rows it holds and how many differed from what was kept before (0 when the
    triggers did their job): a sync may run meanwhile, as its pages and this rebuild commit one after another.
    """
    from mktcrm.db import rollups

    db.execute("BEGIN IMMEDIATE")
    try:
        out = rollups.rebuild_and_compare(db)
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return out


def purge(db: sqlite3.Connection, before: datetime, *, dry_run: bool = False) -> dict[str, int]:
    """Forget names and texts older than `before` in one transaction; figures (counts, ratings, amounts) stay.

    With `dry_run` the same statements run and are rolled back, so the counts shown are exactly what a real
    run would change.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        counts = sql.purge_personal_data(db, iso(before) or "")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("ROLLBACK" if dry_run else "COMMIT")
    return counts


def stats(db_path: Path) -> tuple[list[dict[str, object]], str]:
    """Rows and bytes per table, biggest first, each with its share of the file; and a one-line summary with
    the bytes per order (the whole file over the orders it holds: lines, reviews, disputes, buyers included).

    Opens the file read-only: looking at a cache never creates or migrates one (none yet: no rows)."""
    if not db_path.exists():
        return [], f"No cache at {db_path} yet: `mktcrm sync` creates it."
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows, file_bytes, exact = sql.table_sizes(db)
    finally:
        db.close()
    for row in rows:
        size = row["bytes"]
        if isinstance(size, int) and isinstance(row["index_bytes"], int):
            row["share_pct"] = round(100 * (size + row["index_bytes"]) / file_bytes, 1) if file_bytes else None
        else:
            row["share_pct"] = None
    rows.sort(key=lambda r: (-(r["share_pct"] or 0), str(r["table"])))
    orders = next((int(r["rows"]) for r in rows if r["table"] == "orders"), 0)  # type: ignore[call-overload]
    per_order = f", {file_bytes / orders / 1024:.1f} KiB per order" if orders else ""
    how = "" if exact else " (this SQLite has no dbstat: bytes per table unknown)"
    return rows, f"Cache file: {file_bytes / 1048576:.1f} MiB{per_order}{how}"
