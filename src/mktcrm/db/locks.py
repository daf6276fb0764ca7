"""Team mode's locks: PostgreSQL advisory locks, held by a session and freed by the server when that
session ends (a `kill -9`, a lost laptop), so no lock outlives the run that took it.

- one sync per account at a time (two people may sync two accounts at once);
- one sender per outbox row at a time (two people may run `reviews reply` at once): a row whose lock
  another live session holds is being sent right now and is skipped, never read as a crash.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from mktcrm.errors import TemporaryError

POLL_S = 0.2


def key(*parts: str) -> int:
    """A stable signed 64-bit advisory key for a name (the same on every machine)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def try_lock(db: Any, *parts: str) -> bool:
    return bool(db.execute("SELECT pg_try_advisory_lock(?)", (key(*parts),)).fetchone()[0])


def lock(db: Any, *parts: str) -> None:
    """Wait for the lock (held by a live session only while it sends one row)."""
    db.execute("SELECT pg_advisory_lock(?)", (key(*parts),))


def unlock(db: Any, *parts: str) -> None:
    db.execute("SELECT pg_advisory_unlock(?)", (key(*parts),))


def holder(db: Any, *parts: str) -> str:
    """Who holds a lock: the application name its session gave (`mktcrm OPERATOR@HOST pid N`)."""
    k = key(*parts) & 0xFFFFFFFFFFFFFFFF
    row = db.execute(
        "SELECT a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ?::bigint::oid AND l.objid = ?::bigint::oid"
        " AND l.objsubid = 1",
        (k >> 32, k & 0xFFFFFFFF),
    ).fetchone()
    if row is None:
        return "another session"
    return f"{row[0] or 'another session'} (since {row[1]:%Y-%m-%d %H:%M:%S %Z})"


@contextmanager
def sync_locks(db: Any, accounts: Sequence[str], timeout: float) -> Iterator[None]:
    """Hold every account's sync lock, waiting at most `timeout` seconds in all; exit 5 names the holder."""
    held: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        for account in sorted(set(accounts)):  # one order for everyone: no two runs wait on each other
            while not try_lock(db, "sync", account):
                if time.monotonic() >= deadline:
                    raise TemporaryError(
                        f"account {account} is being synced by {holder(db, 'sync', account)} (waited {timeout:.0f} s)",
                        hint="let it finish, or raise [sync] lock_timeout_seconds; list and show commands still work",
                    )
                time.sleep(POLL_S)
            held.append(account)
        yield
    finally:
        for account in held:
            unlock(db, "sync", account)
