"""eBay listings (Inventory getInventoryItems + getOffers) and orders (Fulfillment getOrders)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from mktcrm.connectors.base import MarkMissing, NextLinkPaginator, Page, Paginator, Stream
from mktcrm.errors import RemoteError
from mktcrm.money import net_of, to_minor
from mktcrm.records import Listing, Order, OrderLine
from mktcrm.timeutil import norm_time

# getOrders "can return orders up to two years old": a first sync reads that far back, not further.
ORDERS_MAX_AGE = timedelta(days=729)
# Personal data eBay hands out for a few days; never kept, not even in `raw` (DESIGN §4).
PRIVATE_KEYS = frozenset({"email", "primaryPhone", "contactAddress", "fullName", "companyName", "taxIdentifier"})


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
    currency = container.get("currency")
    return to_minor(container.get("value"), currency), currency


def net_total(order: dict[str, Any]) -> tuple[int | None, str | None]:
    """`pricingSummary.total` less the refunds made: what the seller kept, the one figure revenue sums.

    eBay lists a refund under the line item (`lineItems[].refunds[]`, issueRefund per line) or the order
    (`paymentSummary.refunds[]`), not both; one seen twice (same `refundId`) counts once. A FAILED refund
    gave nothing back; a refund in another currency leaves the total unknown (None), never a guess.
    """
    total, currency = money((order.get("pricingSummary") or {}).get("total"))
    refunds = [r for line in order.get("lineItems") or [] for r in line.get("refunds") or []]
    refunds += (order.get("paymentSummary") or {}).get("refunds") or []
    made: dict[str, dict[str, Any]] = {}
    for index, refund in enumerate(refunds):
        if str(refund.get("refundStatus") or "").upper() != "FAILED":
            made.setdefault(str(refund.get("refundId") or f"#{index}"), refund)
    return net_of(total, currency, (money(r.get("amount")) for r in made.values()))


class ListingsStream(Stream):
    """A snapshot of Inventory-API items with their offer's price and listing status.

    getInventoryItems has no update filter, so every run re-reads it all; items gone since are marked
    ``removed``, but only after a read that saw as many items as the answer's ``total`` (a snapshot cut
    short marks nothing). Pages follow each answer's ``next`` href. One getOffers call per SKU (404 = the
    SKU was never offered).
    """

    name = "listings"
    cursor_field = None

    def paginator(self) -> Paginator:
        self._read, self._total = 0, None
        return NextLinkPaginator()

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        if token:  # the query of the previous answer's `next` link, as eBay wrote it
            return "/sell/inventory/v1/inventory_item", dict(token)
        limit = max(1, min(200, self.ctx.page_size))
        return "/sell/inventory/v1/inventory_item", {"limit": limit, "offset": 0}

    def items(self, body: Any) -> list[dict[str, Any]]:
        found = list(body.get("inventoryItems") or [])
        self._read += len(found)
        self._total = body.get("total") if isinstance(body.get("total"), int) else None
        return found

    def pages(self, since: datetime | None, token: Any = None) -> Iterator[Page]:
        for page in super().pages(since, token):
            if page.next_token is None and (self._total is None or self._read < self._total):
                page.complete = False  # a short snapshot: never mark listings removed from it
            yield page

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        site = self.ctx.account.get("marketplace_id")
        listings = []
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
            listings.append(
                Listing(
                    id=sku,
                    sku=sku,
                    title=(item.get("product") or {}).get("title"),
                    price_minor=price,
                    currency=currency,
                    quantity=offer.get("availableQuantity", quantity) if offer else quantity,
                    state="active" if listing.get("listingStatus") == "ACTIVE" else "inactive",
                    url=f"https://www.ebay.fr/itm/{listing['listingId']}" if listing.get("listingId") else None,
                    raw=scrub({"inventoryItem": item, "offers": offers}),
                )
            )
        return Page(listings)

    def finalize(self, now: str) -> list[MarkMissing]:
        return [MarkMissing(Listing, {"state": "removed"})]


class OrdersStream(Stream):
    """getOrders by ``lastmodifieddate:[since..]``, page after page by each answer's ``next`` link.

    eBay does not promise an order, so the cursor moves at the end.
    """

    name = "orders"

    def paginator(self) -> Paginator:
        return NextLinkPaginator()

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        if isinstance(token, dict):  # the query of the previous answer's `next` link, as eBay wrote it
            return "/sell/fulfillment/v1/order", dict(token)
        oldest = datetime.now(UTC) - ORDERS_MAX_AGE
        start = max(since, oldest) if since is not None else oldest
        limit = max(1, min(200, self.ctx.page_size))
        params = {"filter": f"lastmodifieddate:[{ebay_time(start)}..]", "limit": limit, "offset": int(token or 0)}
        return "/sell/fulfillment/v1/order", params

    def items(self, body: Any) -> list[dict[str, Any]]:
        return list(body.get("orders") or [])

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        orders = []
        cursor: str | None = None
        for o in items:
            order_id = o.get("orderId")
            if not order_id:
                raise RemoteError(f"{self.ctx.account.name}: getOrders returned an order without orderId")
            buyer = o.get("buyer") or {}
            username = buyer.get("username")
            created = norm_time(o.get("creationDate"))
            total, currency = net_total(o)
            cancelled = (o.get("cancelStatus") or {}).get("cancelState") == "CANCELED"
            order = Order(
                id=order_id,
                status="CANCELED" if cancelled else o.get("orderFulfillmentStatus"),
                created_at=created,
                updated_at=norm_time(o.get("lastModifiedDate")) or created,
                total_minor=total,
                currency=currency,
                buyer_id=str(username) if username else None,
                buyer_name=display_name((buyer.get("buyerRegistrationAddress") or {}).get("fullName")),
                raw=scrub(o),
            )
            for line in o.get("lineItems") or []:
                price, line_currency = money(line.get("total") or line.get("lineItemCost"))
                order.lines.append(
                    OrderLine(
                        id=str(line["lineItemId"]),
                        sku=line.get("sku"),
                        title=line.get("title"),
                        quantity=line.get("quantity"),
                        price_minor=price,
                        currency=line_currency or currency,
                        status=line.get("lineItemFulfillmentStatus"),
                    )
                )
            orders.append(order)
            cursor = max(cursor or "", order.updated_at or "") or None
        return Page(orders, cursor=cursor)
