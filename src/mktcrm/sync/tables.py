"""Records → cache rows: the one place that knows both what connectors yield and how the cache stores it.

A connector's records carry no account and no buyer key. Here each gets its account and marketplace,
its marketplace buyer id becomes the install's keyed hash (`Store.buyer_key`), every order with a buyer
adds a `buyers` row (display name, first order — the store keeps the earliest), each order's status is
mapped onto mktcrm's one vocabulary by the plug-in's `order_states` (raw status kept), lines and events get
their parent's id, and `raw` is stored as compact JSON in the API's own key order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

import orjson

from mktcrm import connectors
from mktcrm.records import Dispute, Listing, Order, Record, Review
from mktcrm.sync.review_links import link_reviews

if TYPE_CHECKING:
    from mktcrm.db.store import Store

Row = dict[str, Any]
# Top-level record kind -> its table; tables are written in this order (a page's orders before their lines).
TABLE_OF: dict[type[Record], str] = {Listing: "listings", Order: "orders", Review: "reviews", Dispute: "disputes"}
TOP_LEVEL = frozenset(TABLE_OF.values())
WRITE_ORDER = ("listings", "orders", "order_lines", "buyers", "reviews", "disputes", "dispute_events")


def raw_text(raw: Any) -> str:
    """Compact JSON in the API's key order; orjson (5-10x `json.dumps`), json for what orjson refuses (big ints)."""
    try:
        return orjson.dumps(raw, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))


def table_of(kind: type[Record], names: Iterable[str] = ()) -> str:
    """The table of a record kind, after checking `names` are fields of it (their columns share the name)."""
    known = {f.name for f in fields(kind)}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"{kind.__name__} has no field {', '.join(unknown)}; fields: {', '.join(sorted(known))}")
    return TABLE_OF[kind]


