"""Open the cache: WAL so readers never wait for a sync, a busy timeout, migrations applied."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from mktcrm.db.migrations import migrate
from mktcrm.errors import MktcrmError, TemporaryError, from_environment

BUSY_TIMEOUT_MS = 5000


def connect(path: Path, *, apply_migrations: bool = True) -> sqlite3.Connection:
    """A connection in autocommit mode; callers group writes with `store.transaction()`."""
    if str(path) != ":memory:":
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                # The cache holds buyer names: only its owner may read it.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        except OSError as exc:
            raise MktcrmError(
                f"cannot create the cache {path}: {exc.strerror}",
                hint="point --db (or MKTCRM_HOME) at a writable folder",
            ) from None
    try:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        if apply_migrations:
            migrate(db)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise TemporaryError(f"the cache {path} is locked by another process", hint="retry later") from None
        raise MktcrmError(f"cannot open the cache {path}: {exc}", hint="check the path given to --db") from None
    except sqlite3.DatabaseError as exc:
        if "malformed" in str(exc):  # a cache whose schema pages are damaged: say so, as for any other page
            raise from_environment(exc) or exc from None
        raise MktcrmError(
            f"{path} is not a mktcrm cache: {exc}", hint="point --db at another file, or move this one away"
        ) from None
    return db


def connect_url(url: str, *, password: str | None = None, application: str = "mktcrm", apply: bool = True) -> Any:
    """The shared PostgreSQL database (team mode), migrated like a cache file; psycopg loads only here."""
    try:
        from mktcrm.db import pg
    except ImportError:
        raise MktcrmError(
            "team mode needs psycopg, which is not installed",
            hint="pip install 'mktcrm[postgres]' (psycopg 3); see docs/team.md",
        ) from None
    db = pg.connect(url, password=password, application=application)
    if apply:
        migrate(db)
    return db
