"""Schema migrations: from an empty file, and from every earlier version, with data kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from mktcrm.db.connect import connect
from mktcrm.db.migrations import MIGRATIONS, migrate

ALL = [name for name, _ in MIGRATIONS]


def _tables(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_empty_file_gets_every_migration(tmp_path: Path) -> None:
    db = connect(tmp_path / "c.db")
    assert [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY name")] == ALL
    assert {"listings", "orders", "order_lines", "buyers", "reviews", "disputes", "sync_state", "sync_runs"} <= (
        _tables(db)
    )
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert len(db.execute("SELECT value FROM meta WHERE key = 'buyer_salt'").fetchone()[0]) == 64
    assert migrate(db) == []  # idempotent


@pytest.mark.parametrize("stop", ALL[:-1])
def test_upgrade_from_each_earlier_version_keeps_data(tmp_path: Path, stop: str) -> None:
    path = tmp_path / "c.db"
    old = sqlite3.connect(path, isolation_level=None)
    assert migrate(old, upto=stop)[-1] == stop
    old.execute(
        "INSERT INTO orders (account, id, marketplace, created_at, updated_at, raw)"
        " VALUES ('a', '1', 'mirakl', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '{}')"
    )
    salt = old.execute("SELECT value FROM meta").fetchone()[0]
    old.close()
    db = connect(path)
    assert [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY name")] == ALL
    assert [tuple(r) for r in db.execute("SELECT id FROM orders")] == [("1",)]
    assert db.execute("SELECT value FROM meta").fetchone()[0] == salt


def test_cache_file_is_private(tmp_path: Path) -> None:
    connect(tmp_path / "c.db").close()
    assert (tmp_path / "c.db").stat().st_mode & 0o077 == 0
