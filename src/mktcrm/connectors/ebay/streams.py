"""eBay listings (Inventory getInventoryItems + getOffers) and orders (Fulfillment getOrders)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from mktcrm.connectors.base import MarkMissing, OffsetPaginator, Page, Paginator, Stream, buyer_row
from mktcrm.errors import RemoteError
from mktcrm.timeutil import norm_time, to_minor

MARKET = "ebay"
# getOrders "can return orders up to two years old": a first sync reads that far back, not further.
ORDERS_MAX_AGE = timedelta(days=729)
# Personal data eBay hands out for a few days; never kept, not even in `raw` (DESIGN §4).
PRIVATE_KEYS = frozenset({"email", "primaryPhone", "contactAddress", "fullName", "companyName", "taxIdentifier"})


def raw_json(item: dict[str, Any]) -> str:
    return json.dumps(scrub(item), ensure_ascii=False, separators=(",", ":"))


def scrub(value: Any) -> Any:
    """The payload without buyer e-mails, phones, names and addresses, at any depth."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in PRIVATE_KEYS}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def ebay_time(at: datetime) -> str:
    """The one timestamp shape eBay filters accept: ``2026-11-20T08:25:43.000Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def display_name(full_name: str | None) -> str | None:
    """ "Amélie Dupont" → "Amélie D.": enough to greet a buyer, no more personal data than needed."""
    parts = (full_name or "").split()
    if not parts:
        return None
    return f"{parts[0]} {parts[-1][:1]}." if len(parts) > 1 else parts[0]


def money(container: dict[str, Any] | None) -> tuple[int | None, str | None]:
    """An eBay Amount ``{"value": "12.50", "currency": "EUR"}`` as minor units + currency."""
    if not container:
        return None, None
    return to_minor(container.get("value")), container.get("currency")


class PagePaginator(Paginator):
    """Inventory API paging: ``offset`` is a page number (0-based) and ``size`` the number of pages."""

    def first(self) -> Any:
        return 0

    def advance(self, token: Any, body: Any, count: int, ids: list[str]) -> Any:
        if count == 0:
            return None
        if ids:
            self.check_loop(tuple(ids))
        following = int(token) + 1
        pages = body.get("size") if isinstance(body, dict) else None
        if isinstance(pages, int) and following >= pages:
            return None
        return following


class ListingsStream(Stream):
    """A snapshot of Inventory-API items with their offer's price and listing status.

    getInventoryItems has no update filter, so every run re-reads it all; items gone since are marked
    ``removed``. One getOffers call per SKU (404 = the SKU was never offered).
    """

    name = "listings"
    tables = ("listings",)
    capability = "sync_listings"
    cursor_field = None

    def paginator(self) -> Paginator:
        return PagePaginator()

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        limit = max(1, min(200, self.ctx.page_size))
        return "/sell/inventory/v1/inventory_item", {"limit": limit, "offset": int(token or 0)}

    def items(self, body: Any) -> list[dict[str, Any]]:
        return list(body.get("inventoryItems") or [])

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        account = self.ctx.account.name
        site = self.ctx.account.get("marketplace_id")
        rows = []
        for item in items:
            sku = str(item["sku"])
            found = self.ctx.client.get_json("/sell/inventory/v1/offer", {"sku": sku}, allow=(404,))
            offers = [
                o for o in (found or {}).get("offers") or [] if not site or o.get("marketplaceId") in (None, site)
            ]
            offer = next((o for o in offers if o.get("status") == "PUBLISHED"), offers[0] if offers else None)
            price, currency = money(((offer or {}).get("pricingSummary") or {}).get("price"))
            listing = (offer or {}).get("listing") or {}
            quantity = ((item.get("availability") or {}).get("shipToLocationAvailability") or {}).get("quantity")
            rows.append(
                {
                    "account": account,
                    "id": sku,
                    "marketplace": MARKET,
                    "sku": sku,
                    "title": (item.get("product") or {}).get("title"),
                    "price_minor": price,
                    "currency": currency,
                    "quantity": offer.get("availableQuantity", quantity) if offer else quantity,
                    "state": "active" if listing.get("listingStatus") == "ACTIVE" else "inactive",
                    "url": f"https://www.ebay.fr/itm/{listing['listingId']}" if listing.get("listingId") else None,
                    "updated_at": None,
                    "raw": raw_json({"inventoryItem": item, "offers": offers}),
                }
            )
        return Page(rows={"listings": rows}, count=len(rows), ids=[r["id"] for r in rows])

    def finalize(self, seen: set[str], now: str) -> list[MarkMissing]:
        return [MarkMissing("listings", {"state": "removed"})]


class OrdersStream(Stream):
    """getOrders by ``lastmodifieddate:[since..]``; eBay does not promise an order, so the cursor moves at the end."""

    name = "orders"
    tables = ("orders", "order_lines", "buyers")
    capability = "sync_orders"

    def paginator(self) -> Paginator:
        return OffsetPaginator("total")

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        oldest = datetime.now(UTC) - ORDERS_MAX_AGE
        start = max(since, oldest) if since is not None else oldest
        limit = max(1, min(200, self.ctx.page_size))
        params = {"filter": f"lastmodifieddate:[{ebay_time(start)}..]", "limit": limit, "offset": int(token or 0)}
        return "/sell/fulfillment/v1/order", params

    def items(self, body: Any) -> list[dict[str, Any]]:
        return list(body.get("orders") or [])

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        account = self.ctx.account.name
        orders, lines, buyers = [], [], []
        cursor: str | None = None
        for o in items:
            order_id = o.get("orderId")
            if not order_id:
                raise RemoteError(f"{account}: getOrders returned an order without orderId")
            buyer = o.get("buyer") or {}
            username = buyer.get("username")
            buyer_key = self.ctx.buyer_key(str(username)) if username else None
            created = norm_time(o.get("creationDate"))
            updated = norm_time(o.get("lastModifiedDate")) or created
            total, currency = money((o.get("pricingSummary") or {}).get("total"))
            cancelled = (o.get("cancelStatus") or {}).get("cancelState") == "CANCELED"
            orders.append(
                {
                    "account": account,
                    "id": order_id,
                    "marketplace": MARKET,
                    "status": "CANCELED" if cancelled else o.get("orderFulfillmentStatus"),
                    "created_at": created,
                    "updated_at": updated,
                    "total_minor": total,
                    "currency": currency,
                    "buyer_key": buyer_key,
                    "raw": raw_json(o),
                }
            )
            for line in o.get("lineItems") or []:
                price, line_currency = money(line.get("total") or line.get("lineItemCost"))
                lines.append(
                    {
                        "account": account,
                        "order_id": order_id,
                        "id": str(line["lineItemId"]),
                        "sku": line.get("sku"),
                        "title": line.get("title"),
                        "quantity": line.get("quantity"),
                        "price_minor": price,
                        "currency": line_currency or currency,
                        "status": line.get("lineItemFulfillmentStatus"),
                    }
                )
            if buyer_key:
                name = (buyer.get("buyerRegistrationAddress") or {}).get("fullName")
                buyers.append(buyer_row(account, buyer_key, MARKET, display_name(name), created))
            cursor = max(cursor or "", updated or "") or None
        rows = {"orders": orders, "order_lines": lines, "buyers": buyers}
        return Page(rows=rows, count=len(orders), cursor=cursor, ids=[o["id"] for o in orders])
