"""Mirakl seller ("shop") API sandbox: one operator instance as an ``httpx`` request handler.

Follows the seller OpenAPI for A01 (GET /api/account), OF21 (GET /api/offers), OR11 (GET /api/orders) and
OR51 (GET /api/orders/{order_id}/evaluation): raw-key ``Authorization`` header, optional ``shop_id``, offset
paging with ``total_count``, ``{"status", "message"}`` errors, plus injectable faults (429 + Retry-After,
5xx, malformed JSON, latency, a pagination loop). Mount it with ``httpx.MockTransport(sandbox.handler)`` so
connectors, retries and pagination run for real, or serve it on loopback with ``server.serve``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import httpx

from . import mirakl_params as qp
from . import mirakl_payloads as payloads
from .base import ApiError, SandboxBase, epoch, json_response
from .data import add_orders, generate
from .mirakl_orders import OrderRenderer
from .records import Offer, Order

DEFAULT_PAGE = 10
MAX_PAGE = 100
_CACHE_SIZE = 32
_EVALUATION_PATH = re.compile(r"^/api/orders/([^/]+)/evaluation$")

_OFFER_SORTS: dict[str, Callable[[Offer], tuple[Any, ...]]] = {
    "totalPrice": lambda o: (o.price + (0.0 if o.price >= 49 else 4.9), o.offer_id),
    "price": lambda o: (o.price, o.offer_id),
    "productTitle": lambda o: (o.title, o.price, o.offer_id),
}


class MiraklSandbox(SandboxBase):
    """One Mirakl operator instance (e.g. "intermarche") holding one seeded shop."""

    marketplace = "mirakl"
    PARAMS: ClassVar[dict[str, Callable[[str], Any]]] = {"key": str, "shop_id": int}

    def __init__(
        self,
        name: str,
        *,
        seed: int = 1,
        orders: int = 200,
        anchor: date | None = None,
        key: str | None = None,
        shop_id: int = 2071,
        days: int = 180,
    ) -> None:
        super().__init__(name, seed=seed, orders=orders, anchor=anchor, days=days)
        if key == "":
            raise ValueError("sandbox parameter 'key' must not be empty")
        self.api_key = key if key is not None else f"sandbox-{name}-key"
        self.shop_id = shop_id
        self.data = generate(name, seed, orders, self.anchor, days)
        self._cache: dict[Hashable, Any] = {}
        self._renderer = OrderRenderer(self.data)

    @property
    def credentials(self) -> dict[str, str]:
        return {"api_key_env": self.api_key}

    @property
    def account_options(self) -> dict[str, Any]:
        return {"shop_id": str(self.shop_id)}

    @property
    def now(self) -> datetime:
        """The data's "now" (midnight UTC of the anchor date); generated timestamps never exceed it."""
        return datetime.fromtimestamp(self.data.now, UTC)

    # -- data mutation (incremental-sync tests) -------------------------------------------------------------

    def add_orders(self, n: int, at: datetime) -> list[str]:
        """New WAITING_ACCEPTANCE orders created and updated at ``at``; returns their ids."""
        with self._lock:
            self._cache.clear()
            return add_orders(self.data, n, epoch(at))

    def update_order(self, order_id: str, at: datetime, state: str | None = None) -> None:
        """Bump last_updated_date (and optionally the state) of one order."""
        with self._lock:
            self._cache.clear()
            self.data.update_order(order_id, epoch(at), state)

    def set_evaluation(self, order_id: str, grade: int, comment: str, at: datetime) -> None:
        """Buyer (re)evaluates an order; the order's last_updated_date becomes ``at``."""
        with self._lock:
            self._cache.clear()
            self.data.set_evaluation(order_id, grade, comment, epoch(at))

    def open_incident(self, order_id: str, at: datetime) -> None:
        """First line goes INCIDENT_OPEN, so has_incident becomes true; bumps the order."""
        with self._lock:
            self._cache.clear()
            self.data.open_incident(order_id, epoch(at))

    def close_incident(self, order_id: str, at: datetime, refund: bool = False) -> None:
        """Incident closed (operator/OR64): lines leave INCIDENT_OPEN (REFUNDED if ``refund``); bumps the order."""
        with self._lock:
            self._cache.clear()
            self.data.close_incident(order_id, epoch(at), refund)

    # -- HTTP -----------------------------------------------------------------------------------------------

    def answer(self, request: httpx.Request, path: str) -> httpx.Response:
        """A01, OF21, OR11 and OR51 as the seller OpenAPI describes them."""
        return json_response(200, self._answer(request, path))

    def _answer(self, request: httpx.Request, path: str) -> dict[str, Any] | bytes:
        if request.headers.get("Authorization") != self.api_key:
            raise ApiError(401, "Unauthorized")
        params = request.url.params
        if "shop_id" in params and qp.int_param(params, "shop_id", 0) != self.shop_id:
            raise ApiError(403, "Forbidden: the API key has no access to this shop")
        match = _EVALUATION_PATH.match(path)
        if path not in ("/api/account", "/api/offers", "/api/orders") and match is None:
            raise ApiError(404, "Not Found")
        if request.method != "GET":
            raise ApiError(405, f"Method {request.method} not allowed on {path}")
        if path == "/api/account":
            qp.check_names(params, qp.COMMON)
            return self._account()
        if path == "/api/offers":
            return self._offers(params)
        if path == "/api/orders":
            return self._orders(params)
        assert match is not None
        qp.check_names(params, qp.COMMON)
        return self._evaluation(match.group(1))

    def _account(self) -> dict[str, Any]:
        """A01: grade and evaluations_count are computed from the visible evaluations."""
        stats = self._cache.get("A01")
        if stats is None:
            grades = [o.evaluation.grade for o in self.data.orders if o.evaluation and o.evaluation.visible]
            grade = round(sum(grades) / len(grades), 2) if grades else 0.0
            stats = self._cache["A01"] = (grade, len(grades), sum(1 for o in self.data.offers if o.active))
        grade, count, offers = stats
        return payloads.account(self.data, self.shop_id, offers, grade, count)

    def _offers(self, params: httpx.QueryParams) -> dict[str, Any]:
        """OF21 with its filters and sorts (totalPrice default)."""
        qp.check_names(params, qp.OF21_PARAMS)
        states = qp.csv_param(params, "offer_state_codes")
        sku, product = params.get("sku"), params.get("product_id")
        favorite = qp.bool_param(params, "favorite")
        sort = params.get("sort", "totalPrice")
        if sort not in _OFFER_SORTS:
            raise ApiError(400, f"Invalid value for parameter 'sort': expected one of {', '.join(_OFFER_SORTS)}")
        desc = qp.direction(params)
        key = ("OF21", states, sku, product, favorite, sort, desc)
        items = self._cache.get(key)
        if items is None:
            items = [
                o
                for o in self.data.offers
                if (states is None or "11" in states)
                and (sku is None or o.shop_sku == sku)
                and (product is None or o.product_sku == product)
                and not favorite
            ]
            items.sort(key=_OFFER_SORTS[sort], reverse=desc)
            self._remember(key, items)
        page, total = self._page(params, items)
        deadline = payloads.iso(self.data.now + 2 * 86400)
        return {"offers": [payloads.offer(o, deadline) for o in page], "total_count": total}

    def _orders(self, params: httpx.QueryParams) -> bytes:
        """OR11: filters, then creation date asc + order id (or desc), then offset paging."""
        qp.check_names(params, qp.OR11_PARAMS)
        filters = qp.order_filters(params)
        sort = params.get("sort", "dateCreated")
        if sort != "dateCreated":
            raise ApiError(400, "Invalid value for parameter 'sort': expected dateCreated")
        desc = qp.direction(params)
        fail_at = self.faults.fail_at_offset
        if fail_at is not None and qp.int_param(params, "offset", 0) >= fail_at:
            raise ApiError(500, "Internal Server Error")
        key = ("OR11", tuple(sorted(filters.items())), desc)
        items = self._cache.get(key)
        if items is None:
            preds = [qp.order_predicate(name, value) for name, value in filters.items()]
            items = [o for o in self._by_created() if all(p(o) for p in preds)]
            if desc:
                items.reverse()
            self._remember(key, items)
        page, total = self._page(params, items)
        return self._renderer.page(page, total)

    def _evaluation(self, order_id: str) -> dict[str, Any]:
        order = self.data.by_id.get(order_id)
        if order is None:
            raise ApiError(404, "Order not found")
        if order.evaluation is None:
            raise ApiError(404, "Evaluation not found")
        return payloads.evaluation(self.data, order)

    def _by_created(self) -> list[Order]:
        orders = self._cache.get("by_created")
        if orders is None:
            orders = sorted(self.data.orders, key=lambda o: (o.created, o.order_id))
            self._cache["by_created"] = orders
        return orders

    def _remember(self, key: Hashable, value: Any) -> None:
        """Small FIFO cache of filtered+sorted lists so deep paging stays O(page)."""
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = value

    def _page(self, params: httpx.QueryParams, items: list[Any]) -> tuple[list[Any], int]:
        size = min(qp.int_param(params, "max", DEFAULT_PAGE), MAX_PAGE)
        offset = qp.int_param(params, "offset", 0)
        paginate = qp.bool_param(params, "paginate")
        if self.faults.ignore_offset:
            offset = 0
        if paginate is False:
            return items, len(items)
        return items[offset : offset + size], len(items)
