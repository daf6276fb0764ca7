"""`[cache] keep_raw` (issue 14): old orders lose their raw API record, never a figure, and re-reads stay quiet."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from conftest import Home, sandbox_account
from mktcrm.errors import ExitCode


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _orders(home: Home) -> list[dict[str, object]]:
    return json.loads(home.ok("orders", "list", "--limit", "100000", "--since", "3650d", "--json").stdout)


def test_keep_raw_blanks_old_orders_only_and_keeps_every_listed_figure(home: Home) -> None:
    home.configure(cache={"keep_raw": "all"})
    home.ok("sync", "--quiet")
    listed = _orders(home)
    assert home.sql("SELECT count(*) FROM orders WHERE raw = '{}'") == [(0,)]

    home.configure(cache={"keep_raw": "30d"})
    before = datetime.now(UTC) - timedelta(days=30)
    home.ok("sync", "--quiet")
    after = datetime.now(UTC) - timedelta(days=30)
    old = home.sql("SELECT count(*) FROM orders WHERE created_at < ?", _stamp(before))[0][0]
    recent = home.sql("SELECT count(*) FROM orders WHERE created_at >= ?", _stamp(after))[0][0]
    assert old > 0 and recent > 0  # the sandbox has both, so both branches are checked
    assert home.sql("SELECT count(*) FROM orders WHERE created_at < ? AND raw <> '{}'", _stamp(before)) == [(0,)]
    assert home.sql("SELECT count(*) FROM orders WHERE created_at >= ? AND raw = '{}'", _stamp(after)) == [(0,)]
    assert _orders(home) == listed  # every column a seller sees is unchanged

    # A full re-read finds nothing changed: a blanked record is compared on its mapped columns.
    report = json.loads(home.ok("sync", "--full", "--stream", "orders", "--json").stdout)
    stream = report["accounts"][0]["streams"][0]
    assert (stream["records"], stream["new"], stream["changed"]) == (len(listed), 0, 0)
    assert home.sql("SELECT count(*) FROM orders WHERE created_at < ? AND raw <> '{}'", _stamp(before)) == [(0,)]


def test_a_change_to_a_blanked_order_is_still_written(home: Home) -> None:
    home.configure(cache={"keep_raw": "none"})
    home.ok("sync", "--quiet", "--stream", "orders")
    total = home.count("orders")
    assert total > 0 and home.sql("SELECT count(*) FROM orders WHERE raw = '{}'") == [(total,)]
    order_id, status = home.sql("SELECT id, status FROM orders ORDER BY id LIMIT 1")[0]
    with sqlite3.connect(home.db_path) as db:  # the cache now differs from the marketplace on one order
        db.execute("UPDATE orders SET status = 'STALE' WHERE id = ?", (order_id,))
    report = json.loads(home.ok("sync", "--full", "--stream", "orders", "--json").stdout)
    assert report["accounts"][0]["streams"][0]["changed"] == 1
    assert home.sql("SELECT status, raw FROM orders WHERE id = ?", order_id) == [(status, "{}")]


def test_a_bad_keep_raw_is_a_config_error(home: Home) -> None:
    home.configure(cache={"keep_raw": "30 days"})
    result = home.run("sync", "--quiet")
    assert result.exit_code == ExitCode.CONFIG
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Error: ") and "keep_raw" in lines[0] and '"90d"' in lines[0]
    assert lines[1].startswith("Hint: ") and "Traceback" not in result.stderr


def test_review_requests_say_why_an_order_without_its_record_is_not_asked(home: Home) -> None:
    account, secrets = sandbox_account("amazon", "boutique", orders=30)
    home.configure([account], secrets=secrets, cache={"keep_raw": "all"})
    home.ok("sync", "--quiet")
    kept = json.loads(home.ok("solicit", "--since", "3650d", "--dry-run", "--json").stdout)
    # Judged on their delivery date (the reasons checked before it, such as feedback left, do not change).
    shipped = {r["order_id"] for r in kept if r["delivered_at"] and str(r["detail"]).startswith(("too ", "eligible"))}
    assert shipped

    home.configure([account], secrets=secrets, cache={"keep_raw": "none"})
    home.ok("sync", "--quiet")
    again = home.ok("solicit", "--since", "3650d", "--dry-run", "--json")
    blanked = {r["order_id"]: r for r in json.loads(again.stdout)}
    for order_id in shipped:
        row = blanked[order_id]
        assert row["delivered_at"] is None and row["state"] == "not eligible"
        assert "no longer kept ([cache] keep_raw)" in row["detail"]
