"""Etsy streams: listings (getListingsByShop, per state), receipts (getShopReceipts), reviews (getReviewsByShop).

Etsy answers `{count, results[]}` with `limit` (≤100) + `offset` paging; times are unix seconds and money is
`{amount, divisor, currency_code}`. Source: shared/research/marketplace-apis.md §5 and the Etsy OpenAPI file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from mktcrm.connectors.base import MarkMissing, OffsetPaginator, Page, Paginator, Stream
from mktcrm.money import net_of, to_minor
from mktcrm.records import Listing, Order, OrderLine, Review

MAX_LIMIT = 100
# getListingsByShop returns one state per request sequence (default `active`): these are the ones a seller
# manages. Order matters only for resume tokens, so never reorder, only append.
LISTING_STATES = ("active", "inactive", "sold_out", "draft", "expired")
# Fields never written to the cache, not even inside `raw` (DESIGN §4: no buyer e-mails).
PRIVATE_KEYS = ("buyer_email", "payment_email")


def _time(stamp: Any) -> str | None:
    """Etsy's unix seconds → the cache's UTC ISO `Z` text."""
    if stamp is None or isinstance(stamp, bool):
        return None
    return datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unix(when: datetime) -> int:
    # Etsy rejects timestamps before 2000-01-01 (minimum 946684800 in the spec).
    return max(946_684_800, int(when.timestamp()))


def money_minor(money: Any, quantity: int = 1) -> tuple[int | None, str | None]:
    """`{amount, divisor, currency_code}` → (minor units, currency). The divisor is not always 100."""
    if not isinstance(money, dict) or money.get("amount") is None:
        return None, None
    currency = money.get("currency_code")
    divisor = int(money.get("divisor") or 1)
    major = Decimal(int(money["amount"])) * quantity / Decimal(divisor)
    return to_minor(major, currency), currency


# ShopRefund.status is a free string in the spec; these mean the money did not go back.
REFUND_NOT_MADE = frozenset({"failed", "declined", "canceled", "cancelled", "rejected", "reversed"})


def net_total(receipt: dict[str, Any]) -> tuple[int | None, str | None]:
    """`grandtotal` less the receipt's `refunds[]`: what the seller keeps, the one figure revenue sums.

    A partially refunded receipt counts only what was not given back; a refund in another currency than
    the total leaves the total unknown (None), never a guessed figure.
    """
    total, currency = money_minor(receipt.get("grandtotal"))
    made = [
        r
        for r in receipt.get("refunds") or []
        if isinstance(r, dict) and str(r.get("status") or "").lower() not in REFUND_NOT_MADE
    ]
    return net_of(total, currency, (money_minor(r.get("amount")) for r in made))


def display_name(full: str | None) -> str | None:
    """ "Amélie Lefèvre" → "Amélie L.": enough to greet a buyer, no more personal data than needed."""
    parts = (full or "").split()
    if not parts:
        return None
    return f"{parts[0]} {parts[-1][:1]}." if len(parts) > 1 else parts[0]


def review_id(review: dict[str, Any]) -> str:
    """The spec gives reviews no id: one review per transaction, else a stable hash of who/what/when."""
    if review.get("transaction_id"):
        return str(review["transaction_id"])
    key = "|".join(str(review.get(k) or "") for k in ("shop_id", "listing_id", "buyer_user_id", "created_timestamp"))
    return "h" + hashlib.sha256(key.encode()).hexdigest()[:24]


class _EtsyStream(Stream):
    """Paths under the account's shop; `{count, results}` answers."""

    def shop_path(self, suffix: str) -> str:
        return f"/v3/application/shops/{self.ctx.account.get('shop_id')}/{suffix}"

    def paging(self, offset: Any) -> dict[str, Any]:
        return {"limit": max(1, min(MAX_LIMIT, self.ctx.page_size)), "offset": int(offset or 0)}

    def paginator(self) -> Paginator:
        return OffsetPaginator("count")

    def items(self, body: Any) -> list[dict[str, Any]]:
        return list(body["results"])


class StatesPaginator(Paginator):
    """Offset paging through one state after another; the token is `"<state>:<offset>"` (JSON-safe for resume)."""

    def first(self) -> Any:
        return f"{LISTING_STATES[0]}:0"

    def advance(self, token: Any, body: Any, count: int, ids: list[str]) -> Any:
        state, offset = split_token(token)
        if ids:
            self.check_loop((state, tuple(ids)))
        following = offset + count
        total = body.get("count") if isinstance(body, dict) else None
        if count and not (isinstance(total, int) and following >= total):
            return f"{state}:{following}"
        index = LISTING_STATES.index(state) + 1
        return f"{LISTING_STATES[index]}:0" if index < len(LISTING_STATES) else None


def split_token(token: Any) -> tuple[str, int]:
    state, _, offset = str(token).partition(":")
    if state not in LISTING_STATES:
        state, offset = LISTING_STATES[0], "0"
    return state, int(offset or 0)


