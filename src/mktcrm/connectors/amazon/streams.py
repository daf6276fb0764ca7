"""Amazon listings (searchListingsItems) and orders (Orders 2026-01-01 searchOrders) as declared streams.

Buyer privacy: Amazon gives no buyer id, only an anonymised relay e-mail (FBM orders). Its keyed hash is
the buyer key; the e-mail itself and the full name never reach the cache, not even inside `raw`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from mktcrm.connectors.base import MarkMissing, Page, Paginator, Stream, TokenPaginator
from mktcrm.money import to_minor
from mktcrm.records import Listing, Order, OrderLine
from mktcrm.timeutil import iso, norm_time

ORDERS_PATH = "/orders/2026-01-01/orders"
# Orders 2026-01-01 "does not display order data that is more than two years old": the widest useful window.
ORDERS_HORIZON = timedelta(days=730)
ORDER_DATASETS = "BUYER,PROCEEDS,FULFILLMENT"  # never RECIPIENT: addresses and phones are not ours to keep
LISTINGS_PAGE_MAX = 20
DOMAINS = {
    "A13V1IB3VIYZZH": "www.amazon.fr",
    "A1PA6795UKMFR9": "www.amazon.de",
    "A1RKKUPIHCS9HS": "www.amazon.es",
    "APJ6JRA9NG5V4": "www.amazon.it",
    "A1F83G8C2ARO7P": "www.amazon.co.uk",
    "A1805IZSGTT6HS": "www.amazon.nl",
    "AMEN7PMS3EDWL": "www.amazon.com.be",
    "ATVPDKIKX0DER": "www.amazon.com",
}


def day_start(day: date) -> datetime:
    """Midnight UTC: day-aligned defaults keep a resumed run's query identical to the interrupted one."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def display_name(full: str | None) -> str | None:
    """ "Marie Dupont" → "Marie D.": enough to greet a buyer, no more personal data than that."""
    parts = (full or "").split()
    if not parts:
        return None
    return f"{parts[0]} {parts[-1][:1]}." if len(parts) > 1 else parts[0]


def marketplace_ids(stream: Stream) -> list[str]:
    ids = stream.ctx.account.get("marketplace_ids") or []
    return [str(i) for i in ids]


def money(value: Any) -> tuple[int | None, str | None]:
    """An SP-API Money object ({amount: "12.90", currencyCode}) as minor units and currency."""
    if not isinstance(value, dict):
        return None, None
    currency = value.get("currencyCode")
    return to_minor(value.get("amount"), currency), currency


class PaginationTokenPaginator(TokenPaginator):
    """SP-API's `pagination.nextToken`, sent back as the next request's token parameter."""

    def __init__(self) -> None:
        super().__init__("nextToken")

    def advance(self, token: Any, body: Any, count: int, ids: list[str]) -> Any:
        pagination = body.get("pagination") if isinstance(body, dict) else None
        return super().advance(token, pagination or {}, count, ids)


class ListingsPaginator(Paginator):
    """pageToken paging, restarted past searchListingsItems' 1000-item cap.

    Items are read by creation date, oldest first; when a window ends before `numberOfResults`, the next
    window starts at the last creation date seen (`createdAfter` is inclusive, upserts make the overlap
    harmless). A window that cannot move forward is reported as a loop rather than read forever.
    """

    def first(self) -> Any:
        return {"after": None, "page": None, "seen": 0}

    def advance(self, token: Any, body: Any, count: int, ids: list[str]) -> Any:
        token = token or self.first()
        seen = int(token.get("seen", 0)) + count
        following = (body.get("pagination") or {}).get("nextToken")
        if following:
            self.check_loop(following)
            return {"after": token.get("after"), "page": following, "seen": seen}
        total = body.get("numberOfResults")
        if not count or not isinstance(total, int) or seen >= total:
            return None
        created = [s.get("createdDate") for s in (body["items"][-1].get("summaries") or []) if s.get("createdDate")]
        if not created:
            return None
        self.check_loop(("createdAfter", max(created)))
        return {"after": max(created), "page": None, "seen": 0}


