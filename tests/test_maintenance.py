"""`db check`, `db backup`, `privacy purge`: a cache that says when it is damaged, copies safely, and forgets."""

from __future__ import annotations

import json
import sqlite3
import stat

from conftest import Home


def _checks(home: Home) -> dict[str, dict[str, str]]:
    return {c["check"]: c for c in json.loads(home.run("db", "check", "--json").stdout)}


def test_db_check_on_a_sound_cache(synced: Home) -> None:
    checks = _checks(synced)
    assert {k: v["status"] for k, v in checks.items()} == {"integrity": "ok", "schema": "ok", "runs": "ok"}
    assert synced.ok("db", "check").exit_code == 0


def test_db_check_names_a_damaged_cache_and_a_killed_run(synced: Home) -> None:
    db = sqlite3.connect(synced.db_path)
    db.execute("UPDATE sync_runs SET status = 'running'")
    db.commit()
    db.close()
    assert _checks(synced)["runs"]["status"] == "warn"
    db = sqlite3.connect(synced.db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    size = synced.db_path.stat().st_size
    with synced.db_path.open("r+b") as fh:
        fh.seek(size // 2)
        fh.write(b"\x00\xff" * (size // 8))
    result = synced.run("db", "check")
    assert result.exit_code == 1 and "fail" in result.stdout
    assert "internal error" not in result.stderr


def test_backup_is_a_private_consistent_copy(synced: Home) -> None:
    target = synced.path / "copy.db"
    synced.ok("db", "backup", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM orders").fetchone()[0] == synced.count("orders")
    copy.close()
    again = synced.run("db", "backup", str(target))
    assert again.exit_code == 2 and "--force" in again.stderr
    synced.ok("db", "backup", str(target), "--force")
    assert synced.ok("--db", str(target), "orders", "list", "--json").stdout.count('"order_id"') == 40


def test_purge_forgets_names_and_texts_but_keeps_every_figure(synced: Home) -> None:
    kpi_before = _figures(synced.ok("kpi", "--period", "all", "--json").stdout)
    named = synced.sql("SELECT count(*) FROM buyers WHERE display_name IS NOT NULL")[0][0]
    assert named > 0
    refused = synced.run("privacy", "purge", "--before", "0d")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    dry = {
        r["table"]: r["rows"]
        for r in json.loads(synced.ok("privacy", "purge", "--before", "0d", "--dry-run", "--json").stdout)
    }
    assert dry["buyers"] == named and dry["orders"] == 40
    assert synced.sql("SELECT count(*) FROM buyers WHERE display_name IS NOT NULL")[0][0] == named  # dry: kept
    synced.ok("privacy", "purge", "--before", "0d", "--yes")
    assert synced.sql("SELECT count(*) FROM buyers WHERE display_name IS NOT NULL") == [(0,)]
    assert synced.sql("SELECT count(*) FROM reviews WHERE buyer_name IS NOT NULL OR body IS NOT NULL") == [(0,)]
    assert synced.sql("SELECT count(*) FROM orders WHERE raw != '{}'") == [(0,)]
    assert _figures(synced.ok("kpi", "--period", "all", "--json").stdout) == kpi_before
    assert synced.count("orders") == 40 and synced.count("reviews") > 0


def _figures(kpi_json: str) -> list[dict[str, object]]:
    """KPI rows without `period_end`: with `--period all` it is "now", which moves on a loaded machine."""
    return [{k: v for k, v in row.items() if k != "period_end"} for row in json.loads(kpi_json)]