class ListingsStream(_EtsyStream):
    """getListingsByShop has no "modified since" filter: a snapshot of every state, each run."""

    name = "listings"
    cursor_field = None

    def paginator(self) -> Paginator:
        return StatesPaginator()

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        state, offset = split_token(token)
        return self.shop_path("listings"), {"state": state, **self.paging(offset)}

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        listings = []
        for item in items:
            price, currency = money_minor(item.get("price"))
            skus = [s for s in item.get("skus") or [] if s]
            listings.append(
                Listing(
                    id=str(item["listing_id"]),
                    sku=skus[0] if skus else None,
                    title=item.get("title"),
                    price_minor=price,
                    currency=currency,
                    quantity=item.get("quantity"),
                    state=item.get("state"),
                    url=item.get("url"),
                    updated_at=_time(item.get("updated_timestamp") or item.get("last_modified_timestamp")),
                    raw=item,
                )
            )
        return Page(listings)

    def finalize(self, now: str) -> list[MarkMissing]:
        # Not in any state any more: deleted on Etsy (or moved to a state mktcrm does not read).
        return [MarkMissing(Listing, {"state": "removed"})]


class OrdersStream(_EtsyStream):
    """getShopReceipts by `min_last_modified`, then the last `RECENT` by `min_created`, oldest created first.

    Etsy says receipt rows are not updated on every change, so a receipt shipped, cancelled or refunded
    may keep its old `updated_timestamp` and escape `min_last_modified`: an incremental run therefore
    also re-reads the receipts created in the recent window, where those changes happen (upserts make the
    overlap harmless). Sorted by creation, not update: with offset paging a receipt updated mid-sync would
    jump to the end of an update-sorted list and shift the rest back by one, skipping a receipt; by
    creation it stays put. So the cursor moves when the stream completes. A resume token is the offset
    (first pass) or `["created", offset]` (second pass).
    """

    name = "orders"
    RECENT: ClassVar[timedelta] = timedelta(days=60)

    def pages(self, since: datetime | None, token: Any = None) -> Iterator[Page]:
        second = isinstance(token, list)
        if not second:
            self._pass = "modified"
            for page in super().pages(since, token):
                last = page.next_token is None
                # A copy: the page loop reads its own page's token after the yield.
                yield replace(page, next_token=["created", 0]) if last and since is not None else page
            if since is None:
                return  # a full read saw every receipt already
        self._pass = "created"
        for page in super().pages(since, int(token[1]) if second else None):
            yield page if page.next_token is None else replace(page, next_token=["created", page.next_token])

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {**self.paging(token), "sort_on": "created", "sort_order": "asc"}
        if since is not None and getattr(self, "_pass", "modified") == "created":
            params["min_created"] = _unix(since - self.RECENT)
        elif since is not None:
            params["min_last_modified"] = _unix(since)
        return self.shop_path("receipts"), params

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        orders = []
        cursor: str | None = None
        for receipt in items:
            buyer = receipt.get("buyer_user_id")
            created = _time(receipt.get("created_timestamp") or receipt.get("create_timestamp"))
            total, currency = net_total(receipt)
            order = Order(
                id=str(receipt["receipt_id"]),
                status=receipt.get("status"),
                created_at=created,
                updated_at=_time(receipt.get("updated_timestamp") or receipt.get("update_timestamp")) or created,
                total_minor=total,
                currency=currency,
                buyer_id=str(buyer) if buyer else None,
                buyer_name=display_name(receipt.get("name")),
                raw={k: v for k, v in receipt.items() if k not in PRIVATE_KEYS},
            )
            for tx in receipt.get("transactions") or []:
                quantity = int(tx.get("quantity") or 0)
                price, line_currency = money_minor(tx.get("price"), quantity)
                order.lines.append(
                    OrderLine(
                        id=str(tx["transaction_id"]),
                        sku=tx.get("sku"),
                        title=tx.get("title"),
                        quantity=quantity,
                        price_minor=price,
                        currency=line_currency or currency,
                        status=receipt.get("status"),  # transactions carry no status of their own
                    )
                )
            orders.append(order)
            cursor = max(cursor or "", order.updated_at or "") or None
        return Page(orders, cursor=cursor)


class ReviewsStream(_EtsyStream):
    """getReviewsByShop by `min_created`. Reviews can be edited, so a week of extra lookback re-reads them."""

    name = "reviews"
    lookback = timedelta(days=7)

    def request(self, token: Any, since: datetime | None) -> tuple[str, dict[str, Any]]:
        params = self.paging(token)
        if since is not None:
            params["min_created"] = _unix(since)
        return self.shop_path("reviews"), params

    def normalize(self, items: list[dict[str, Any]]) -> Page:
        reviews = []
        cursor: str | None = None
        for review in items:
            buyer = review.get("buyer_user_id")
            created = _time(review.get("created_timestamp") or review.get("create_timestamp"))
            rating = review.get("rating")
            # Reviews name the transaction (a receipt's line), not the receipt: sync links the order and SKU
            # from the cached lines. No buyer name, no seller reply (the spec has no response field).
            line = review.get("transaction_id")
            reviews.append(
                Review(
                    id=review_id(review),
                    kind="product_review",  # one review per purchased item (transaction)
                    order_line_id=str(line) if line else None,
                    buyer_id=str(buyer) if buyer else None,
                    rating=rating,
                    rating_raw=None if rating is None else str(rating),
                    body=review.get("review") or None,
                    created_at=created,
                    updated_at=_time(review.get("updated_timestamp") or review.get("update_timestamp")),
                    raw=review,
                )
            )
            cursor = max(cursor or "", created or "") or None
        return Page(reviews, cursor=cursor)
