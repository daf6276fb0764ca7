"""Amazon SP-API sandbox: one seller on amazon.fr, answering through an ``httpx`` request handler.

Follows the official Swagger files (``shared/specs/amazon-sp-api``) for the operations mktcrm uses:
searchOrders (Orders 2026-01-01), searchListingsItems (Listings Items 2021-08-01), createReport /
getReport / getReportDocument (Reports 2021-06-30), getMarketplaceParticipations (Sellers v1) and the two
Solicitations v1 operations (``solicitations.py``), plus the
Login with Amazon token endpoint and the pre-signed report download on another host. Auth is the
``x-amz-access-token`` header; errors are ``{"errors": [{code, message, details}]}`` with ``x-amzn-RequestId``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl

import httpx

from mktcrm.sandbox.base import ApiError, SandboxBase, epoch, json_response
from mktcrm.sandbox.data import add_orders, generate
from mktcrm.sandbox.params import check_names
from mktcrm.sandbox.records import Order

from . import params as qp
from . import payloads as pl
from .orders import OrderRenderer
from .reports import DOCUMENT, DOCUMENTS_PREFIX, REPORT, ReportsMixin
from .solicitations import SolicitationsMixin

TOKEN_PATH = "/auth/o2/token"
LISTING_CAP = 1000  # "The maximum number of items (SKUs) that can be returned and paged through is 1000."
RATE_LIMITS = {
    "searchOrders": "0.0056",
    "searchListingsItems": "5.0",
    "createReport": "0.0167",
    "getReport": "2.0",
    "getReportDocument": "0.0167",
    "getMarketplaceParticipations": "0.016",
    "getSolicitationActionsForOrder": "1.0",
    "createProductReviewAndSellerFeedbackSolicitation": "1.0",
}
_ERROR_CODES = {400: "InvalidInput", 401: "Unauthorized", 403: "Unauthorized", 404: "NotFound", 429: "QuotaExceeded"}
_QUOTA_MESSAGE = "You exceeded your quota for the requested resource."
_LISTINGS = re.compile(r"^/listings/2021-08-01/items/([^/]+)$")
_CACHE_SIZE = 32


def _flag(text: str) -> bool:
    if text.lower() not in ("0", "1", "true", "false"):
        raise ValueError(text)
    return text.lower() in ("1", "true")


class AmazonSandbox(SolicitationsMixin, ReportsMixin, SandboxBase):
    """One seeded amazon.fr seller.

    Tests may set ``report_status``, ``report_compression``, ``report_dates``, ``report_junk``; a feedback
    report's header language and date form follow the marketplace it was requested for.
    """

    marketplace = "amazon"
    token_path = TOKEN_PATH
    real_hosts = ("api.amazon.com", "sandbox-documents.invalid")  # LWA, and S3 for the pre-signed download
    PARAMS: ClassVar[dict[str, Callable[[str], Any]]] = {"seller_id": str, "gzip": _flag}

    def __init__(
        self,
        name: str,
        *,
        seed: int = 1,
        orders: int = 200,
        anchor: date | None = None,
        days: int = 180,
        seller_id: str | None = None,
        gzip: bool = True,
    ) -> None:
        super().__init__(name, seed=seed, orders=orders, anchor=anchor, days=days)
        self.seller_id = seller_id or f"A{hashlib.sha256(f'{seed}:{name}'.encode()).hexdigest()[:12].upper()}"
        self.client_id = f"amzn1.application-oa2-client.sandbox{name}"
        self.client_secret = f"sandbox-{name}-lwa-secret"
        self.refresh_token = f"Atzr|sandbox-{name}-refresh"
        self.data = generate(name, seed, orders, self.anchor, days)
        self.tokens: set[str] = set()
        self.token_requests = 0
        # An empty shop (orders=0) lists nothing either; the catalogue stays for orders added later.
        self.removed_skus: set[str] = set() if orders else {o.shop_sku for o in self.data.offers}
        self.reports: dict[str, dict[str, Any]] = {}
        self.report_status = "DONE"  # what a finished report ends as: DONE, CANCELLED or FATAL
        self.report_compression: str | None = "GZIP" if gzip else None
        self.report_dates = "local"  # "local" (the report's marketplace's own form, e.g. 5.1.26) or "iso"
        self.report_junk = 0  # unparseable rows slipped into each feedback report
        self.rate_limits = dict(RATE_LIMITS)  # the x-amzn-RateLimit-Limit each operation announces (a usage plan)
        self._cache: dict[Hashable, Any] = {}
        self._serial = 0
        self._renderer = OrderRenderer(self.data)
        self.solicited: set[str] = set()  # orders asked for a review (Solicitations v1)

    # -- what the config helpers need ---------------------------------------------------------------------------
    @property
    def credentials(self) -> dict[str, str]:
        return {"lwa_client_secret_env": self.client_secret, "refresh_token_env": self.refresh_token}

    @property
    def account_options(self) -> dict[str, Any]:
        return {"marketplace_ids": [pl.MARKETPLACE_FR], "seller_id": self.seller_id, "lwa_client_id": self.client_id}

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.data.now, UTC)

    # -- mutations (incremental-sync tests) ---------------------------------------------------------------------
    def add_orders(self, n: int, at: datetime) -> list[str]:
        """New pending orders created and updated at ``at``; returns their Amazon order ids."""
        with self._lock:
            self._cache.clear()
            ids = add_orders(self.data, n, epoch(at))
            return [pl.order_id(self.data, self.data.by_id[i]) for i in ids]

    def update_order(self, amazon_id: str, at: datetime, state: str | None = None) -> None:
        """Bump lastUpdatedTime (and optionally the generator state, e.g. "SHIPPED") of one order."""
        with self._lock:
            self._cache.clear()
            self.data.update_order(pl.generator_id(self.data, amazon_id), epoch(at), state)

    def set_feedback(self, amazon_id: str, rating: int, comment: str, at: datetime) -> None:
        """The buyer leaves (or changes) seller feedback on an order; 1-3 stars show up in the report."""
        with self._lock:
            self.data.set_evaluation(pl.generator_id(self.data, amazon_id), rating, comment, epoch(at))
            self._cache.clear()

    def remove_listing(self, sku: str) -> None:
        """The seller deletes a listing: it is no longer returned by searchListingsItems."""
        with self._lock:
            self.removed_skus.add(sku)
            self._cache.clear()

    def order_ids(self) -> list[str]:
        return [pl.order_id(self.data, o) for o in self.data.orders]

    def buyer_email(self, amazon_id: str) -> str:
        return pl.buyer_email(self.seed, self.data.customers[self._order(amazon_id).customer].customer_id)

    def feedback_rows(self) -> list[dict[str, str]]:
        """Every row the feedback report would hold for all time (the tests' ground truth)."""
        text = pl.feedback_report(self.data, 0.0, None, "iso").decode()
        lines = text.splitlines()
        return [dict(zip(pl.FEEDBACK_COLUMNS, line.split("\t"), strict=True)) for line in lines[1:]]

    def _order(self, amazon_id: str) -> Order:
        return self.data.get(pl.generator_id(self.data, amazon_id))

    # -- HTTP ---------------------------------------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        code = _ERROR_CODES.get(status, "InternalFailure" if status < 503 else "ServiceUnavailable")
        return {"errors": [{"code": code, "message": _QUOTA_MESSAGE if status == 429 else message, "details": ""}]}

    def other_service(self, path: str) -> bool:
        """LWA and S3 are other services: SP-API faults (429, 5xx, malformed) do not apply to them."""
        return path == TOKEN_PATH or path.startswith(DOCUMENTS_PREFIX)

    def _respond(self, request: httpx.Request) -> httpx.Response:
        response = super()._respond(request)
        if not self.other_service(self.strip_prefix(request.url.path)):
            self._serial += 1
            response.headers["x-amzn-RequestId"] = f"{self.seed:04x}{self._serial:08x}-sbx-{self.name}"[:36]
        return response

    def answer(self, request: httpx.Request, path: str) -> httpx.Response:
        if path == TOKEN_PATH:
            return self._token(request)
        if path.startswith(DOCUMENTS_PREFIX):
            return self._download(request, path[len(DOCUMENTS_PREFIX) :])
        operation, handler = self._route(request.method, path)
        token = request.headers.get("x-amz-access-token")
        if not token or token not in self.tokens:
            raise ApiError(401, "Access to requested resource is denied.")
        if self.take("expire_token_next"):
            raise ApiError(401, "The access token you provided has expired.")
        status, body = handler(request, path)
        return json_response(status, body, {"x-amzn-RateLimit-Limit": self.rate_limits[operation]})

    def _route(self, method: str, path: str) -> tuple[str, Callable[[httpx.Request, str], tuple[int, Any]]]:
        routes: list[tuple[str, str, Callable[[httpx.Request, str], tuple[int, Any]]]] = []
        if path == "/orders/2026-01-01/orders":
            routes = [("GET", "searchOrders", self._search_orders)]
        elif path == "/orders/v0/orders":
            raise ApiError(400, "getOrders (Orders v0) is deprecated: use searchOrders (Orders 2026-01-01)")
        elif _LISTINGS.match(path):
            routes = [("GET", "searchListingsItems", self._search_listings)]
        elif path == "/reports/2021-06-30/reports":
            routes = [("POST", "createReport", self._create_report)]
        elif REPORT.match(path):
            routes = [("GET", "getReport", self._get_report)]
        elif DOCUMENT.match(path):
            routes = [("GET", "getReportDocument", self._get_document)]
        elif path == "/sellers/v1/marketplaceParticipations":
            routes = [("GET", "getMarketplaceParticipations", self._participations)]
        elif solicitation := self.solicitation_route(path):
            verb = "GET" if solicitation[0].startswith("get") else "POST"
            routes = [(verb, *solicitation)]
        if not routes:
            raise ApiError(404, f"Resource {path[:80]} is not found.")
        for verb, operation, handler in routes:
            if verb == method:
                return operation, handler
        raise ApiError(405, f"Method {method} is not allowed on {path[:80]}")

    # -- Login with Amazon ----------------------------------------------------------------------------------------
    def _token(self, request: httpx.Request) -> httpx.Response:
        """LWA: form-encoded refresh_token grant with the client credentials in the body."""
        if request.method != "POST":
            return _lwa_error(405, "invalid_request", "The token endpoint only accepts POST")
        if not request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return _lwa_error(400, "invalid_request", "The request body must be application/x-www-form-urlencoded")
        form = dict(parse_qsl(request.content.decode("utf-8", "replace"), keep_blank_values=True))
        self.token_requests += 1
        missing = [k for k in ("grant_type", "refresh_token", "client_id", "client_secret") if not form.get(k)]
        if form.get("grant_type") not in (None, "", "refresh_token"):
            return _lwa_error(400, "unsupported_grant_type", "The authorization grant type is not supported")
        if missing:
            return _lwa_error(400, "invalid_request", f"The request is missing a required parameter : {missing[0]}")
        if form["client_id"] != self.client_id or form["client_secret"] != self.client_secret:
            return _lwa_error(401, "invalid_client", "Client authentication failed")
        if form["refresh_token"] != self.refresh_token:
            return _lwa_error(400, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
        token = (
            f"Atza|sbx-{self.name}-{len(self.tokens) + 1}-{hashlib.sha256(str(self._serial).encode()).hexdigest()[:20]}"
        )
        self.tokens.add(token)
        body = {"access_token": token, "refresh_token": self.refresh_token, "token_type": "bearer", "expires_in": 3600}
        return json_response(200, body)

    # -- Sellers ----------------------------------------------------------------------------------------------------
    def _participations(self, request: httpx.Request, path: str) -> tuple[int, Any]:
        check_names(request.url.params, frozenset())
        return 200, pl.participations(self.data)

    # -- Orders 2026-01-01 -------------------------------------------------------------------------------------------
    def _search_orders(self, request: httpx.Request, path: str) -> tuple[int, Any]:
        params = request.url.params
        query, size, included = qp.order_query(params)
        fingerprint = qp.query_hash(params, "paginationToken")
        offset = qp.decode_token(params.get("paginationToken"), fingerprint, "paginationToken")
        if self.faults.ignore_offset:
            offset = 0
        if self.faults.fail_at_offset is not None and offset >= self.faults.fail_at_offset:
            raise ApiError(500, "We encountered an internal error. Please try again.")
        matches = self._cached(("orders", query), lambda: self._filter_orders(query))
        following = qp.encode_token(offset + size, fingerprint) if offset + size < len(matches) else None
        return 200, self._renderer.page(matches[offset : offset + size], included, following)

    def _by_created(self) -> list[Order]:
        return sorted(self.data.orders, key=lambda o: (o.created, o.order_id))

    def _filter_orders(self, q: qp.OrderQuery) -> list[Order]:
        if q.marketplaces is not None and pl.MARKETPLACE_FR not in q.marketplaces:
            return []
        out = []
        for o in self._cached("by_created", self._by_created):
            stamp = o.created if q.field == "created" else o.updated
            if stamp < q.after or (q.before is not None and stamp > q.before):
                continue
            if q.statuses is not None and pl.STATUS.get(o.state, "PENDING") not in q.statuses:
                continue
            if q.fulfilled_by is not None:
                by = "AMAZON" if pl.fulfilled_by_amazon(self.data, o) else "MERCHANT"
                if by not in q.fulfilled_by:
                    continue
            out.append(o)
        return out

    # -- Listings Items 2021-08-01 -----------------------------------------------------------------------------------
    def _search_listings(self, request: httpx.Request, path: str) -> tuple[int, Any]:
        match = _LISTINGS.match(path)
        assert match is not None
        if match.group(1) != self.seller_id:
            raise ApiError(403, "Access to requested resource is denied.")
        params = request.url.params
        query, size, marketplaces, included = qp.listing_query(params)
        fingerprint = qp.query_hash(params, "pageToken")
        offset = qp.decode_token(params.get("pageToken"), fingerprint, "pageToken")
        if self.faults.ignore_offset:
            offset = 0
        if self.faults.fail_at_offset is not None and offset >= self.faults.fail_at_offset:
            raise ApiError(500, "We encountered an internal error. Please try again.")
        matches = self._cached(("listings", query, marketplaces), lambda: self._filter_listings(query, marketplaces))
        page = matches[offset : offset + size]
        body: dict[str, Any] = {
            "numberOfResults": len(matches),
            "items": [pl.listing(self.data, offer, times, included) for offer, times in page],
        }
        following = offset + size
        if following < min(len(matches), LISTING_CAP):
            body["pagination"] = {"nextToken": qp.encode_token(following, fingerprint)}
        if offset:
            body.setdefault("pagination", {})["previousToken"] = qp.encode_token(max(0, offset - size), fingerprint)
        return 200, body

    def _filter_listings(self, q: qp.ListingQuery, marketplaces: tuple[str, ...]) -> list[Any]:
        if pl.MARKETPLACE_FR not in marketplaces:
            return []
        rows = []
        for offer in self.data.offers:
            if offer.shop_sku in self.removed_skus:
                continue
            created, updated = times = pl.listing_times(self.data, offer)
            status = {"BUYABLE", "DISCOVERABLE"} if offer.active and offer.quantity else set()
            checks = (
                q.created_after is None or created >= q.created_after,
                q.created_before is None or created <= q.created_before,
                q.updated_after is None or updated >= q.updated_after,
                q.updated_before is None or updated <= q.updated_before,
                q.with_status is None or bool(status & set(q.with_status)),
                q.without_status is None or not status & set(q.without_status),
                q.identifiers is None or _identifies(q.identifiers_type, q.identifiers, offer),
            )
            if all(checks):
                rows.append((offer, times))
        position = {"sku": lambda r: (r[0].shop_sku,), "createdDate": lambda r: (r[1][0], r[0].shop_sku)}
        rows.sort(key=position.get(q.sort_by, lambda r: (r[1][1], r[0].shop_sku)), reverse=q.descending)
        return rows

    # -- helpers --------------------------------------------------------------------------------------------------
    def _cached(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """Small FIFO cache of filtered lists so deep paging stays O(page)."""
        value = self._cache.get(key)
        if value is None:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            value = self._cache[key] = build()
        return value


def _identifies(kind: str | None, values: tuple[str, ...], offer: Any) -> bool:
    if kind == "SKU":
        return offer.shop_sku in values
    if kind == "ASIN":
        return pl.asin(offer) in values
    if kind in ("EAN", "GTIN"):
        return offer.ean in values
    return False


def _lwa_error(status: int, error: str, description: str) -> httpx.Response:
    return json_response(status, {"error": error, "error_description": description})
