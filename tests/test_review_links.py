"""Reviews linked to their order, product (SKU) and buyer through a real sync of the eBay and Etsy sandboxes.

eBay feedback names the order line item (`orderLineItemSummary.orderLineItemId`), Etsy's TransactionReview
the transaction (`transaction_id`), never the order: the expected links are computed here from each review's
raw payload and the cached order lines with plain SQL, not with mktcrm's own linking query.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

import pytest

from conftest import Home, sandbox_account

LINE_OF = {
    "ebay": "json_extract(r.raw, '$.orderLineItemSummary.orderLineItemId')",
    "etsy": "CAST(json_extract(r.raw, '$.transaction_id') AS TEXT)",
}


@pytest.fixture
def shops(home: Home) -> Home:
    accounts, secrets = [], {}
    for market in LINE_OF:
        account, keys = sandbox_account(market, f"{market}1", orders=60)
        accounts.append(account)
        secrets.update(keys)
    home.configure(accounts, secrets=secrets)
    home.ok("sync", "--quiet")
    return home


@pytest.mark.parametrize("market", list(LINE_OF))
def test_sync_links_each_review_to_its_order_sku_and_buyer(shops: Home, market: str) -> None:
    expected = shops.sql(
        f"SELECT r.id, l.order_id, l.sku, o.buyer_key FROM reviews r JOIN order_lines l ON l.account = r.account"
        f" AND l.id = {LINE_OF[market]} JOIN orders o ON o.account = l.account AND o.id = l.order_id"
        " WHERE r.marketplace = ?",
        market,
    )
    total = shops.sql("SELECT count(*) FROM reviews WHERE marketplace = ?", market)[0][0]
    assert total >= 5 and len(expected) == total, "every sandbox review's line is a cached order line"
    stored = shops.sql("SELECT id, order_id, sku, buyer_key FROM reviews WHERE marketplace = ?", market)
    assert sorted(stored) == sorted(expected)
    assert all(sku for _, _, sku, _ in stored)

    # `reviews list` shows the link and filters on the SKU.
    rows = json.loads(
        shops.ok("reviews", "list", "--account", f"{market}1", "--json", "--fields", "id,order_id,sku").stdout
    )
    assert {(r["id"], r["order_id"], r["sku"]) for r in rows} == {(i, o, s) for i, o, s, _ in expected}
    sku, count = Counter(s for _, _, s, _ in expected).most_common(1)[0]
    of_sku = json.loads(shops.ok("reviews", "list", "--account", f"{market}1", "--sku", sku, "--json").stdout)
    assert len(of_sku) == count and {r["sku"] for r in of_sku} == {sku}


def test_the_buyer_view_sees_the_linked_reviews(shops: Home) -> None:
    # A buyer's timeline lists the reviews stored with their key; the order link adds no second copy.
    key, account, n = shops.sql(
        "SELECT buyer_key, account, count(*) FROM reviews WHERE marketplace = 'etsy' AND buyer_key IS NOT NULL"
        " GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 1"
    )[0]
    shown = json.loads(shops.ok("buyers", "show", key, "--account", account, "--json").stdout)
    events = shown["timeline"] if isinstance(shown, dict) else shown[0]["timeline"]
    assert sum(e["kind"] == "review" for e in events) == n


def test_reviews_stored_before_the_link_existed_link_on_a_full_sync(shops: Home) -> None:
    before = shops.sql("SELECT account, id, order_line_id, order_id, sku FROM reviews ORDER BY 1, 2")
    # As a cache from before m019 holds them: eBay and Etsy reviews with no line, order or SKU.
    db = sqlite3.connect(shops.db_path)
    with db:
        db.execute(
            "UPDATE reviews SET order_line_id = NULL, order_id = NULL, sku = NULL WHERE marketplace IN ('ebay', 'etsy')"
        )
    db.close()
    shops.ok("sync", "--quiet", "--full")
    assert shops.sql("SELECT account, id, order_line_id, order_id, sku FROM reviews ORDER BY 1, 2") == before
