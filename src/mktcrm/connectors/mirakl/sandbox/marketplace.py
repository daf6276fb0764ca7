"""Mirakl seller ("shop") API sandbox: one operator instance as an ``httpx`` request handler.

Follows the seller OpenAPI for A01 (GET /api/account), OF21 (GET /api/offers), OR11 (GET /api/orders),
OR51 (GET /api/orders/{order_id}/evaluation), and for disputes M10/M11/M12 (inbox threads), OR43 (new thread
on an order), OR64 (resolve an incident line), RE01 (reasons) and RT11 (returns), see ``inbox_api``:
raw-key ``Authorization`` header, optional ``shop_id``, offset or seek paging, ``{"status", "message"}``
errors, plus injectable faults (429 + Retry-After, 5xx, lost answers, malformed JSON, latency, a loop).
Mount it with ``httpx.MockTransport(sandbox.handler)`` so connectors, retries and pagination run for
real, or serve it on loopback with ``server.serve``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import httpx

from mktcrm.sandbox.base import ApiError, SandboxBase, epoch, json_response
from mktcrm.sandbox.data import add_orders, generate
from mktcrm.sandbox.params import bool_param, check_names, csv_param, int_param
from mktcrm.sandbox.records import Offer, Order

from . import inbox_api as inbox_api
from . import params as qp
from . import payloads as payloads
from .exports import ExportsMixin
from .inbox import CUSTOMER, OPERATOR, Inbox
from .orders import OrderRenderer

DEFAULT_PAGE = 10
MAX_PAGE = 100
_CACHE_SIZE = 32
# (method, path pattern, operation name): the operations this sandbox serves.
_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), op)
    for method, pattern, op in (
        ("GET", r"^/api/account$", "A01"),
        ("GET", r"^/api/offers$", "OF21"),
        ("GET", r"^/api/orders$", "OR11"),
        ("GET", r"^/api/orders/([^/]+)/evaluation$", "OR51"),
        ("POST", r"^/api/orders/([^/]+)/threads$", "OR43"),
        ("PUT", r"^/api/orders/([^/]+)/lines/([^/]+)/resolve_incident$", "OR64"),
        ("GET", r"^/api/inbox/threads$", "M11"),
        ("GET", r"^/api/inbox/threads/([^/]+)$", "M10"),
        ("POST", r"^/api/inbox/threads/([^/]+)/message$", "M12"),
        ("GET", r"^/api/reasons$", "RE01"),
        ("GET", r"^/api/returns$", "RT11"),
    )
)

_OFFER_SORTS: dict[str, Callable[[Offer], tuple[Any, ...]]] = {
    "totalPrice": lambda o: (o.price + (0.0 if o.price >= 49 else 4.9), o.offer_id),
    "price": lambda o: (o.price, o.offer_id),
    "productTitle": lambda o: (o.title, o.price, o.offer_id),
}


class MiraklSandbox(ExportsMixin, SandboxBase):
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
        self.inbox = Inbox(self.data, seed, shop_id)
        self.exports: dict[str, dict[str, Any]] = {}
        self.offer_updated: dict[int, float] = {}
        self.offer_deleted: dict[int, float] = {}

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

    def add_customer_message(self, order_id: str, text: str, at: datetime, operator: bool = False) -> str:
        """The customer (or the operator) writes about an order: in its latest thread, or a new one. Thread id."""
        with self._lock:
            sender = OPERATOR if operator else CUSTOMER
            threads = sorted(self.inbox.threads_of(order_id), key=lambda t: t.updated)
            if threads:
                self.inbox.post(threads[-1], sender, text, epoch(at), ("SHOP",))
                return threads[-1].id
            thread, _ = self.inbox.open_thread(order_id, ("REASON_CODE", "26"), sender, text, epoch(at), ("SHOP",))
            return thread.id

    def mark_no_reply_needed(self, thread_id: str, at: datetime) -> None:
        """The operator marks a thread "no store reply needed": it no longer waits for the shop."""
        with self._lock:
            thread = self.inbox.threads[thread_id]
            thread.no_reply_needed = thread.updated = epoch(at)
            self._cache.clear()

    def set_return_state(self, return_id: str, state: str, at: datetime, known_only: bool = True) -> None:
        """A return moves on (the customer ships it, the operator closes it…); bumps its last_updated."""
        with self._lock:
            self.inbox.set_return_state(return_id, state, epoch(at), known_only)

    # -- HTTP -----------------------------------------------------------------------------------------------

    def answer(self, request: httpx.Request, path: str) -> httpx.Response:
        """The operations of ``_ROUTES`` as the seller OpenAPI describes them."""
        if request.headers.get("Authorization") != self.api_key:
            raise ApiError(401, "Unauthorized")
        params = request.url.params
        if "shop_id" in params and int_param(params, "shop_id", 0) != self.shop_id:
            raise ApiError(403, "Forbidden: the API key has no access to this shop")
        exported = self.export_answer(request, path)
        if exported is not None:
            return exported
        matches = [(method, m, op) for method, pattern, op in _ROUTES if (m := pattern.match(path))]
        if not matches:
            raise ApiError(404, "Not Found")
        found = next(((m, op) for method, m, op in matches if method == request.method), None)
        if found is None:
            raise ApiError(405, f"Method {request.method} not allowed on {path}")
        match, op = found
        args = match.groups()
        if op in ("OR43", "M12"):
            self._cache.clear()
            created = inbox_api.new_thread if op == "OR43" else inbox_api.reply
            return json_response(201, created(self.inbox, args[0], request))
        if op == "OR64":
            self._cache.clear()
            inbox_api.resolve_incident(self.inbox, args[0], args[1], request)
            return httpx.Response(204)
        return json_response(200, self._read(op, args, params))

    def _read(self, op: str, args: tuple[str, ...], params: httpx.QueryParams) -> dict[str, Any] | bytes:
        if op == "A01":
            check_names(params, qp.COMMON)
            return self._account()
        if op == "OF21":
            return self._offers(params)
        if op == "OR11":
            return self._orders(params)
        if op == "OR51":
            check_names(params, qp.COMMON)
            return self._evaluation(args[0])
        if op == "M11":
            return inbox_api.list_threads(self.inbox, params)
        if op == "M10":
            return inbox_api.get_thread(self.inbox, args[0], params)
        if op == "RE01":
            return inbox_api.reasons(params)
        return inbox_api.list_returns(self.inbox, params)

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
        check_names(params, qp.OF21_PARAMS)
        states = csv_param(params, "offer_state_codes")
        sku, product = params.get("sku"), params.get("product_id")
        favorite = bool_param(params, "favorite")
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
                if o.offer_id not in self.offer_deleted
                and (states is None or "11" in states)
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
        check_names(params, qp.OR11_PARAMS)
        filters = qp.order_filters(params)
        sort = params.get("sort", "dateCreated")
        if sort != "dateCreated":
            raise ApiError(400, "Invalid value for parameter 'sort': expected dateCreated")
        desc = qp.direction(params)
        fail_at = self.faults.fail_at_offset
        if fail_at is not None and int_param(params, "offset", 0) >= fail_at:
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
        size = min(int_param(params, "max", DEFAULT_PAGE), MAX_PAGE)
        offset = int_param(params, "offset", 0)
        paginate = bool_param(params, "paginate")
        if self.faults.ignore_offset:
            offset = 0
        if paginate is False:
            return items, len(items)
        return items[offset : offset + size], len(items)
