"""KPI rollups: kept by triggers in the same transaction as each page, equal to a rebuild from scratch.

`mktcrm db rebuild` recomputes them from the base tables; these tests compare what the sync kept with
that rebuild row by row, after syncs, updates, deletions and a page that fails half-way.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from conftest import Home
from mktcrm.db.connect import connect
from mktcrm.db.store import Store
from mktcrm.records import Dispute, Order, Review
from mktcrm.sync.tables import TableRows

ROLLUP_TABLES = ("kpi_order_days", "kpi_review_days", "kpi_feedback", "kpi_sales", "buyer_stats")


def rows(home: Home) -> dict[str, list[tuple[Any, ...]]]:
    """Every rollup row that says something (zero rows and orders without feedback say nothing)."""
    db = sqlite3.connect(home.db_path)
    try:
        out = {}
        for table in ROLLUP_TABLES:
            cols = [c[1] for c in db.execute(f"PRAGMA table_info({table})")]
            counts = [c for c in cols if c not in ("account", "day", "currency", "order_id")]
            said = " OR ".join(f"{c} IS NOT NULL AND {c} != 0" for c in counts) if table != "kpi_sales" else "1"
            if table == "buyer_stats":
                said = "orders > 0 OR reviews > 0 OR disputes > 0"
            out[table] = db.execute(f"SELECT * FROM {table} WHERE {said} ORDER BY 1, 2, 3").fetchall()
        return out
    finally:
        db.close()


def rebuild(home: Home) -> dict[str, dict[str, int]]:
    return {r["table"]: r for r in json.loads(home.ok("db", "rebuild", "--json").stdout)}


def write(home: Home, records: list[Any], account: str = "shop1") -> None:
    db = connect(home.db_path)
    store = Store(db)
    with store.transaction():
        TableRows(store, account, "mirakl").write(records)
    db.close()


def test_rebuild_from_scratch_equals_what_the_sync_kept(synced: Home) -> None:
    kept = rows(synced)
    assert kept["kpi_order_days"] and kept["kpi_review_days"] and kept["kpi_feedback"]
    assert sum(r[3] for r in kept["kpi_order_days"]) == synced.count("orders")  # placed, every order once
    result = rebuild(synced)
    assert {t: r["changed"] for t, r in result.items()} == dict.fromkeys(ROLLUP_TABLES, 0)
    assert rows(synced) == kept
    # From nothing: wipe the rollups, rebuild, and every row comes back as it was.
    db = sqlite3.connect(synced.db_path)
    db.executescript(";".join(f"DELETE FROM {t}" for t in ROLLUP_TABLES))
    db.close()
    result = rebuild(synced)
    assert result["kpi_order_days"]["changed"] == result["kpi_order_days"]["rows"] == len(kept["kpi_order_days"])
    assert rows(synced) == kept


def test_updates_moves_and_deletions_keep_rollups_equal_to_a_rebuild(home: Home) -> None:
    home.configure()
    write(
        home,
        [
            Order(id="O1", created_at="2026-03-01T10:00:00Z", updated_at="x", status="SHIPPED", total_minor=1000,
                  currency="EUR", buyer_id="a"),
            Order(id="O2", created_at="2026-03-02T10:00:00Z", updated_at="x", status="SHIPPED", total_minor=500,
                  currency="EUR", buyer_id="b"),
            Review(id="R1", kind="seller_feedback", created_at="2026-03-03T10:00:00Z", order_id="O1", rating=5),
            Review(id="R0", kind="seller_feedback", created_at="2026-02-27T10:00:00Z", order_id="O9", rating=2),
        ],
    )  # fmt: skip
    # R0's order arrives after its review; O1 is refunded and moved to another day; R1 moves to O2 and drops to 3
    # (a changed payload: the store skips rows whose raw did not change, and so do the triggers).
    write(
        home,
        [
            Order(id="O9", created_at="2026-02-26T10:00:00Z", updated_at="y", status="SHIPPED", total_minor=700,
                  currency="GBP"),
            Order(id="O1", created_at="2026-03-05T09:00:00Z", updated_at="y", status="REFUNDED", total_minor=1000,
                  currency="EUR", buyer_id="a", raw={"v": 2}),
            Review(id="R1", kind="seller_feedback", created_at="2026-03-03T10:00:00Z", order_id="O2", rating=3,
                   raw={"v": 2}),
            Dispute(id="D1", kind="incident", status="open", order_id="O2", opened_at="2026-03-04T10:00:00Z"),
        ],
    )  # fmt: skip
    db = sqlite3.connect(home.db_path)
    db.execute("DELETE FROM reviews WHERE id = 'R0'")
    db.commit()
    db.close()
    kept = rows(home)
    # By hand: O9 GBP on 26 Feb (its feedback R0 deleted), O1 refunded on 5 Mar, O2 on 2 Mar rated 3 (not happy).
    assert kept["kpi_order_days"] == [
        # account, day, currency, placed, sold, paid, revenue, revenue_n, not_sold, refunded, rated, happy
        ("shop1", "2026-02-26", "GBP", 1, 1, 1, 700, 1, 0, 0, 0, 0),
        ("shop1", "2026-03-02", "EUR", 1, 1, 1, 500, 1, 0, 0, 1, 0),
        ("shop1", "2026-03-05", "EUR", 1, 1, 0, 0, 0, 0, 1, 0, 0),
    ]
    assert kept["kpi_review_days"] == [("shop1", "2026-03-03", 1, 1, 3, 0, 0)]
    assert kept["kpi_feedback"] == [("shop1", "O2", 3)]
    buyers = dict(sqlite3.connect(home.db_path).execute("SELECT id, buyer_key FROM orders").fetchall())
    assert [(r[1], r[3], r[4]) for r in kept["kpi_sales"]] == sorted(  # O9 has no buyer; O1 refunded: no money
        [(buyers["O1"], "O1", None), (buyers["O2"], "O2", 500)]
    )
    assert {r["changed"] for r in rebuild(home).values()} == {0}
    assert rows(home) == kept


def test_a_page_that_fails_half_way_leaves_rollups_and_base_rows_together(home: Home) -> None:
    home.configure()
    write(home, [Order(id="O1", created_at="2026-03-01T10:00:00Z", updated_at="x", status="SHIPPED",
                       total_minor=1000, currency="EUR", buyer_id="a")])  # fmt: skip
    before = rows(home)
    db = connect(home.db_path)
    store = Store(db)
    page = [
        Order(id="O2", created_at="2026-03-01T11:00:00Z", updated_at="x", status="SHIPPED", total_minor=300,
              currency="EUR", buyer_id="b"),
        Review(id="R1", kind="seller_feedback", created_at="2026-03-02T10:00:00Z", order_id="O2", rating=5),
        Review(id="R2", kind="seller_feedback", created_at=None, order_id="O1", rating=4),  # type: ignore[arg-type]
    ]  # fmt: skip
    # The orders and the first review are written (and their triggers fired) before R2 breaks NOT NULL.
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        TableRows(store, "shop1", "mirakl").write(page)
    db.close()
    assert home.count("orders") == 1 and home.count("reviews") == 0
    assert rows(home) == before
    assert {r["changed"] for r in rebuild(home).values()} == {0}


def test_kpi_reads_whole_days_from_the_rollups(synced: Home) -> None:
    """Emptying the rollups changes the figures (they are read), and a rebuild restores them exactly."""
    period = ("--period", "2026-01-01..2026-11-30", "--json")
    expected = json.loads(synced.ok("kpi", *period).stdout)
    assert expected[0]["orders"] > 0
    db = sqlite3.connect(synced.db_path)
    db.executescript("DELETE FROM kpi_order_days; DELETE FROM kpi_review_days;")
    db.close()
    assert json.loads(synced.ok("kpi", *period).stdout)[0]["orders"] < expected[0]["orders"]
    rebuild(synced)
    assert json.loads(synced.ok("kpi", *period).stdout) == expected
