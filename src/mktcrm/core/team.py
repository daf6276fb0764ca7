"""Team mode's maintenance: moving a cache file into the shared database, and checking that database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mktcrm.core.maintenance import Check, schema_check


def migrate_to(source: Any, target: Any, progress: Callable[[str, int], None]) -> list[dict[str, Any]]:
    """Copy every base table of `source` (SQLite) into `target` (PostgreSQL, already migrated), then compare
    row counts per table. Safe to run again after an interruption: it resumes, doubling nothing."""
    from mktcrm.db import copy, dialect

    if dialect.of(source) != dialect.SQLITE or dialect.of(target) != dialect.POSTGRESQL:
        from mktcrm.errors import UsageError

        raise UsageError("db migrate copies the cache file into a PostgreSQL database", hint="--to postgresql://…")
    copy.check_salt(source, target)
    names = copy.tables(source)
    for table in names:
        copy.copy_table(source, target, table, progress)
    return copy.counts(source, target, names)


def check_shared(db: Any) -> list[Check]:
    """`db check` on PostgreSQL: the server, the collation text ordering relies on, the schema, stale runs."""
    from mktcrm.db import locks

    out = [Check("server", "ok", str(db.execute("SELECT version()").fetchone()[0]).split(" on ")[0])]
    collation = db.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()").fetchone()[0]
    if collation in ("C", "POSIX", "C.UTF-8", "C.utf8"):
        out.append(Check("collation", "ok", f"{collation}: text sorts as on SQLite"))
    else:
        out.append(Check("collation", "warn", f"{collation}: lists may sort names differently than on SQLite"))
    out.append(schema_check(db))
    stale = [
        run_id
        for run_id, accounts in db.execute("SELECT id, accounts FROM sync_runs WHERE status = 'running' ORDER BY id")
        if all(locks.try_lock(db, "sync", a) and (locks.unlock(db, "sync", a) or True) for a in _names(accounts))
    ]
    if stale:
        ids = ", ".join(map(str, stale))
        out.append(Check("runs", "warn", f"sync runs {ids} were killed mid-way; the next sync resumes and marks them"))
    else:
        out.append(Check("runs", "ok", "no stale run"))
    return out


def _names(accounts: str) -> list[str]:
    import json

    return [str(a) for a in json.loads(accounts)]
