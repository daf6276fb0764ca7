"""The machine fails around us: a full disk, a damaged cache. Clear errors and documented exit codes, never
"internal error … report it", and nothing half-written."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys

from conftest import Home, mirakl_account


def test_a_damaged_cache_is_named_as_such(synced: Home) -> None:
    db = sqlite3.connect(synced.db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    size = synced.db_path.stat().st_size
    with synced.db_path.open("r+b") as fh:  # the last pages, where the newest rows live, overwritten
        fh.seek(size // 3)
        fh.write(b"\xde\xad\xbe\xef" * ((size - size // 3) // 4))
    for command in (("reviews", "list"), ("kpi", "--json"), ("sync",)):
        result = synced.run(*command)
        assert result.exit_code in (1, 3), (command, result.stderr)
        assert "the cache is damaged" in result.stderr, command
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def _limited(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_full_disk_mid_sync_is_temporary_and_the_next_run_completes(home: Home) -> None:
    home.configure([mirakl_account("shop1")])
    home.ok("orders", "list")  # the cache migrated: each new migration grows it, so the limit follows it
    empty = max(p.stat().st_size for p in home.path.glob("mktcrm.db*"))
    env = {**os.environ, "MKTCRM_HOME": str(home.path)}
    full = subprocess.run(
        [sys.executable, "-m", "mktcrm", "sync"],
        preexec_fn=lambda: _limited(empty + 64_000),  # room for a few pages of the sync, not all of them
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert full.returncode in (3, 5), full.stderr
    assert "could not be written" in full.stderr and "free some disk space" in full.stderr
    assert "internal error" not in full.stderr and "Traceback" not in full.stderr
    home.ok("sync", "--quiet")  # room again: it resumes and completes
    assert home.sql("PRAGMA integrity_check") == [("ok",)]
    assert home.count("orders") == 40
