"""`mktcrm kpi` on a small hand-built cache: every expected figure below was worked out by hand.

The data goes in through the store's real write path (records → sync.tables → Store). Accounts are in
Europe/Paris; March 2026 there is [2026-02-28T23:00Z, 2026-03-31T22:00Z) — summer time starts on
29 March, so an order at 21:30Z on the 31st is in March and one at 22:30Z is in April.

shop (mirakl, EUR), March: O1 A 100 (00:30 local on 1 March), O2 B 50, O3 A 30 (23:30 local on the 31st),
O5 C cancelled 20, O6 D refunded 40; outside: O4 C 999 (April local), O7 B 70 and O8 E 10 (February),
O10 B 60 (January 2025).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from conftest import Home, mirakl_account, sandbox_account
from mktcrm.db.connect import connect
from mktcrm.db.store import Store
from mktcrm.records import Dispute, DisputeEvent, Order, Review
from mktcrm.sync.tables import TableRows

MARCH = ("--period", "2026-03")


def order(oid: str, at: str, buyer: str | None, total: int, status: str = "SHIPPED", cur: str = "EUR") -> Order:
    return Order(id=oid, created_at=at, updated_at=at, status=status, total_minor=total, currency=cur, buyer_id=buyer)


def review(rid: str, at: str, rating: int | None, order_id: str, replied: str | None = None, kind: str = "") -> Review:
    return Review(
        id=rid, kind=kind or "seller_feedback", created_at=at, order_id=order_id, rating=rating, replied_at=replied
    )


def write(db: sqlite3.Connection, account: str, marketplace: str, records: list[Any]) -> None:
    store = Store(db)
    with store.transaction():
        TableRows(store, account, marketplace).write(records)


def seller(at: str) -> DisputeEvent:
    return DisputeEvent(event_id=f"s-{at}", kind="message", at=at, author="seller", body="bonjour")


def customer(at: str) -> DisputeEvent:
    return DisputeEvent(event_id=f"c-{at}", kind="message", at=at, author="customer", body="où est ma commande ?")


@pytest.fixture
def shops(home: Home) -> Home:
    amz, amz_secrets = sandbox_account("amazon", "amz")
    uk, uk_secrets = sandbox_account("ebay", "uk")
    shop = mirakl_account("shop")
    home.configure([shop, amz, uk], secrets={shop["api_key_env"]: "k", **amz_secrets, **uk_secrets})
    db = connect(home.db_path)
    write(
        db,
        "shop",
        "mirakl",
        [
            order("O1", "2026-02-28T23:30:00Z", "A", 10000),
            order("O2", "2026-03-10T10:00:00Z", "B", 5000),
            order("O3", "2026-03-31T21:30:00Z", "A", 3000),
            order("O4", "2026-03-31T22:30:00Z", "C", 99900),
            order("O5", "2026-03-05T10:00:00Z", "C", 2000, status="CANCELED"),
            order("O6", "2026-03-06T10:00:00Z", "D", 4000, status="REFUNDED"),
            order("O7", "2026-02-15T10:00:00Z", "B", 7000),
            order("O8", "2026-02-20T10:00:00Z", "E", 1000),
            order("O10", "2025-01-10T10:00:00Z", "B", 6000),
            review("R1", "2026-03-02T10:00:00Z", 5, "O1", replied="2026-03-02T14:00:00Z"),
            review("R2", "2026-03-11T10:00:00Z", 3, "O2", replied="2026-03-12T12:00:00Z"),
            review("R3", "2026-03-20T10:00:00Z", 4, "O3", kind="product_review"),
            Dispute(id="D1", kind="incident", status="resolved", order_id="O2", opened_at="2026-03-12T10:00:00Z",
                    resolved_at="2026-03-14T10:00:00Z"),
            Dispute(id="D2", kind="incident", status="resolved", order_id="O7", opened_at="2026-03-01T10:00:00Z",
                    resolved_at="2026-03-02T10:00:00Z"),
            Dispute(id="D3", kind="return", status="awaiting_seller", order_id="O1",
                    opened_at="2026-03-20T10:00:00Z", respond_by="2026-03-23T10:00:00Z"),
            Dispute(id="T1", kind="inquiry", status="awaiting_buyer", order_id="O3", opened_at="2026-03-05T10:00:00Z",
                    events=[customer("2026-03-05T10:00:00Z"), seller("2026-03-05T13:00:00Z")]),
            # 29 March, the night summer time starts: 01:30 local, answered at 04:30 local = 2 hours later.
            Dispute(id="T2", kind="inquiry", status="awaiting_buyer", opened_at="2026-03-29T00:30:00Z",
                    events=[customer("2026-03-29T00:30:00Z"), seller("2026-03-29T02:30:00Z")]),
            Dispute(id="T3", kind="inquiry", status="awaiting_seller", order_id="O5",
                    opened_at="2026-03-07T10:00:00Z", events=[customer("2026-03-07T10:00:00Z")]),
        ],
    )  # fmt: skip
    write(
        db,
        "amz",
        "amazon",
        [
            order("A1", "2026-03-03T10:00:00Z", "X", 2000),
            order("A2", "2026-03-04T10:00:00Z", "Y", 1500, status="CANCELLED"),
            review("AR1", "2026-03-05T00:00:00Z", 2, "A1"),
        ],
    )
    write(
        db,
        "uk",
        "ebay",
        [
            order("U1", "2026-03-08T10:00:00Z", "Z", 4000, cur="GBP"),
            review("UR1", "2026-03-09T10:00:00Z", 5, "U1"),
            Dispute(id="P1", kind="payment_dispute", status="open", order_id="U1", opened_at="2026-03-10T10:00:00Z"),
        ],
    )
    db.close()
    return home


def kpi(home: Home, *args: str) -> dict[str, dict[str, Any]]:
    return {r["account"]: r for r in json.loads(home.ok("kpi", *args, "--json").stdout)}


def test_every_figure_of_one_account_by_hand(shops: Home) -> None:
    shop = kpi(shops, *MARCH)["shop"]
    assert (shop["period_start"], shop["period_end"]) == ("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
    expected = {
        "orders": 4,  # O1 O2 O3 O6; O5 cancelled; O4 is 1 April in Paris
        "revenue": "180.00",  # O6 refunded: a sale, not revenue
        "currency": "EUR",
        "aov": "60.00",  # 180 / 3 orders that made money
        "cancel_rate_pct": 20.0,  # O5 of 5 placed
        "reviews": 3,
        "avg_rating": 4.0,
        "satisfaction_pct": 66.7,  # R1 5, R3 4 of 3
        "csat_pct": 50.0,  # seller feedback on March orders: O1 5, O2 3
        "reply_rate_pct": 66.7,
        "median_reply_h": 15.0,  # 4 h and 26 h
        "tickets": 3,
        "median_first_response_h": 2.5,  # T1 3 h, T2 2 h across the DST change, T3 unanswered
        "disputes": 3,  # D1 D2 D3 opened in March
        "dispute_rate_pct": 50.0,  # O1 (D3) and O2 (D1) of 4 March orders; D2 is on a February order
        "median_resolution_h": 36.0,  # D1 48 h, D2 24 h
        "buyers": 3,  # A B D
        "repurchase_rate_pct": 66.7,  # A (O1 O3) and B (O10 O7 O2); D once
        "repeat_buyer_pct": 33.3,  # only A twice within March
        "retention_pct": 50.0,  # February buyers B and E; B came back
        "cltv": "103.33",  # A 130 + B 180 + D 0 (refunded) over 3
        "cltv_12m": "83.33",  # B's January 2025 order is older than 12 months
        "open_tasks": 0,
        "overdue": 1,  # D3 past its respond_by
        "status": "breach",  # incident rate 50 % over the operator's 9 %
    }
    assert {k: shop[k] for k in expected} == expected
    assert shop["notes"] == []


def test_empty_is_empty_not_zero(shops: Home) -> None:
    shop = kpi(shops, "--period", "2026-01")["shop"]
    assert shop["orders"] == 0 and shop["reviews"] == 0 and shop["disputes"] == 0  # counted, and none
    for name in (
        "revenue",
        "aov",
        "satisfaction_pct",
        "avg_rating",
        "dispute_rate_pct",
        "median_resolution_h",
        "repurchase_rate_pct",
        "retention_pct",
        "cltv",
        "median_first_response_h",
        "cancel_rate_pct",
    ):
        assert shop[name] is None, name  # fmt: skip


def test_amazon_satisfaction_is_empty_with_a_reason_and_the_total_leaves_it_out(shops: Home) -> None:
    rows = kpi(shops, *MARCH)
    amz, uk, total = rows["amz"], rows["uk"], rows["total"]
    assert amz["reviews"] == 1 and amz["orders"] == 1
    assert amz["satisfaction_pct"] is None and amz["avg_rating"] is None and amz["csat_pct"] is None
    assert amz["disputes"] is None and amz["tickets"] is None and amz["dispute_rate_pct"] is None
    assert any("1-3 star" in n for n in amz["notes"])
    assert uk["tickets"] is None and uk["disputes"] == 1 and uk["dispute_rate_pct"] == 100.0
    assert total["satisfaction_pct"] == 75.0  # shop 2 of 3, uk 1 of 1; amz left out
    assert total["avg_rating"] == 4.25  # (5 + 3 + 4 + 5) / 4
    assert total["disputes"] == 4 and total["dispute_rate_pct"] == 60.0  # (2 + 1) / (4 + 1)
    assert total["tickets"] == 3 and total["median_resolution_h"] == 36.0
    assert total["repurchase_rate_pct"] == 40.0  # A, B of A B D X Z
    assert total["orders"] == 6
    assert "satisfaction_pct: leaves out amz" in total["notes"]
    explain = shops.ok("kpi", *MARCH, "--explain", "--format", "tsv").stdout
    assert "amz: Amazon's feedback report" in explain


def test_money_in_several_currencies_is_never_added_up(shops: Home) -> None:
    total = kpi(shops, *MARCH)["total"]
    assert total["revenue"] is None and total["aov"] is None and total["cltv"] is None
    assert total["currency"] == "mixed"
    assert total["revenue_by_currency"] == {"EUR": "200.00", "GBP": "40.00"}
    assert any("several currencies" in n for n in total["notes"])


def test_compare_puts_february_beside_march(shops: Home) -> None:
    shop = kpi(shops, *MARCH, "--compare", "--account", "shop")["shop"]
    assert shop["previous"]["orders"] == 2 and shop["previous"]["revenue"] == "80.00"  # O7 O8
    assert shop["previous"]["period_start"] == "2026-01-31T23:00:00Z"
    assert shop["change"]["orders"] == 100.0 and shop["change"]["revenue"] == 125.0  # in %
    assert shop["previous"]["dispute_rate_pct"] == 50.0 and shop["change"]["dispute_rate_pct"] == 0.0  # in points
    assert shop["previous"]["satisfaction_pct"] is None and shop["change"]["satisfaction_pct"] is None
    assert shop["orders_change"] == "+100 %"
    table = shops.run("kpi", *MARCH, "--compare", "--account", "shop", "--format", "table",
                      env={"MKTCRM_FORCE_TTY": "1", "COLUMNS": "300"})  # fmt: skip
    assert "\x1b[32m+100 %" in table.stdout  # more orders: green


def test_by_month_and_the_chart(shops: Home) -> None:
    rows = json.loads(shops.ok("kpi", "--period", "2026-02-01..2026-03-31", "--by", "month", "--json").stdout)
    shop = [(r["month"], r["orders"], r["revenue"]) for r in rows if r["account"] == "shop"]
    assert shop == [("2026-02", 2, "80.00"), ("2026-03", 4, "180.00")]
    chart = shops.ok("kpi", "--period", "2026-02-01..2026-03-31", "--chart", "orders", "--account", "shop")
    assert chart.stdout.splitlines() == ["shop\t2026-02\t2\t" + "#" * 20, "shop\t2026-03\t4\t" + "#" * 40]


def test_limits_say_how_far_and_an_account_can_override_them(shops: Home) -> None:
    rows = json.loads(shops.ok("kpi", *MARCH, "--limits", "--json", "--account", "shop").stdout)
    rate = next(r for r in rows if r["field"] == "dispute_rate_pct")
    assert (rate["value"], rate["limit"], rate["status"]) == (50.0, 9.0, "breach")
    assert rate["distance"] == "2 disputed orders over the limit of 9 %"  # 9 % of 4 orders allows 0
    first = next(r for r in rows if r["field"] == "median_first_response_h")
    assert first["status"] == "ok" and first["distance"] == "21.5 h of margin before 24 h"
    config = (shops.path / "config.toml").read_text()
    (shops.path / "config.toml").write_text(
        config.replace('name = "shop"', 'name = "shop"\nkpi_limits = { dispute_rate_pct = 60 }')
    )
    rows = json.loads(shops.ok("kpi", *MARCH, "--limits", "--json", "--account", "shop").stdout)
    rate = next(r for r in rows if r["field"] == "dispute_rate_pct")
    assert rate["status"] == "ok" and rate["distance"] == "1 more disputed order in this period crosses 60 %"


def test_bad_kpi_options_are_usage_errors(shops: Home) -> None:
    for args in (("--by", "day"), ("--period", "2026-13"), ("--chart", "nope"), ("--period", "all", "--compare")):
        result = shops.run("kpi", *args)
        assert result.exit_code == 2 and result.stderr.startswith("Error: "), args
        assert "Traceback" not in result.stderr


def test_previous_period_and_month_buckets_have_their_own_buyer_figures(shops: Home) -> None:
    """February beside March (test_kpis' data): the previous period's buyer figures, by hand."""
    alone = kpi(shops, *MARCH, "--account", "shop")["shop"]
    shop = kpi(shops, *MARCH, "--compare", "--account", "shop")["shop"]
    assert {k: shop[k] for k in alone if k != "notes"} == {k: alone[k] for k in alone if k != "notes"}
    before = shop["previous"]
    assert before["buyers"] == 2  # B (O7) and E (O8)
    assert before["repurchase_rate_pct"] == 50.0  # B also bought in January 2025; E once
    assert before["repeat_buyer_pct"] == 0.0  # nobody twice within February
    assert before["retention_pct"] is None  # nobody bought in the 28 days before February
    assert before["cltv"] == "70.00"  # B 60 + 70, E 10, over 2
    assert before["cltv_12m"] == "40.00"  # B's January 2025 order is older than 12 months: (70 + 10) / 2
    months = json.loads(shops.ok("kpi", "--period", "2026-02-01..2026-03-31", "--by", "month", "--json").stdout)
    by_month = {r["month"]: r for r in months if r["account"] == "shop"}
    assert by_month["2026-02"]["cltv"] == "70.00" and by_month["2026-03"]["repurchase_rate_pct"] == 66.7
    assert by_month["2026-03"]["retention_pct"] == 50.0  # February's B came back


def test_etsy_reply_rate_is_unknown_not_zero_and_the_total_leaves_it_out(home: Home) -> None:
    """Etsy's API never returns a shop's replies: 0 % there would hide replies written in Shop Manager."""
    etsy, etsy_secrets = sandbox_account("etsy", "craft")
    shop = mirakl_account("shop")
    home.configure([shop, etsy], secrets={shop["api_key_env"]: "k", **etsy_secrets})
    db = connect(home.db_path)
    at = "2026-03-10T10:00:00Z"
    write(db, "shop", "mirakl", [order("S1", at, "A", 100), order("S2", at, "B", 100)])
    write(db, "shop", "mirakl", [review("r1", at, 5, "S1", replied="2026-03-10T16:00:00Z"), review("r2", at, 4, "S2")])
    write(db, "craft", "etsy", [order("E1", at, "X", 100, cur="USD"), order("E2", at, "Y", 100, cur="USD")])
    write(db, "craft", "etsy", [review("e1", at, 5, "E1", kind="product"), review("e2", at, 2, "E2", kind="product")])
    db.close()
    rows = kpi(home, *MARCH)
    craft, total = rows["craft"], rows["total"]
    assert craft["reviews"] == 2 and craft["reply_rate_pct"] is None and craft["median_reply_h"] is None
    assert any("does not return shop replies" in n for n in craft["notes"])
    assert total["reviews"] == 4  # the reviews still count; only the reply cohort leaves Etsy out
    assert total["reply_rate_pct"] == 50.0  # r1 of r1, r2
    assert total["median_reply_h"] == 6.0
    assert "reply_rate_pct: leaves out craft" in total["notes"]
