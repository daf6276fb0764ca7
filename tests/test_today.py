"""`mktcrm today` (issue 13): the morning screen, on a hand-built cache dated from now.

shop (mirakl, dispute-rate limit 9 %): O1 at now-30.5 d, disputed (D1, awaiting the seller); O2…O11 at now-10 d.
Over 30 days ending yesterday: 11 orders, 1 disputed = 9.09 % > 9 %: breach. Over 30 days ending now: O1 has left
the window, 10 orders, none disputed = 0 %: ok. So the limit was crossed since yesterday, breach → ok.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conftest import Home, mirakl_account
from mktcrm.db.connect import connect
from mktcrm.db.store import Store
from mktcrm.records import Dispute, Order, Review
from mktcrm.sync.tables import TableRows

NOW = datetime.now(UTC)


def _at(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(db: sqlite3.Connection, records: list[Any]) -> None:
    store = Store(db)
    with store.transaction():
        TableRows(store, "shop", "mirakl").write(records)


@pytest.fixture
def shop(home: Home) -> Home:
    account = mirakl_account("shop")
    home.configure([account], secrets={account["api_key_env"]: "k"})
    db = connect(home.db_path)
    orders = [
        Order(
            id="O1",
            created_at=_at(30.5),
            updated_at=_at(30.5),
            status="SHIPPED",
            total_minor=1000,
            currency="EUR",
            buyer_id="A",
        )
    ]
    orders += [
        Order(id=f"O{i}", created_at=_at(10), updated_at=_at(10), status="SHIPPED", total_minor=1000, currency="EUR",
              buyer_id=f"B{i}")
        for i in range(2, 12)
    ]  # fmt: skip
    _write(
        db,
        [
            *orders,
            Dispute(id="D1", kind="incident", status="awaiting_seller", order_id="O1", opened_at=_at(30),
                    reason="Colis abîmé"),
            Review(id="R1", kind="seller_feedback", created_at=_at(2), order_id="O2", rating=1,
                   body="\x1b[31mJamais reçu\x1b[0m, [red]arnaque[/red]"),
            Review(id="R2", kind="seller_feedback", created_at=_at(3), order_id="O3", rating=2, body="Lent",
                   replied_at=_at(2), reply_body="Désolés"),
            Review(id="R3", kind="seller_feedback", created_at=_at(1), order_id="O4", rating=5, body="Parfait"),
        ],
    )  # fmt: skip
    db.close()
    return home


def test_today_json_has_every_section_worked_out_by_hand(shop: Home) -> None:
    data = json.loads(shop.ok("today", "--json").stdout)
    assert [r["id"] for r in data["unhappy_reviews"]] == ["R1"]  # R2 answered, R3 happy
    assert [d["id"] for d in data["disputes_awaiting_seller"]] == ["D1"]
    assert data["tasks"] == {"open": 0, "by_kind": {}, "next_id": None}
    crossed = [c for c in data["kpi_changes"] if c["field"] == "dispute_rate_pct"]
    assert len(crossed) == 1 and crossed[0]["account"] == "shop"
    assert (crossed[0]["was"], crossed[0]["now"]) == ("breach", "ok")
    assert crossed[0]["value_yesterday"] == pytest.approx(9.1, abs=0.05) and crossed[0]["value"] == 0.0
    assert data["last_sync"] is None
    assert {r["id"] for r in data["overdue"] + data["due_today"]} <= {"D1"}


def test_today_text_is_short_and_inert(shop: Home) -> None:
    result = shop.ok("today")
    text = result.stdout
    assert "Unhappy reviews without a reply (1-2★) (1)" in text and "R1" in text
    assert "\x1b" not in text and "[red]arnaque[/red]" in text  # escapes stripped, markup shown as text
    assert "KPI limits crossed since yesterday (1)" in text and "breach → ok" in text
    assert "Tasks to paste: none." in text and "Last sync: never" in text


def test_today_after_a_sync_says_what_it_did_and_counts_tasks(synced: Home) -> None:
    synced.ok("reviews", "reply", "--unanswered", "--rating", "4..5", "--template", "thanks", "--yes")
    tasks = json.loads(synced.ok("tasks", "list", "--json").stdout)
    data = json.loads(synced.ok("today", "--json").stdout)
    assert data["tasks"]["open"] == len(tasks) and data["tasks"]["next_id"] == tasks[0]["id"]
    assert data["tasks"]["by_kind"] == {"reply_review": len(tasks)}
    run = data["last_sync"]
    assert run["status"] == "ok" and [a["account"] for a in run["accounts"]] == ["shop1"]
    read = synced.sql("SELECT report FROM sync_runs ORDER BY id DESC LIMIT 1")[0][0]
    streams = json.loads(read)["accounts"][0]["streams"]
    assert run["accounts"][0]["records"] == sum(s["records"] for s in streams) > 0
    due = json.loads(synced.ok("due", "--within", "24h", "--json").stdout)
    assert len(data["overdue"]) == sum(1 for r in due if r["urgency"] == "overdue")
    assert f"Tasks to paste: {len(tasks)} open" in synced.ok("today").stdout


def test_today_rejects_an_unknown_account(shop: Home) -> None:
    result = shop.run("today", "--account", "nope")
    assert result.exit_code == 2 and "unknown account" in result.stderr and "Traceback" not in result.stderr
