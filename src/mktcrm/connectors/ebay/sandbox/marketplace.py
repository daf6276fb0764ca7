"""eBay REST sandbox: one seller behind the OAuth token endpoint, Fulfillment, Inventory and Feedback.

Follows the OpenAPI files in ``shared/specs/ebay`` for the operations mktcrm uses — getOrders,
getInventoryItems, getOffers, getFeedback and getPaymentDisputeSummaries (served on the same host here;
``apiz.ebay.com`` in production) — plus ``POST /identity/v1/oauth2/token`` (Basic client credentials, form
``grant_type=refresh_token``). Bearer tokens carry scopes; errors use eBay's ``{"errors": [...]}`` shape.
Lists are filtered once and cached, and JSON is built only for the page served, so 100k orders stay fast.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl

import httpx

from mktcrm.sandbox.base import ApiError, SandboxBase, epoch, json_response
from mktcrm.sandbox.records import DAY, Order

from . import params as qp
from . import payloads as payloads
from .data import AS_BUYER, EbayData
from .writes import DISPUTE_PATH, RESPOND_PATH, EbayWritesMixin

TOKEN_PATH = "/identity/v1/oauth2/token"
SCOPE_ROOT = "https://api.ebay.com/oauth/api_scope"
SCOPES = frozenset(
    {SCOPE_ROOT}
    | {
        f"{SCOPE_ROOT}/{s}"
        for s in (
            "sell.inventory",
            "sell.inventory.readonly",
            "sell.fulfillment",
            "sell.fulfillment.readonly",
            "sell.payment.dispute",
            "commerce.feedback",
            "commerce.feedback.readonly",
        )
    }
)
# path -> (operationId, scopes that allow it), from each operation's `security`.
ROUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "/sell/fulfillment/v1/order": ("getOrders", ("sell.fulfillment", "sell.fulfillment.readonly")),
    "/sell/inventory/v1/inventory_item": ("getInventoryItems", ("sell.inventory", "sell.inventory.readonly")),
    "/sell/inventory/v1/offer": ("getOffers", ("sell.inventory", "sell.inventory.readonly")),
    "/commerce/feedback/v1/feedback": ("getFeedback", ("commerce.feedback", "commerce.feedback.readonly")),
    "/sell/fulfillment/v1/payment_dispute_summary": ("getPaymentDisputeSummaries", ("sell.payment.dispute",)),
}
_ERRORS: dict[int, tuple[int, str, str]] = {
    400: (2004, "API_REQUEST", "REQUEST"),
    401: (1001, "OAuth", "REQUEST"),
    403: (1100, "ACCESS", "REQUEST"),
    404: (2002, "API_REQUEST", "REQUEST"),
    429: (2001, "ACCESS", "REQUEST"),
}
_CACHE_SIZE = 32
TOKEN_LIFETIME_S = 7200


class EbaySandbox(EbayWritesMixin, SandboxBase):
    """One eBay seller on EBAY_FR, with its developer keyset and a user refresh token."""

    marketplace = "ebay"
    token_path = TOKEN_PATH
    real_hosts = ("api.ebay.com", "apiz.ebay.com")  # identity (OAuth) and payment disputes
    PARAMS: ClassVar[dict[str, Callable[[str], Any]]] = {}

    def __init__(self, name: str, *, seed: int = 1, orders: int = 200, anchor: date | None = None, days: int = 180):
        super().__init__(name, seed=seed, orders=orders, anchor=anchor, days=days)
        self.data = EbayData(name, seed, orders, self.anchor, days)
        self.client_id = f"Sandbox-{name}-PRD-0a1b2c3d4-e5f6a7b8"
        self.client_secret = f"PRD-sandbox-{name}-cert"
        self.refresh_token = f"v^1.1#i^1#r^1#sandbox-{name}-refresh"
        self.tokens: dict[str, frozenset[str]] = {}  # live access token -> granted scopes
        self._issued = 0
        self._cache: dict[Hashable, Any] = {}
        self._sku_index = {o.shop_sku: i for i, o in enumerate(self.data.inventory)}
        # What `offset` counts on every paged list: "records" (eBay's servers) or "pages" (the specs' wording).
        # Either way each answer's `next` link is right; a client that computes offsets itself is wrong in one.
        self.offset_counts = "records"
        # Tests: API path prefix -> calls allowed per UTC day; past it eBay's 429 (Retry-After until midnight UTC).
        self.daily_quota: dict[str, int] = {}
        self.quota_used: dict[str, int] = {}
        self.inventory_short = 0  # items the answer's total counts but no page returns (a snapshot cut short)

    @property
    def credentials(self) -> dict[str, str]:
        return {"client_secret_env": self.client_secret, "refresh_token_env": self.refresh_token}

    @property
    def account_options(self) -> dict[str, Any]:
        return {"marketplace_id": "EBAY_FR", "seller_username": self.data.seller, "client_id": self.client_id}

    @property
    def now(self) -> datetime:
        """The data's "now" (midnight UTC of the anchor date)."""
        from datetime import UTC

        return datetime.fromtimestamp(self.data.now, UTC)

    # -- mutations (incremental-sync tests) ------------------------------------------------------------
    def add_orders(self, n: int, at: datetime) -> list[str]:
        """New paid orders created and modified at ``at``; returns their eBay order ids."""
        with self._lock:
            self._cache.clear()
            return self.data.add_orders(n, epoch(at))

    def update_order(self, order_id: str, at: datetime, state: str | None = None) -> None:
        """Bump lastModifiedDate (and optionally move the order, e.g. to SHIPPED)."""
        with self._lock:
            self._cache.clear()
            self.data.ds.update_order(self.data.get(order_id).order_id, epoch(at), state)

    def leave_feedback(self, order_id: str, grade: int, comment: str, at: datetime) -> str:
        """The buyer leaves (or revises) feedback at ``at``; grade 4-5 POSITIVE, 3 NEUTRAL, 1-2 NEGATIVE."""
        with self._lock:
            self._cache.clear()
            order = self.data.get(order_id)
            self.data.ds.set_evaluation(order.order_id, grade, comment, epoch(at))
            return self.data.feedback_id(order)

    def add_dispute(self, order_id: str, status: str, opened: datetime, closed: datetime | None = None) -> str:
        with self._lock:
            self._cache.clear()
            return self.data.add_dispute(order_id, status, epoch(opened), epoch(closed) if closed else None)

    def set_dispute_status(self, dispute_id: str, status: str, at: datetime) -> None:
        with self._lock:
            self._cache.clear()
            self.data.set_dispute_status(dispute_id, status, epoch(at))

    # -- HTTP -----------------------------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        error_id, domain, category = _ERRORS.get(status, (10001, "API_REQUEST", "APPLICATION"))
        return payloads.error(error_id, domain, category, message)

    def other_service(self, path: str) -> bool:
        """OAuth is eBay's identity service: API faults do not apply to it."""
        return path == TOKEN_PATH

    def answer(self, request: httpx.Request, path: str) -> httpx.Response:
        if path == TOKEN_PATH:
            return self._token(request)
        self._count_quota(path)
        if path == RESPOND_PATH:
            return self._respondToFeedback(request)
        match = DISPUTE_PATH.match(path)
        if match:
            return self._paymentDispute(request, match.group(1), match.group(2))
        route = ROUTES.get(path)
        if route is None:
            raise ApiError(404, f"No resource matches {path}.")
        if request.method != "GET":
            raise ApiError(405, f"Method {request.method} is not allowed on {path}.")
        operation, scopes = route
        self._authorize(request, scopes)
        params = request.url.params
        try:
            qp.check_names(params, operation)
            body = getattr(self, f"_{operation}")(request, params)
        except qp.BadRequest as err:
            return json_response(400, payloads.error(err.error_id, "API_REQUEST", "REQUEST", err.message, err.param))
        return json_response(200, body)

    def _count_quota(self, path: str) -> None:
        """eBay's per-API daily call limit: the call past it is refused until the quota resets."""
        api = next((prefix for prefix in self.daily_quota if path.startswith(prefix)), None)
        if api is None:
            return
        self.quota_used[api] = self.quota_used.get(api, 0) + 1
        if self.quota_used[api] > self.daily_quota[api]:
            now = time.time()
            wait = math.ceil(DAY - now % DAY)
            raise ApiError(
                429,
                "Too many requests. The request limit has been reached for the resource.",
                {"Retry-After": str(wait)},
            )

    def _token(self, request: httpx.Request) -> httpx.Response:
        """OAuth refresh-token grant; OAuth-style errors (`error`, `error_description`), not REST ones."""
        if request.method != "POST":
            raise ApiError(405, "Use POST for the token endpoint.")
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return _oauth_error(401, "invalid_client", "client authentication failed")
        if not request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return _oauth_error(400, "invalid_request", "request body must be application/x-www-form-urlencoded")
        form = dict(parse_qsl(request.content.decode("utf-8"), keep_blank_values=True))
        if form.get("grant_type") != "refresh_token":
            return _oauth_error(400, "unsupported_grant_type", "grant type in request is not supported")
        if form.get("refresh_token") != self.refresh_token:
            return _oauth_error(
                400,
                "invalid_grant",
                "the provided authorization refresh token is invalid or was issued to another client",
            )
        asked = frozenset(form.get("scope", "").split()) or SCOPES
        if not asked <= SCOPES:
            return _oauth_error(400, "invalid_scope", "the requested scope is invalid, unknown, or malformed")
        self._issued += 1
        token = f"v^1.1#i^1#p^3#f^0#I^3#t^sandbox-{self.name}-{self._issued}"
        self.tokens[token] = asked
        return json_response(
            200, {"access_token": token, "expires_in": TOKEN_LIFETIME_S, "token_type": "User Access Token"}
        )

    def _authorize(self, request: httpx.Request, scopes: tuple[str, ...]) -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        if token not in self.tokens:
            raise ApiError(401, "Invalid access token. Check the value of the Authorization HTTP request header.")
        if self.take("expire_token_next"):
            del self.tokens[token]
            raise ApiError(401, "Invalid access token. The access token has expired.")
        if not any(f"{SCOPE_ROOT}/{s}" in self.tokens[token] for s in scopes):
            raise ApiError(403, "Insufficient permissions to fulfill the request.")
        site = request.headers.get("X-EBAY-C-MARKETPLACE-ID")
        if site is not None and site not in qp.MARKETPLACE_IDS:
            raise qp.BadRequest(f"Invalid X-EBAY-C-MARKETPLACE-ID header value '{site}'.", "X-EBAY-C-MARKETPLACE-ID")

    # -- operations -----------------------------------------------------------------------------------
    def _getOrders(self, request: httpx.Request, params: httpx.QueryParams) -> dict[str, Any]:
        limit = qp.int_param(params, "limit", 50, 1, 200)
        offset = qp.int_param(params, "offset", 0, 0)
        if "orderIds" in params:
            ids = [i for i in params["orderIds"].split(",") if i]
            if len(ids) > 50:
                raise qp.BadRequest("orderIds accepts at most 50 ids.", "orderIds")
            found = [self.data.by_ebay_id[i] for i in ids if i in self.data.by_ebay_id]
            return _paged(request, "orders", [payloads.order(self.data, o) for o in found], len(found), 50, 0, 0, 50)
        start, end = qp.order_filter(params.get("filter"))
        if start is None and end is None:
            start = self.data.now - 90 * DAY  # "all orders created within the last 90 days"
            key: Hashable = ("orders-default",)
            pick: Callable[[Order], bool] = lambda o: o.created >= start  # noqa: E731
        else:
            key = ("orders", start, end)
            pick = lambda o: (start is None or o.updated >= start) and (end is None or o.updated <= end)  # noqa: E731
        items = self._cached(key, lambda: [o for o in self.data.ds.orders if pick(o)])
        start, step = self._start(self._offset(offset), limit)
        page = [payloads.order(self.data, o) for o in items[start : start + limit]]
        return _paged(request, "orders", page, len(items), limit, offset, start, step)

    def _getInventoryItems(self, request: httpx.Request, params: httpx.QueryParams) -> dict[str, Any]:
        """The spec calls ``offset`` a page number; eBay's servers (and this sandbox by default) count records.

        ``offset_counts = "pages"`` switches to the spec's reading. Either way ``next`` is right, and
        ``size`` is the number of items on this page, as real answers carry it.
        """
        limit = qp.int_param(params, "limit", 25, 1, 200)
        offset = 0 if self.faults.ignore_offset else qp.int_param(params, "offset", 0, 0)
        start, step = self._start(offset, limit)
        offers = self.data.inventory[: len(self.data.inventory) - self.inventory_short]
        page = offers[start : start + limit]
        body: dict[str, Any] = {
            "href": str(request.url),
            "limit": limit,
            "size": len(page),
            "total": len(self.data.inventory),
            "inventoryItems": [payloads.inventory_item(o) for o in page],
        }
        if start + limit < len(offers):
            body["next"] = str(request.url.copy_set_param("offset", str(offset + step)))
        if offset > 0:
            body["prev"] = str(request.url.copy_set_param("offset", str(max(0, offset - step))))
        return body

    def _getOffers(self, request: httpx.Request, params: httpx.QueryParams) -> dict[str, Any]:
        """One offer per SKU; every 19th SKU was never offered (eBay answers 404 for those)."""
        sku = params.get("sku")
        if not sku:
            raise qp.BadRequest("The SKU is required.", "sku", 25707)
        qp.int_param(params, "limit", 100, 1)
        qp.int_param(params, "offset", 0, 0)
        index = self._sku_index.get(sku)
        if index is None or index % 19 == 7:
            raise ApiError(404, "This Offer is not available.")
        offers = [payloads.offer_details(index, self.data.ds.offers[index])]
        return {"href": str(request.url), "limit": 100, "size": 1, "total": 1, "offers": offers}

    def _getFeedback(self, request: httpx.Request, params: httpx.QueryParams) -> dict[str, Any]:
        for name in ("user_id", "feedback_type"):
            if not params.get(name):
                raise qp.BadRequest(f"The '{name}' query parameter is required.", name)
        if params["user_id"] != self.data.seller:
            raise qp.BadRequest(f"The user '{params['user_id']}' was not found.", "user_id")
        kind = params["feedback_type"]
        if kind not in ("FEEDBACK_RECEIVED", "FEEDBACK_SENT"):
            raise qp.BadRequest("feedback_type must be FEEDBACK_RECEIVED or FEEDBACK_SENT.", "feedback_type")
        sort = params.get("sort", "RELEVANCE")
        if sort not in ("RELEVANCE", "TIME"):
            raise qp.BadRequest("sort must be RELEVANCE or TIME.", "sort")
        limit = qp.int_param(params, "limit", 25, 25, 200)
        offset = self._offset(qp.int_param(params, "offset", 0, 0))
        start, step = self._start(offset, limit)
        if params.get("feedback_id"):  # "only return a specific feedback record … no other filters applicable"
            return self._one_feedback(kind, params["feedback_id"], limit)
        filters = qp.feedback_filter(params.get("filter"))
        key = ("feedback", kind, tuple(sorted(filters.items())), sort)
        entries = self._cached(key, lambda: self._feedback_list(kind, filters, sort))
        page = [
            payloads.feedback(self.data, e, 10 + i)
            if isinstance(e, Order)
            else payloads.feedback_as_buyer(self.data, e)
            for i, e in enumerate(entries[start : start + limit], start=start)
        ]
        pagination: dict[str, Any] = {"count": len(page), "limit": limit, "offset": offset, "total": len(entries)}
        if start + limit < len(entries):
            pagination["next"] = _relative(request, offset + step)
        if offset > 0:
            pagination["prev"] = _relative(request, max(0, offset - step))
        return {"feedbackEntries": page, "pagination": pagination}

    def _one_feedback(self, kind: str, feedback_id: str, limit: int) -> dict[str, Any]:
        """getFeedback with `feedback_id`: that record (buyer feedback, or one left as a buyer), or nothing."""
        order = self.data.by_feedback_id.get(feedback_id)
        as_buyer = [
            k for k in range(len(AS_BUYER)) if payloads.feedback_as_buyer(self.data, k)["feedbackId"] == feedback_id
        ]
        page: list[dict[str, Any]] = []
        if kind == "FEEDBACK_RECEIVED" and order is not None and order.evaluation and order.evaluation.visible:
            page = [payloads.feedback(self.data, order, 10)]
        elif kind == "FEEDBACK_RECEIVED" and as_buyer:
            page = [payloads.feedback_as_buyer(self.data, as_buyer[0])]
        return {
            "feedbackEntries": page,
            "pagination": {"count": len(page), "limit": limit, "offset": 0, "total": len(page)},
        }

    def _feedback_list(self, kind: str, filters: dict[str, str], sort: str) -> list[Order | int]:
        """Entries as records: Order = buyer feedback, int = index into AS_BUYER (role SELLER)."""
        if kind == "FEEDBACK_SENT":
            return []
        rated: list[Order | int] = []
        if filters.get("role", "BUYER") == "BUYER":
            rated.extend(self.data.rated_orders())
        if filters.get("role", "SELLER") == "SELLER":
            rated.extend(range(len(AS_BUYER)))
        since = self.data.now - int(filters["period"]) * DAY if "period" in filters else None
        wanted = filters.get("commentType")

        def keep(e: Order | int) -> bool:
            if isinstance(e, int):
                return wanted in (None, "POSITIVE") and (since is None or self.data.now - (3 + 20 * e) * DAY >= since)
            assert e.evaluation is not None
            return (wanted is None or payloads.COMMENT_TYPE[e.evaluation.grade] == wanted) and (
                since is None or e.evaluation.date >= since
            )

        out = [e for e in rated if keep(e)]
        if sort == "TIME":  # "by end time from newest to oldest": when the buyer paid (order creation)
            out.sort(key=lambda e: -(self.data.now - (3 + 20 * e) * DAY if isinstance(e, int) else e.created))
        else:  # RELEVANCE: negative first, then longer comments
            out.sort(key=_relevance)
        return out

    def _getPaymentDisputeSummaries(self, request: httpx.Request, params: httpx.QueryParams) -> dict[str, Any]:
        limit = qp.int_param(params, "limit", 200, 1, 200)
        offset = self._offset(qp.int_param(params, "offset", 0, 0))
        first, step = self._start(offset, limit)
        start, end = qp.dispute_window(params)
        statuses = set(params.get_list("payment_dispute_status"))
        order_id, buyer = params.get("order_id"), params.get("buyer_username")
        items = [
            d
            for d in self.data.disputes
            if (order_id is None or self.data.order_id(d.order) == order_id)
            and (
                order_id is not None
                or (
                    (start is None or d.opened >= start)
                    and (end is None or d.opened <= end)
                    and (not statuses or d.status in statuses)
                    and (buyer is None or self.data.username(d.order.customer) == buyer)
                )
            )
        ]
        items.sort(key=lambda d: (-d.opened, d.dispute_id))
        page = [payloads.dispute_summary(self.data, d) for d in items[first : first + limit]]
        return _paged(request, "paymentDisputeSummaries", page, len(items), limit, offset, first, step)

    # -- helpers --------------------------------------------------------------------------------------
    def _offset(self, offset: int) -> int:
        if self.faults.fail_at_offset is not None and offset >= self.faults.fail_at_offset:
            raise ApiError(500, "There was a problem with an eBay internal system or process.")
        return 0 if self.faults.ignore_offset else offset

    def _start(self, offset: int, limit: int) -> tuple[int, int]:
        """The first record an `offset` names, and the step between consecutive pages' offsets."""
        return (offset * limit, 1) if self.offset_counts == "pages" else (offset, limit)

    def _cached(self, key: Hashable, build: Callable[[], list[Any]]) -> list[Any]:
        """Small FIFO cache of filtered+sorted lists so deep paging stays O(page)."""
        if key not in self._cache:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = build()
        items: list[Any] = self._cache[key]
        return items


def _relevance(e: Order | int) -> tuple[int, int]:
    if isinstance(e, int):
        return (1, e)
    assert e.evaluation is not None
    return (0 if e.evaluation.grade <= 2 else 1, -len(e.evaluation.comment or ""))


def _paged(
    request: httpx.Request, key: str, items: list[Any], total: int, limit: int, offset: int, start: int, step: int
) -> dict[str, Any]:
    """getOrders/getPaymentDisputeSummaries paging envelope with absolute next/prev hrefs (`step` apart)."""
    body: dict[str, Any] = {"href": str(request.url), "total": total, "limit": limit, "offset": offset, key: items}
    if start + limit < total:
        body["next"] = str(request.url.copy_set_param("offset", str(offset + step)))
    if offset > 0:
        body["prev"] = str(request.url.copy_set_param("offset", str(max(0, offset - step))))
    return body


def _relative(request: httpx.Request, offset: int) -> str:
    """Feedback paging links are relative, "starting with the resource name"."""
    url = request.url.copy_set_param("offset", str(offset))
    return f"feedback?{url.query.decode()}"


def _oauth_error(status: int, error: str, description: str) -> httpx.Response:
    return json_response(status, {"error": error, "error_description": description})