class ListingsStream(Stream):
    """A snapshot: every SKU re-read each run; SKUs no longer returned after a complete run are `removed`."""

    name = "listings"
    cursor_field = None

    def paginator(self) -> Paginator:
        return ListingsPaginator()

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        token = token or {}
        params: dict[str, Any] = {
            "marketplaceIds": ",".join(marketplace_ids(self)),
            "includedData": "summaries,offers,fulfillmentAvailability",
            "sortBy": "createdDate",
            "sortOrder": "ASC",
            "pageSize": max(1, min(LISTINGS_PAGE_MAX, self.ctx.page_size)),
        }
        if token.get("after"):
            params["createdAfter"] = token["after"]
        if token.get("page"):
            params["pageToken"] = token["page"]
        return f"/listings/2021-08-01/items/{self.ctx.account.get('seller_id')}", params

    def items(self, body: Any) -> list[dict[str, Any]]:
        return list(body["items"])

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        wanted = marketplace_ids(self)
        listings = []
        for item in items:
            summaries = item.get("summaries") or []
            summary = next(
                (s for s in summaries if s.get("marketplaceId") in wanted), summaries[0] if summaries else {}
            )
            offers = [o for o in item.get("offers") or [] if o.get("offerType", "B2C") == "B2C"]
            offer = next((o for o in offers if o.get("marketplaceId") == summary.get("marketplaceId")), None)
            price, currency = money((offer or {}).get("price"))
            stock = [
                f.get("quantity") for f in item.get("fulfillmentAvailability") or [] if f.get("quantity") is not None
            ]
            domain = DOMAINS.get(str(summary.get("marketplaceId")))
            asin = summary.get("asin")
            listings.append(
                Listing(
                    id=item["sku"],
                    sku=item["sku"],
                    title=summary.get("itemName"),
                    price_minor=price,
                    currency=currency,
                    quantity=sum(stock) if stock else None,
                    state="active" if "BUYABLE" in (summary.get("status") or []) else "inactive",
                    url=f"https://{domain}/dp/{asin}" if domain and asin else None,
                    updated_at=norm_time(summary.get("lastUpdatedDate")),
                    raw=item,
                )
            )
        return Page(listings)

    def finalize(self, now: str) -> list[MarkMissing]:
        return [MarkMissing(Listing, {"state": "removed"})]


class OrdersStream(Stream):
    """searchOrders by `lastUpdatedAfter` (never v0 getOrders, deprecated); items come in the same payload.

    Amazon does not document the order of results, so the cursor moves only when the stream completes.
    """

    name = "orders"

    def paginator(self) -> Paginator:
        return PaginationTokenPaginator()

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        if since is None:  # exactly one of createdAfter/lastUpdatedAfter is required; day-aligned for resumes
            since = day_start((datetime.now(UTC) - ORDERS_HORIZON).date())
        params: dict[str, Any] = {
            "lastUpdatedAfter": iso(since),
            "marketplaceIds": ",".join(marketplace_ids(self)),
            "includedData": ORDER_DATASETS,
            "maxResultsPerPage": max(1, min(100, self.ctx.page_size)),
        }
        if token:
            params["paginationToken"] = token
        return ORDERS_PATH, params

    def items(self, body: Any) -> list[dict[str, Any]]:
        return list(body["orders"])

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        orders = []
        cursor: str | None = None
        for o in items:
            buyer = o.get("buyer") or {}
            email = buyer.get("buyerEmail")  # an anonymised relay address: the only buyer id Amazon gives
            total, currency = money((o.get("proceeds") or {}).get("grandTotal"))
            status = (o.get("fulfillment") or {}).get("fulfillmentStatus")
            order = Order(
                id=o["orderId"],
                status=status,
                created_at=norm_time(o["createdTime"]),
                updated_at=norm_time(o["lastUpdatedTime"]),
                total_minor=total,
                currency=currency,
                buyer_id=str(email) if email else None,
                buyer_name=display_name(buyer.get("buyerName")),
                raw=_without_personal_data(o),
            )
            for item in o.get("orderItems") or []:
                product = item.get("product") or {}
                price, line_currency = money((item.get("proceeds") or {}).get("proceedsTotal"))
                if price is None:
                    unit, line_currency = money((product.get("price") or {}).get("unitPrice"))
                    price = unit * int(item.get("quantityOrdered") or 0) if unit is not None else None
                order.lines.append(
                    OrderLine(
                        id=item["orderItemId"],
                        sku=product.get("sellerSku"),
                        title=product.get("title"),
                        quantity=item.get("quantityOrdered"),
                        price_minor=price,
                        currency=line_currency or currency,
                        status=status,
                    )
                )
            orders.append(order)
            cursor = max(cursor or "", order.updated_at or "") or None
        return Page(orders, cursor=cursor)


def _without_personal_data(order: dict[str, Any]) -> dict[str, Any]:
    """The order as Amazon sent it, minus the buyer's e-mail, full name and any delivery address."""
    clean = dict(order)
    clean.pop("recipient", None)
    if isinstance(order.get("buyer"), dict):
        buyer = {k: v for k, v in order["buyer"].items() if k not in ("buyerEmail", "buyerName")}
        name = display_name(order["buyer"].get("buyerName"))
        if name:
            buyer["buyerName"] = name
        clean["buyer"] = buyer
    return clean
