"""Etsy Open API v3 sandbox: one seeded shop as an ``httpx`` request handler.

Follows the Etsy OpenAPI file for getMe, getShop, getListingsByShop, getShopReceipts and getReviewsByShop:
``x-api-key: <keystring>:<shared_secret>`` on every call (a keystring alone answers 403, as Etsy does since
the shared secret became mandatory), ``Authorization: Bearer`` for the OAuth operations, ``limit``/``offset``
paging with ``{count, results}``, unix-second filters, ``{"error": …}`` bodies and the rate-limit headers.
The OAuth token endpoint (``POST /v3/public/oauth/token``, refresh_token grant) is served too; it is a
separate host on Etsy, so the API faults (429, 5xx, malformed) do not touch it.
"""

from __future__ import annotations

import hashlib
import re
import time
import zlib
from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs

import httpx

from mktcrm.sandbox.base import ApiError, SandboxBase, epoch, json_response
from mktcrm.sandbox.data import add_orders, generate
from mktcrm.sandbox.records import REFUNDED

from . import params as qp
from . import payloads as pl

TOKEN_PATH = "/v3/public/oauth/token"
_SHOP_PATH = re.compile(r"^/v3/application/shops/([^/]+)(?:/(listings|receipts|reviews))?$")
TOKEN_LIFETIME = 3600
LIMIT_PER_SECOND = 150  # the example figures of Etsy's rate-limit page (150/s, 100,000/day); new apps get less
LIMIT_PER_DAY = 10_000
_CACHE_SIZE = 32
# OAuth operations need a Bearer token with these scopes; the others need only the API key.
_SCOPES = {"me": "shops_r", "listings": "listings_r", "receipts": "transactions_r"}


def _stable(name: str, salt: str) -> int:
    return zlib.crc32(f"{salt}:{name}".encode())