class TableRows:
    """Maps one account's records to rows per table and writes them (inside the caller's transaction)."""

    def __init__(self, store: Store, account: str, marketplace: str, raw_before: str | None = None) -> None:
        self.store = store
        self.account = account
        self.marketplace = marketplace
        # `[cache] keep_raw`: an order created before this is stored without its raw record (`{}`) from the
        # start, so a first sync of years of history never writes what the policy would blank at the end.
        self.raw_before = raw_before
        self._states: dict[str, str] | None = None

    def write(self, records: Iterable[Record]) -> tuple[int, int]:
        """Store the records; (new, changed) among the top-level ones (lines and events belong to those)."""
        return self.write_rows(self.rows(records))

    def write_rows(self, tables: dict[str, list[Row]]) -> tuple[int, int]:
        """Store rows made by `rows`; (new, changed) among the top-level ones."""
        new = changed = 0
        for table, rows in tables.items():
            if table not in TOP_LEVEL:
                self.store.upsert(table, rows)
                if table == "order_lines":
                    link_reviews(self.store, self.account, "order_line_id", [r["id"] for r in rows])
                    link_reviews(self.store, self.account, "order_id", sorted({r["order_id"] for r in rows}))
                continue
            fresh = len(rows) - self.store.count_existing(table, self.account, [r["id"] for r in rows])
            touched = self.store.upsert(table, rows)
            new, changed = new + fresh, changed + max(touched - fresh, 0)
            if table == "reviews":
                self._keep_lines(rows)
                link_reviews(self.store, self.account, "id", [r["id"] for r in rows])
        return new, changed

    def rows(self, records: Iterable[Record]) -> dict[str, list[Row]]:
        tables: dict[str, list[Row]] = {table: [] for table in WRITE_ORDER}
        for record in records:
            match record:
                case Listing():
                    tables["listings"].append(self.listing(record))
                case Order():
                    self.order(record, tables)
                case Review():
                    tables["reviews"].append(self.review(record))
                case Dispute():
                    self.dispute(record, tables)
                case _:
                    raise TypeError(f"not a record a stream may yield: {type(record).__name__}")
        return {table: rows for table, rows in tables.items() if rows}

    def _keep_lines(self, rows: list[Row]) -> None:
        """The order line of reviews stored before m019, whose unchanged payload the upsert skips."""
        lines = [(r["order_line_id"], self.account, r["id"]) for r in rows if r["order_line_id"] is not None]
        if lines:
            self.store.db.executemany(
                "UPDATE reviews SET order_line_id = ? WHERE order_line_id IS NULL AND account = ? AND id = ?", lines
            )

    def _keeps_raw(self, created_at: str | None) -> bool:
        return self.raw_before is None or created_at is None or created_at >= self.raw_before

    def buyer_key(self, buyer_id: str | None) -> str | None:
        return self.store.buyer_key(self.marketplace, buyer_id) if buyer_id else None

    def order_state(self, status: str | None) -> str | None:
        """The normal status (pending, paid, shipped…) of a raw one; None when the plug-in does not map it."""
        if self._states is None:
            self._states = order_states(self.marketplace)
        return self._states.get(status.lower()) if status else None

    def listing(self, item: Listing) -> Row:
        return {
            "account": self.account,
            "id": item.id,
            "marketplace": self.marketplace,
            "sku": item.sku,
            "title": item.title,
            "price_minor": item.price_minor,
            "currency": item.currency,
            "quantity": item.quantity,
            "state": item.state,
            "url": item.url,
            "updated_at": item.updated_at,
            "raw": raw_text(item.raw),
        }

    def order(self, order: Order, tables: dict[str, list[Row]]) -> None:
        """The order, its lines, and its buyer (first order = this one; the store keeps the earliest)."""
        key = self.buyer_key(order.buyer_id)
        tables["orders"].append(
            {
                "account": self.account,
                "id": order.id,
                "marketplace": self.marketplace,
                "status": order.status,
                "state": self.order_state(order.status),
                "created_at": order.created_at,
                "updated_at": order.updated_at,
                "total_minor": order.total_minor,
                "currency": order.currency,
                "buyer_key": key,
                "raw": raw_text(order.raw) if self._keeps_raw(order.created_at) else "{}",
            }
        )
        tables["order_lines"].extend(
            {
                "account": self.account,
                "order_id": order.id,
                "id": line.id,
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "price_minor": line.price_minor,
                "currency": line.currency,
                "status": line.status,
            }
            for line in order.lines
        )
        if key:
            tables["buyers"].append(
                {
                    "account": self.account,
                    "buyer_key": key,
                    "marketplace": self.marketplace,
                    "display_name": order.buyer_name,
                    "first_order_at": order.created_at,
                }
            )

    def review(self, review: Review) -> Row:
        return {
            "account": self.account,
            "id": review.id,
            "marketplace": self.marketplace,
            "kind": review.kind,
            "order_id": review.order_id,
            "order_line_id": review.order_line_id,
            "buyer_key": self.buyer_key(review.buyer_id),
            "buyer_name": review.buyer_name,
            "rating": review.rating,
            "rating_raw": review.rating_raw,
            "title": review.title,
            "body": review.body,
            "created_at": review.created_at,
            "updated_at": review.updated_at,
            "visible": int(review.visible),
            "reply_body": review.reply_body,
            "replied_at": review.replied_at,
            "raw": raw_text(review.raw),
        }

    def dispute(self, dispute: Dispute, tables: dict[str, list[Row]]) -> None:
        tables["disputes"].append(
            {
                "account": self.account,
                "id": dispute.id,
                "marketplace": self.marketplace,
                "kind": dispute.kind,
                "order_id": dispute.order_id,
                "order_line_id": dispute.order_line_id,
                "status": dispute.status,
                "reason": dispute.reason,
                "amount_minor": dispute.amount_minor,
                "currency": dispute.currency,
                "opened_at": dispute.opened_at,
                "updated_at": dispute.updated_at,
                "resolved_at": dispute.resolved_at,
                "respond_by": dispute.respond_by,
                "raw": raw_text(dispute.raw),
                "remote_status": dispute.remote_status,
                "reason_code": dispute.reason_code,
                "next_actor": dispute.next_actor,
                "thread_id": dispute.thread_id,
            }
        )
        tables["dispute_events"].extend(
            {
                "account": self.account,
                "dispute_id": dispute.id,
                "event_id": event.event_id,
                "at": event.at,
                "kind": event.kind,
                "author": event.author,
                "body": event.body,
                "raw": raw_text(event.raw),
            }
            for event in dispute.events
        )


def order_states(marketplace: str) -> dict[str, str]:
    """The plug-in's raw status (lower case) -> normal status map; none for a marketplace no longer installed."""
    try:
        return {k.lower(): v for k, v in connectors.get(marketplace).order_states.items()}
    except KeyError:
        return {}
