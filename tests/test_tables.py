"""Records → cache rows (`mktcrm.sync.tables`) on hand-written records, and the store refusing unknown columns.

The connectors are tested end to end through the sandboxes; here each record kind is mapped on its own,
so what lands in each column, and how the buyer key is derived, is pinned down without any HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mktcrm.connectors.base import MarkMissing, Page
from mktcrm.db.connect import connect
from mktcrm.db.store import Store
from mktcrm.records import Dispute, DisputeEvent, Listing, Order, OrderLine, Review
from mktcrm.sync.tables import TableRows, table_of


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = connect(tmp_path / "cache.db")
    yield conn
    conn.close()


@pytest.fixture
def writer(db: sqlite3.Connection) -> TableRows:
    return TableRows(Store(db), "shop1", "mirakl")


def rows(db: sqlite3.Connection, sql: str, *params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in db.execute(sql, params).fetchall()]


def expected_key(db: sqlite3.Connection, marketplace: str, buyer_id: str) -> str:
    """The documented derivation, computed independently: HMAC-SHA256(salt, "marketplace:id"), 32 hex digits."""
    salt = bytes.fromhex(db.execute("SELECT value FROM meta WHERE key = 'buyer_salt'").fetchone()[0])
    message = f"{marketplace}:{buyer_id.strip().lower()}".encode()
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]


def order(**fields: Any) -> Order:
    values: dict[str, Any] = {"id": "O1", "created_at": "2026-11-02T10:00:00Z", "updated_at": "2026-11-03T10:00:00Z"}
    return Order(**{**values, **fields})


def test_a_listing_becomes_one_row_with_account_marketplace_and_compact_raw(
    db: sqlite3.Connection, writer: TableRows
) -> None:
    raw = {"offer_id": 7, "product_title": "Café moulu", "prices": [1, 2]}
    writer.write([Listing(id="7", sku="SKU-7", title="Café moulu", price_minor=1290, currency="EUR", raw=raw)])
    assert rows(db, "SELECT * FROM listings") == [
        {
            "account": "shop1",
            "id": "7",
            "marketplace": "mirakl",
            "sku": "SKU-7",
            "title": "Café moulu",
            "price_minor": 1290,
            "currency": "EUR",
            "quantity": None,
            "state": None,
            "url": None,
            "updated_at": None,
            "raw": '{"offer_id":7,"product_title":"Café moulu","prices":[1,2]}',
        }
    ]


def test_an_order_writes_its_lines_and_its_buyer_under_a_keyed_hash(db: sqlite3.Connection, writer: TableRows) -> None:
    line = OrderLine(id="O1-1", sku="SKU-7", title="Café", quantity=2, price_minor=2580, currency="EUR", status="OK")
    writer.write([order(buyer_id="C-42", buyer_name="Marie D.", total_minor=2580, lines=[line], raw={"a": 1})])
    key = expected_key(db, "mirakl", "C-42")
    stored = rows(db, "SELECT * FROM orders")
    assert stored == [
        {
            "account": "shop1",
            "id": "O1",
            "marketplace": "mirakl",
            "status": None,
            "created_at": "2026-11-02T10:00:00Z",
            "updated_at": "2026-11-03T10:00:00Z",
            "total_minor": 2580,
            "currency": None,
            "buyer_key": key,
            "raw": '{"a":1}',
            "state": None,  # no status, no normal status
        }
    ]
    assert "C-42" not in json.dumps(stored)
    assert rows(db, "SELECT * FROM order_lines") == [
        {
            "account": "shop1",
            "order_id": "O1",
            "id": "O1-1",
            "sku": "SKU-7",
            "title": "Café",
            "quantity": 2,
            "price_minor": 2580,
            "currency": "EUR",
            "status": "OK",
        }
    ]
    assert rows(db, "SELECT * FROM buyers") == [
        {
            "account": "shop1",
            "buyer_key": key,
            "marketplace": "mirakl",
            "display_name": "Marie D.",
            "first_order_at": "2026-11-02T10:00:00Z",
        }
    ]


def test_an_order_without_buyer_id_has_no_key_and_adds_no_buyer(db: sqlite3.Connection, writer: TableRows) -> None:
    writer.write([order(buyer_name="Marie D.")])
    assert rows(db, "SELECT buyer_key FROM orders") == [{"buyer_key": None}]
    assert rows(db, "SELECT * FROM buyers") == []


def test_a_buyer_keeps_the_earliest_order_and_the_last_known_name(db: sqlite3.Connection, writer: TableRows) -> None:
    writer.write([order(id="O2", created_at="2026-11-05T00:00:00Z", buyer_id="C-42", buyer_name="Marie D.")])
    writer.write([order(id="O1", created_at="2026-10-01T00:00:00Z", buyer_id="c-42 ", buyer_name=None)])
    writer.write([order(id="O3", created_at="2026-11-09T00:00:00Z", buyer_id="C-42", buyer_name="Marie Du.")])
    assert rows(db, "SELECT display_name, first_order_at FROM buyers") == [
        {"display_name": "Marie Du.", "first_order_at": "2026-10-01T00:00:00Z"}
    ]
    assert len({r["buyer_key"] for r in rows(db, "SELECT buyer_key FROM orders")}) == 1  # id trimmed, any case


def test_the_buyer_key_depends_on_the_marketplace(db: sqlite3.Connection) -> None:
    store = Store(db)
    TableRows(store, "shop1", "mirakl").write([order(buyer_id="42")])
    TableRows(store, "etsy", "etsy").write([order(buyer_id="42")])
    keys = {r["account"]: r["buyer_key"] for r in rows(db, "SELECT account, buyer_key FROM orders")}
    assert keys == {"shop1": expected_key(db, "mirakl", "42"), "etsy": expected_key(db, "etsy", "42")}
    assert keys["shop1"] != keys["etsy"]


def test_a_review_row_joins_its_buyer_to_the_orders_key(db: sqlite3.Connection, writer: TableRows) -> None:
    writer.write([order(buyer_id="C-42")])
    review = Review(
        id="R1",
        kind="seller_feedback",
        created_at="2026-11-04T00:00:00Z",
        order_id="O1",
        buyer_id="C-42",
        buyer_name="Marie D.",
        rating=2,
        rating_raw="2",
        body="Colis abîmé",
        visible=False,
        reply_body="Désolés",
        replied_at="2026-11-05T00:00:00Z",
        raw={"grade": 2},
    )
    writer.write([review])
    assert rows(db, "SELECT * FROM reviews") == [
        {
            "account": "shop1",
            "id": "R1",
            "marketplace": "mirakl",
            "kind": "seller_feedback",
            "order_id": "O1",
            "buyer_key": rows(db, "SELECT buyer_key FROM orders")[0]["buyer_key"],
            "buyer_name": "Marie D.",
            "rating": 2,
            "rating_raw": "2",
            "title": None,
            "body": "Colis abîmé",
            "created_at": "2026-11-04T00:00:00Z",
            "updated_at": None,
            "visible": 0,
            "reply_body": "Désolés",
            "replied_at": "2026-11-05T00:00:00Z",
            "raw": '{"grade":2}',
            "order_line_id": None,
            "sku": None,  # an order with no lines: which product is unknown
        }
    ]
    assert rows(db, "SELECT display_name FROM buyers") == [{"display_name": None}]  # only orders write buyers


def test_a_dispute_needs_only_what_is_known(db: sqlite3.Connection, writer: TableRows) -> None:
    writer.write([Dispute(id="local-1", kind="local", status="awaiting_seller", order_id="O1")])
    assert rows(db, "SELECT * FROM disputes") == [
        {
            "account": "shop1",
            "id": "local-1",
            "marketplace": "mirakl",
            "kind": "local",
            "order_id": "O1",
            "order_line_id": None,
            "status": "awaiting_seller",
            "reason": None,
            "amount_minor": None,
            "currency": None,
            "opened_at": None,
            "updated_at": None,
            "resolved_at": None,
            "respond_by": None,
            "raw": "{}",
            "remote_status": None,
            "reason_code": None,
            "next_actor": None,
            "thread_id": None,
            "local_status": None,  # the seller's own columns: never written by a sync
            "local_at": None,
        }
    ]
    assert rows(db, "SELECT * FROM dispute_events") == []


def test_a_dispute_writes_its_events_and_keeps_what_a_later_read_no_longer_knows(
    db: sqlite3.Connection, writer: TableRows
) -> None:
    event = DisputeEvent(event_id="m1", kind="message", at="2026-11-04T00:00:00Z", author="customer", body="Où ?")
    first = Dispute(
        id="thread-9",
        kind="inquiry",
        status="awaiting_seller",
        opened_at="2026-11-04T00:00:00Z",
        respond_by="2026-11-06T00:00:00Z",
        remote_status="CUSTOMER_USER",
        next_actor="seller",
        thread_id="9",
        events=[event],
        raw={"id": 9},
    )
    writer.write([first])
    later = Dispute(id="thread-9", kind="inquiry", status="awaiting_buyer", opened_at="2026-11-05T00:00:00Z", raw={})
    writer.write([later])
    assert rows(db, "SELECT status, opened_at, respond_by, thread_id, remote_status FROM disputes") == [
        {
            "status": "awaiting_buyer",
            "opened_at": "2026-11-04T00:00:00Z",  # the earliest seen
            "respond_by": "2026-11-06T00:00:00Z",  # kept when unknown
            "thread_id": "9",
            "remote_status": None,
        }
    ]
    assert rows(db, "SELECT * FROM dispute_events") == [
        {
            "account": "shop1",
            "dispute_id": "thread-9",
            "event_id": "m1",
            "at": "2026-11-04T00:00:00Z",
            "kind": "message",
            "author": "customer",
            "body": "Où ?",
            "raw": "{}",
            "operator": None,  # synced events are the marketplace's: no operator of ours (m016)
        }
    ]


def test_rows_come_in_write_order_and_only_for_tables_with_rows(writer: TableRows) -> None:
    dispute = Dispute(id="D1", kind="incident", status="open", events=[DisputeEvent(event_id="e", kind="status")])
    tables = writer.rows([dispute, order(lines=[OrderLine(id="L1")]), Listing(id="1")])
    assert list(tables) == ["listings", "orders", "order_lines", "disputes", "dispute_events"]


def test_something_that_is_not_a_record_is_refused(writer: TableRows) -> None:
    with pytest.raises(TypeError, match="dict"):
        writer.rows([{"id": "1"}])  # type: ignore[list-item]


def test_the_store_refuses_a_column_the_table_does_not_have(db: sqlite3.Connection) -> None:
    row = {"account": "shop1", "id": "1", "marketplace": "mirakl", "raw": "{}", "prize_minor": 100}
    with pytest.raises(ValueError) as refused:
        Store(db).upsert("listings", [row])
    message = str(refused.value)
    assert message.startswith("listings: no column prize_minor;")
    assert "price_minor" in message and "updated_at" in message  # the valid columns are listed
    assert rows(db, "SELECT * FROM listings") == []


def test_mark_missing_names_record_fields_and_a_typo_is_refused() -> None:
    assert table_of(Dispute, ("status", "resolved_at", "kind")) == "disputes"
    assert table_of(MarkMissing(Listing, {"state": "removed"}).kind, ["state"]) == "listings"
    with pytest.raises(ValueError, match="Listing has no field stat;"):
        table_of(Listing, ["stat"])


def test_a_page_counts_its_records_and_lists_their_ids() -> None:
    page = Page([Review(id="R1", kind="product_review", created_at=None), Review(id="R2", kind="x", created_at=None)])
    assert (page.count, page.ids, page.cursor, page.next_token) == (2, ["R1", "R2"], None, None)


def _links(db: sqlite3.Connection) -> dict[str, tuple[Any, Any]]:
    return {r["id"]: (r["order_id"], r["sku"]) for r in rows(db, "SELECT id, order_id, sku FROM reviews")}


def _line_review(rid: str, line: str | None = None, order_id: str | None = None, raw: Any = None) -> Review:
    return Review(id=rid, kind="product_review", created_at="2026-11-04T00:00:00Z", order_line_id=line,
                  order_id=order_id, rating=4, raw=raw or {"r": rid})  # fmt: skip


def test_a_review_is_linked_to_its_order_and_sku_whether_read_before_or_after_it(
    db: sqlite3.Connection, writer: TableRows
) -> None:
    two = order(id="O2", lines=[OrderLine(id="L21", sku="MUG"), OrderLine(id="L22", sku="TEA")])
    one = order(id="O3", lines=[OrderLine(id="L31", sku="TEA"), OrderLine(id="L32", sku="TEA")])
    writer.write([two])
    # By hand: L22 is O2's TEA line; O3 is all TEA; O2 mixes MUG and TEA (no SKU without a line); L99 unknown.
    writer.write(
        [_line_review("R-L22", "L22"), _line_review("R-O3", order_id="O3"), _line_review("R-O2", order_id="O2")]
    )
    writer.write([_line_review("R-L31", "L31"), _line_review("R-L99", "L99")])
    assert _links(db) == {
        "R-L22": ("O2", "TEA"),
        "R-O3": ("O3", None),  # O3 is not cached yet
        "R-O2": ("O2", None),
        "R-L31": (None, None),
        "R-L99": (None, None),
    }
    writer.write([one])  # the order arrives after its reviews: they link now
    assert _links(db)["R-O3"] == ("O3", "TEA") and _links(db)["R-L31"] == ("O3", "TEA")
    # A changed review payload (its marketplace names only the line) keeps the link.
    writer.write([_line_review("R-L22", "L22", raw={"edited": True})])
    assert _links(db)["R-L22"] == ("O2", "TEA")
    assert _links(db)["R-L99"] == (None, None)