class EtsySandbox(SandboxBase):
    """One Etsy seller (user + shop) with seeded listings, receipts and reviews."""

    marketplace = "etsy"
    token_path = TOKEN_PATH
    real_hosts = ("api.etsy.com",)  # the OAuth token endpoint
    PARAMS: ClassVar[dict[str, Callable[[str], Any]]] = {"shop_id": int, "keystring": str}

    def __init__(
        self,
        name: str,
        *,
        seed: int = 1,
        orders: int = 200,
        anchor: date | None = None,
        days: int = 180,
        shop_id: int | None = None,
        keystring: str | None = None,
    ) -> None:
        super().__init__(name, seed=seed, orders=orders, anchor=anchor, days=days)
        if keystring == "" or (shop_id is not None and shop_id < 1):
            raise ValueError("sandbox parameters 'keystring' and 'shop_id' must not be empty or zero")
        self.shop_id = shop_id or 40_000_000 + _stable(name, "shop") % 9_000_000
        self.user_id = 900_000_000 + _stable(name, "user") % 90_000_000
        self.keystring = keystring or "sbx" + hashlib.sha256(f"key:{name}".encode()).hexdigest()[:21]
        self.shared_secret = f"sandbox-{name}-secret"
        self.refresh_token = f"{self.user_id}.sandbox-{name}-refresh"
        self.rotate_refresh = False  # tests: rotate the refresh token on every grant
        self.shop_name = "".join(part.capitalize() for part in re.split(r"[-_]", name)) or "Boutique"
        self.data = generate(name, seed, orders, self.anchor, days)
        self.has_listings = orders > 0  # orders=0 is an empty shop: no listings either
        self.listing_states: dict[int, str | None] = {}  # index -> state override (None: deleted)
        self.tokens: set[str] = set()
        self.token_requests = 0
        self._served: list[float] = []
        self.limit_per_second = LIMIT_PER_SECOND  # what x-limit-per-second announces
        self.enforce_rate_limit = False  # tests: answer 429 past it, as Etsy does
        self._served_total = 0
        self._cache: dict[Hashable, Any] = {}

    @property
    def credentials(self) -> dict[str, str]:
        return {"shared_secret_env": self.shared_secret, "refresh_token_env": self.refresh_token}

    @property
    def account_options(self) -> dict[str, Any]:
        return {"shop_id": str(self.shop_id), "keystring": self.keystring}

    @property
    def api_key(self) -> str:
        """The x-api-key value this sandbox accepts."""
        return f"{self.keystring}:{self.shared_secret}"

    @property
    def now(self) -> datetime:
        """The data's "now" (midnight UTC of the anchor date)."""
        return datetime.fromtimestamp(self.data.now, UTC)

    # -- data mutation (incremental-sync tests) -------------------------------------------------------------

    def receipt_index(self, receipt_id: int) -> int:
        index = receipt_id - pl.RECEIPT_BASE
        if not 0 <= index < len(self.data.orders):
            raise KeyError(f"unknown receipt {receipt_id} in sandbox {self.name!r}")
        return index

    def add_receipts(self, n: int, at: datetime) -> list[int]:
        """New paid receipts created and updated at ``at``; returns their receipt ids."""
        with self._lock:
            self._cache.clear()
            first = len(self.data.orders)
            add_orders(self.data, n, epoch(at))
            return [pl.receipt_id(i) for i in range(first, len(self.data.orders))]

    def update_receipt(
        self,
        receipt_id: int,
        at: datetime,
        shipped: bool = False,
        refunded: bool = False,
        touch: bool = True,
        refund_lines: int = 0,
    ) -> None:
        """Bump the receipt's update time (and mark it shipped, or refund every line: `fully refunded`).

        ``refund_lines=n`` refunds only its first n lines: `partially refunded`, one `refunds[]` entry each.

        ``touch=False`` changes the receipt without moving ``updated_timestamp``, as Etsy warns it may:
        "receipt rows are not updated on every change", so ``min_last_modified`` misses it.
        """
        with self._lock:
            self._cache.clear()
            order = self.data.orders[self.receipt_index(receipt_id)]
            before = order.updated
            self.data.update_order(order.order_id, epoch(at), "SHIPPED" if shipped else None)
            for line in order.lines if refunded else order.lines[:refund_lines]:
                line.state, line.refund_date = REFUNDED, epoch(at)
            if not touch:
                order.updated = before

    def set_review(self, receipt_id: int, rating: int, text: str, at: datetime) -> None:
        """The buyer reviews the receipt's first item at ``at`` (or edits the review)."""
        with self._lock:
            self._cache.clear()
            order = self.data.orders[self.receipt_index(receipt_id)]
            self.data.set_evaluation(order.order_id, rating, text, epoch(at))

    def set_listing_state(self, listing_id: int, state: str | None) -> None:
        """Move a listing to another state, or delete it (``None``)."""
        if state is not None and state not in qp.LISTING_STATES:
            raise ValueError(f"unknown listing state {state!r}; valid: {', '.join(qp.LISTING_STATES)}")
        with self._lock:
            self._cache.clear()
            self.listing_states[listing_id - pl.LISTING_BASE] = state

    # -- views (the filtered, sorted lists behind each operation) ------------------------------------------

    def listing_indexes(self, state: str) -> list[int]:
        key = ("listings", state)
        found = self._cache.get(key)
        if found is None:
            found = [i for i in self._all_listings() if self._listing_state(i) == state]
            found.sort(key=lambda i: (pl.listing_times(self.data, i)[0], i), reverse=True)  # created desc
            self._remember(key, found)
        return found

    def _all_listings(self) -> range:
        return range(len(self.data.offers) if self.has_listings else 0)

    def _listing_state(self, index: int) -> str | None:
        if index in self.listing_states:
            return self.listing_states[index]
        return pl.listing_state(index, self.data.offers[index])

    def receipt_indexes(self, parsed: dict[str, Any]) -> list[int]:
        filters = {k: v for k, v in parsed.items() if k not in ("limit", "offset", "legacy")}
        key = ("receipts", tuple(sorted(filters.items())))
        found = self._cache.get(key)
        if found is None:
            preds = [self._receipt_filter(name, value) for name, value in filters.items()]
            orders = self.data.orders
            found = [i for i in range(len(orders)) if all(p(i) for p in preds)]
            sort_on = parsed.get("sort_on", "created")
            if sort_on == "updated":
                found.sort(key=lambda i: (orders[i].updated, i))
            elif sort_on == "created":
                found.sort(key=lambda i: (orders[i].created, i))
            if qp.descending(parsed):
                found.reverse()
            self._remember(key, found)
        return found

    def _receipt_filter(self, name: str, value: Any) -> Callable[[int], bool]:
        orders = self.data.orders
        if name in ("sort_on", "sort_order"):
            return lambda i: True
        if name == "min_created":
            return lambda i: orders[i].created >= value
        if name == "max_created":
            return lambda i: orders[i].created <= value
        if name == "min_last_modified":
            return lambda i: orders[i].updated >= value
        if name == "max_last_modified":
            return lambda i: orders[i].updated <= value
        if name == "was_paid":
            return lambda i: (pl.receipt_status(orders[i]) != "payment processing") == value
        if name == "was_shipped":
            return lambda i: (orders[i].shipped is not None) == value
        if name == "was_delivered":
            return lambda i: (orders[i].received is not None) == value
        assert name == "was_canceled"
        return lambda i: (pl.receipt_status(orders[i]) == "canceled") == value

    def review_indexes(self, parsed: dict[str, Any]) -> list[int]:
        """Receipts with a review, newest review first, filtered on its creation time."""
        low, high = parsed.get("min_created"), parsed.get("max_created")
        key = ("reviews", low, high)
        found = self._cache.get(key)
        if found is None:
            orders = self.data.orders
            found = [
                i
                for i, o in enumerate(orders)
                if o.evaluation is not None
                and (low is None or o.evaluation.date >= low)
                and (high is None or o.evaluation.date <= high)
            ]
            found.sort(key=lambda i: (orders[i].evaluation.date, i), reverse=True)  # type: ignore[union-attr]
            self._remember(key, found)
        return found

    def _remember(self, key: Hashable, value: Any) -> None:
        """Small FIFO cache of filtered+sorted lists so deep paging stays O(page)."""
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = value

    # -- HTTP -----------------------------------------------------------------------------------------------

    def error_body(self, status: int, message: str) -> Any:
        """Etsy's ErrorSchema; a 429 says which quota ran out."""
        return {"error": "Exceeded per second rate limit" if status == 429 else message}

    def other_service(self, path: str) -> bool:
        """The token endpoint lives on api.etsy.com, not on the API host the faults simulate."""
        return path == TOKEN_PATH

    def answer(self, request: httpx.Request, path: str) -> httpx.Response:
        if path == TOKEN_PATH:
            return self._token(request)
        if self.enforce_rate_limit and self._over_limit():
            return json_response(429, {"error": "Exceeded per second rate limit"}, {"Retry-After": "1"})
        body = self._answer(request, path)
        return json_response(200, body, self._quota_headers())

    def _over_limit(self) -> bool:
        """Etsy's sliding one-second window: one call more than `limit_per_second` answers 429."""
        now = time.monotonic()
        return len([t for t in self._served if now - t < 1.0]) >= self.limit_per_second

    def _answer(self, request: httpx.Request, path: str) -> dict[str, Any]:
        self._check_api_key(request)
        if path == "/v3/application/users/me":
            op = "me"
        else:
            match = _SHOP_PATH.match(path)
            if match is None:
                raise ApiError(404, f"Resource not found: {path[:80]}")
            op = match.group(2) or "shop"
        if request.method != "GET":
            raise ApiError(405, f"Method {request.method} is not allowed on {path[:80]}")
        if self.take("expire_token_next"):
            raise ApiError(401, "invalid_token: access token is expired")
        self._check_bearer(request, required=op in _SCOPES)
        params = request.url.params
        if op == "me":
            qp.parse(params, qp.NO_PARAMS)
            return {"user_id": self.user_id, "shop_id": self.shop_id}
        assert match is not None
        self._check_shop(match.group(1), private=op in _SCOPES)
        if op == "shop":
            qp.parse(params, qp.NO_PARAMS)
            return self._shop()
        if op == "listings":
            return self._listings(qp.parse(params, qp.GET_LISTINGS_BY_SHOP))
        if op == "receipts":
            return self._receipts(qp.parse(params, qp.GET_SHOP_RECEIPTS))
        return self._reviews(qp.parse(params, qp.GET_REVIEWS_BY_SHOP))

    def _check_api_key(self, request: httpx.Request) -> None:
        key = request.headers.get("x-api-key")
        if not key:
            raise ApiError(401, "Missing x-api-key header")
        keystring, sep, secret = key.partition(":")
        if keystring != self.keystring:
            raise ApiError(401, "Invalid API key")
        if not sep or not secret:
            raise ApiError(403, "Shared secret is required in x-api-key header")
        if secret != self.shared_secret:
            raise ApiError(401, "Invalid API key: shared secret does not match")

    def _check_bearer(self, request: httpx.Request, *, required: bool) -> None:
        header = request.headers.get("Authorization")
        if header is None:
            if required:
                raise ApiError(401, "Missing OAuth access token (Authorization: Bearer …)")
            return
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or token not in self.tokens:
            raise ApiError(401, "invalid_token")

    def _check_shop(self, raw: str, *, private: bool) -> None:
        try:
            shop_id = int(raw)
        except ValueError:
            raise ApiError(400, "Expected int for shop_id") from None
        if shop_id < 1:
            raise ApiError(400, "Invalid value for shop_id: must be >= 1")
        if shop_id != self.shop_id:
            if private:
                raise ApiError(403, "The shop does not belong to the authenticated user")
            raise ApiError(404, f"Shop with shop_id {shop_id} was not found")

    def _page(self, parsed: dict[str, Any], items: list[int]) -> list[int]:
        limit = parsed.get("limit", 25)
        offset = 0 if self.faults.ignore_offset else parsed.get("offset", 0)
        fail_at = self.faults.fail_at_offset
        if fail_at is not None and offset >= fail_at:
            raise ApiError(500, "Internal Server Error")
        return items[offset : offset + limit]

    def _shop(self) -> dict[str, Any]:
        grades = [o.evaluation.grade for o in self.data.orders if o.evaluation is not None]
        active = len(self.listing_indexes("active"))
        return pl.shop(self.data, self.shop_id, self.user_id, self.shop_name, active, grades)

    def _listings(self, parsed: dict[str, Any]) -> dict[str, Any]:
        if parsed.get("includes"):
            raise ApiError(400, "The sandbox does not serve listing associations (includes)")
        state = parsed.get("state", "active")
        items = self.listing_indexes(state)
        page = self._page(parsed, items)
        results = [pl.listing(self.data, i, state, self.shop_id, self.user_id) for i in page]
        return {"count": len(items), "results": results}

    def _receipts(self, parsed: dict[str, Any]) -> dict[str, Any]:
        items = self.receipt_indexes(parsed)
        page = self._page(parsed, items)
        return {"count": len(items), "results": [pl.receipt(self.data, i, self.shop_id, self.user_id) for i in page]}

    def _reviews(self, parsed: dict[str, Any]) -> dict[str, Any]:
        items = self.review_indexes(parsed)
        page = self._page(parsed, items)
        return {"count": len(items), "results": [pl.review(self.data, i, self.shop_id) for i in page]}

    def _quota_headers(self) -> dict[str, str]:
        """Etsy's rate-limit headers: per-second and (sliding) per-day quota left."""
        now = time.monotonic()
        self._served = [t for t in self._served if now - t < 1.0]
        self._served.append(now)
        self._served_total += 1
        return {
            "x-limit-per-second": str(self.limit_per_second),
            "x-remaining-this-second": str(max(0, self.limit_per_second - len(self._served))),
            "x-limit-per-day": str(LIMIT_PER_DAY),
            "x-remaining-today": str(max(0, LIMIT_PER_DAY - self._served_total)),
        }

    # -- OAuth token endpoint -------------------------------------------------------------------------------

    def _token(self, request: httpx.Request) -> httpx.Response:
        """POST form grant_type=refresh_token, client_id, refresh_token → a fresh access token."""

        def oauth_error(status: int, error: str, description: str) -> httpx.Response:
            return json_response(status, {"error": error, "error_description": description})

        if request.method != "POST":
            return oauth_error(405, "invalid_request", "use POST")
        if not request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
        form = {k: v[-1] for k, v in parse_qs(request.content.decode("utf-8", "replace")).items()}
        self.token_requests += 1
        if form.get("grant_type") != "refresh_token":
            return oauth_error(400, "unsupported_grant_type", "only refresh_token is served by the sandbox")
        if form.get("client_id") != self.keystring:
            return oauth_error(401, "invalid_client", "unknown client_id")
        if form.get("refresh_token") != self.refresh_token:
            return oauth_error(400, "invalid_grant", "refresh token is invalid or expired")
        if self.rotate_refresh:  # a new refresh token with every access token; the old one stops working
            self.refresh_token = f"{self.user_id}.sandbox-{self.name}-refresh-{self.token_requests}"
        token = f"{self.user_id}.{hashlib.sha256(f'{self.name}:{self.token_requests}'.encode()).hexdigest()[:40]}"
        self.tokens.add(token)
        body = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "refresh_token": self.refresh_token,
        }
        return json_response(200, body)
